//! A serde `Serializer` that writes canonical JSON directly, without building a `serde_json::Value` first.
//!
//! Hashing is on the compiler's hot path (a contract per step); going through `Value` (with insertion-ordered
//! maps) and then sorting cost most of the freeze pass. Output is byte-identical to `canonical_value` of the
//! same value's `to_value` (a property test holds the two together), including serde_json's choices: a
//! non-finite float becomes `null`, bytes become an array of numbers, map keys may be integers.

use crate::number::write_f64_canonical;
use crate::{write_string, CanonError};
use serde::ser::{self, Serialize};

pub struct Canonical<'a> {
    pub out: &'a mut String,
}

impl ser::Error for CanonError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CanonError::Serialize(msg.to_string())
    }
}

/// JCS orders keys by UTF-16 code units; for ASCII keys (nearly all) that is byte order.
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

fn sort_and_write(entries: &mut [(String, String)], out: &mut String) {
    entries.sort_by(|a, b| key_order(&a.0, &b.0));
    out.push('{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(k, out);
        out.push(':');
        out.push_str(v);
    }
    out.push('}');
}

/// Entries written into one scratch buffer as (key, range); sorted and copied out once at the end.
struct Scratch {
    buf: String,
    entries: Vec<(&'static str, Option<String>, std::ops::Range<usize>)>,
}

impl Scratch {
    fn with_capacity(n: usize) -> Scratch {
        Scratch {
            buf: String::new(),
            entries: Vec::with_capacity(n),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, key: KeyText, value: &T) -> Result<(), CanonError> {
        let start = self.buf.len();
        value.serialize(Canonical { out: &mut self.buf })?;
        let range = start..self.buf.len();
        let (k, owned) = match key {
            KeyText::Static(k) => (k, None),
            KeyText::Owned(k) => ("", Some(k)),
        };
        let name = owned.as_deref().unwrap_or(k);
        // A later duplicate key replaces the earlier one, as in a JSON object built by serde_json.
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.1.as_deref().unwrap_or(e.0) == name)
        {
            e.2 = range;
        } else {
            self.entries.push((k, owned, range));
        }
        Ok(())
    }

    fn finish(mut self, out: &mut String) {
        self.entries.sort_by(|a, b| {
            key_order(a.1.as_deref().unwrap_or(a.0), b.1.as_deref().unwrap_or(b.0))
        });
        out.push('{');
        for (i, (k, owned, range)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(owned.as_deref().unwrap_or(k), out);
            out.push(':');
            out.push_str(&self.buf[range.clone()]);
        }
        out.push('}');
    }
}

enum KeyText {
    Static(&'static str),
    Owned(String),
}

fn to_text<T: Serialize + ?Sized>(value: &T) -> Result<String, CanonError> {
    let mut s = String::new();
    value.serialize(Canonical { out: &mut s })?;
    Ok(s)
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = CanonError;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = VariantSeq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = VariantMap<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), CanonError> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), CanonError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), CanonError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), CanonError> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), CanonError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), CanonError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), CanonError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), CanonError> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), CanonError> {
        self.out.push_str(&v.to_string());
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), CanonError> {
        i64::try_from(v)
            .map_err(|_| CanonError::Serialize("number out of range".into()))
            .and_then(|v| self.serialize_i64(v))
    }
    fn serialize_u128(self, v: u128) -> Result<(), CanonError> {
        u64::try_from(v)
            .map_err(|_| CanonError::Serialize("number out of range".into()))
            .and_then(|v| self.serialize_u64(v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), CanonError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), CanonError> {
        if v.is_finite() {
            write_f64_canonical(v, self.out)
        } else {
            self.out.push_str("null");
            Ok(())
        }
    }
    fn serialize_char(self, v: char) -> Result<(), CanonError> {
        write_string(v.encode_utf8(&mut [0u8; 4]), self.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), CanonError> {
        write_string(v, self.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), CanonError> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result<(), CanonError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), CanonError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CanonError> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CanonError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), CanonError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        let mut entries = vec![(variant.to_string(), to_text(value)?)];
        sort_and_write(&mut entries, self.out);
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'a>, CanonError> {
        self.out.push('[');
        Ok(Seq {
            out: self.out,
            first: true,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, CanonError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'a>, CanonError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<VariantSeq<'a>, CanonError> {
        Ok(VariantSeq {
            out: self.out,
            variant,
            items: String::from("["),
            first: true,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, CanonError> {
        Ok(Map {
            out: self.out,
            scratch: Scratch::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Map<'a>, CanonError> {
        Ok(Map {
            out: self.out,
            scratch: Scratch::with_capacity(len),
            key: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantMap<'a>, CanonError> {
        Ok(VariantMap {
            out: self.out,
            variant,
            entries: Vec::with_capacity(len),
        })
    }
}

pub struct Seq<'a> {
    out: &'a mut String,
    first: bool,
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        value.serialize(Canonical { out: self.out })
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.out.push(']');
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.out.push(']');
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        self.element(value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.out.push(']');
        Ok(())
    }
}

pub struct VariantSeq<'a> {
    out: &'a mut String,
    variant: &'static str,
    items: String,
    first: bool,
}

impl ser::SerializeTupleVariant for VariantSeq<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        if !self.first {
            self.items.push(',');
        }
        self.first = false;
        value.serialize(Canonical {
            out: &mut self.items,
        })
    }
    fn end(mut self) -> Result<(), CanonError> {
        self.items.push(']');
        let mut entries = vec![(self.variant.to_string(), self.items)];
        sort_and_write(&mut entries, self.out);
        Ok(())
    }
}

pub struct Map<'a> {
    out: &'a mut String,
    scratch: Scratch,
    key: Option<String>,
}

/// Map keys as serde_json accepts them: strings, and integers or bools written as strings.
struct KeySerializer;

fn key_err() -> CanonError {
    CanonError::Serialize("key must be a string".into())
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = CanonError;
    type SerializeSeq = ser::Impossible<String, CanonError>;
    type SerializeTuple = ser::Impossible<String, CanonError>;
    type SerializeTupleStruct = ser::Impossible<String, CanonError>;
    type SerializeTupleVariant = ser::Impossible<String, CanonError>;
    type SerializeMap = ser::Impossible<String, CanonError>;
    type SerializeStruct = ser::Impossible<String, CanonError>;
    type SerializeStructVariant = ser::Impossible<String, CanonError>;
    fn serialize_str(self, v: &str) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, v: bool) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, CanonError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_f64(self, _: f64) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_none(self) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_unit(self) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, CanonError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, CanonError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, CanonError> {
        Err(key_err())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CanonError> {
        Err(key_err())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CanonError> {
        Err(key_err())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CanonError> {
        Err(key_err())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CanonError> {
        Err(key_err())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CanonError> {
        Err(key_err())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CanonError> {
        Err(key_err())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CanonError> {
        Err(key_err())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CanonError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CanonError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| CanonError::Serialize("value without a key".into()))?;
        self.scratch.push(KeyText::Owned(key), value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.scratch.finish(self.out);
        Ok(())
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        self.scratch.push(KeyText::Static(key), value)
    }
    fn end(self) -> Result<(), CanonError> {
        self.scratch.finish(self.out);
        Ok(())
    }
}

pub struct VariantMap<'a> {
    out: &'a mut String,
    variant: &'static str,
    entries: Vec<(String, String)>,
}

impl ser::SerializeStructVariant for VariantMap<'_> {
    type Ok = ();
    type Error = CanonError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CanonError> {
        self.entries.push((key.to_string(), to_text(value)?));
        Ok(())
    }
    fn end(mut self) -> Result<(), CanonError> {
        let mut inner = String::new();
        sort_and_write(&mut self.entries, &mut inner);
        let mut outer = vec![(self.variant.to_string(), inner)];
        sort_and_write(&mut outer, self.out);
        Ok(())
    }
}
