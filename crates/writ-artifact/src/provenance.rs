//! Provenance records (`out/<slot>.provenance.json`, see docs/sandbox-protocol.md) and lookups over them.

use crate::ArtifactError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One source of a value: an input slot of the producing step, a file of it, and a data row or text line;
/// or a verdict of the governed evaluator the value depends on (`input` is the tool, `proof` the hash of
/// the proof record the platform wrote for that call, also the hash of its ledger entry's payload).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Source {
    pub input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(default)]
    pub slot: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub rows: Vec<Vec<Source>>,
    #[serde(default)]
    pub values: BTreeMap<String, Vec<Source>>,
    #[serde(default)]
    pub code: Value,
}

impl Provenance {
    pub fn parse(value: &Value) -> Result<Provenance, ArtifactError> {
        serde_json::from_value(value.clone()).map_err(|e| ArtifactError::Provenance(e.to_string()))
    }

    /// The code line recorded for a pointer or a row, if any.
    pub fn code_for(&self, pointer: &str) -> Option<Value> {
        if let Some(v) = self.code.get("values").and_then(|v| v.get(pointer)) {
            return Some(v.clone());
        }
        let row = table_row(pointer)?;
        self.code.get("rows")?.get(row.checked_sub(1)?).cloned()
    }

    /// The record of the same rows after fields were renamed (`from` → `to`): a cell's sources move with
    /// it (`/3/amount_usd` becomes `/3/amount`); row sources are unchanged.
    pub fn with_renamed_fields(&self, renames: &[(String, String)]) -> Provenance {
        let mut out = self.clone();
        out.values = self
            .values
            .iter()
            .map(|(k, v)| {
                let mut parts: Vec<String> = k.split('/').map(str::to_string).collect();
                // "", row, field, …: only a table cell's field token is renamed.
                if parts.len() >= 3 && parts[1].parse::<u64>().is_ok() {
                    let field = parts[2].replace("~1", "/").replace("~0", "~");
                    if let Some((_, to)) = renames.iter().find(|(from, _)| *from == field) {
                        parts[2] = to.replace('~', "~0").replace('/', "~1");
                    }
                }
                (parts.join("/"), v.clone())
            })
            .collect();
        out
    }
}

/// `/17/payable_amount` or `/17` → 17 (1-based data row).
fn table_row(pointer: &str) -> Option<usize> {
    pointer
        .trim_start_matches('/')
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// The sources of the value at `pointer`: an exact entry in `values`, else the row a table pointer names,
/// else (empty pointer) every row's sources. Deduplicated and sorted.
pub fn sources_for(prov: &Provenance, pointer: &str) -> Result<Vec<Source>, ArtifactError> {
    let mut out: Vec<Source> = if let Some(s) = prov.values.get(pointer) {
        s.clone()
    } else if pointer.is_empty() || pointer == "/" {
        prov.rows
            .iter()
            .flatten()
            .cloned()
            .chain(prov.values.values().flatten().cloned())
            .collect()
    } else if let Some(row) = table_row(pointer).filter(|_| !prov.rows.is_empty()) {
        prov.rows
            .get(row.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| ArtifactError::Pointer(pointer.to_string()))?
    } else {
        return Err(ArtifactError::Pointer(pointer.to_string()));
    };
    out.sort();
    out.dedup();
    Ok(out)
}

/// Merge shard provenance in shard order. Items of the fan-out input `over` were renumbered from the start
/// in each shard's slice; `offsets[i]` (the shard's first item, 0-based) maps them back to the whole input:
/// a table's rows, and for a JSON input the element index right after `items` in a source's pointer
/// (`/pages/3/title` of a shard starting at 40 is `/pages/43/title`). A batch's files keep their names.
///
/// The output's own items were numbered from the start in each shard too: `out_offsets[i]` (how many items
/// the shards before `i` produced) renumbers the value pointers that address them — a table's `/3/score`
/// from the second shard of 100 rows is `/103/score` of the merged table. `None` keeps the keys (a bundle's
/// files are addressed by name).
pub fn merge_provenance(
    shards: &[Provenance],
    offsets: &[u64],
    over: &str,
    items: Option<&str>,
    out_offsets: Option<&[u64]>,
) -> Provenance {
    let remap = |s: &Source, offset: u64| {
        let mut s = s.clone();
        if s.input == over {
            s.row = s.row.map(|r| r + offset);
            if let (Some(p), Some(items)) = (&s.pointer, items) {
                s.pointer = Some(shift_index(p, items, offset));
            }
        }
        s
    };
    let mut merged = Provenance::default();
    let mut code_rows = Vec::new();
    for (i, p) in shards.iter().enumerate() {
        let offset = offsets.get(i).copied().unwrap_or(0);
        if merged.slot.is_empty() {
            merged.slot = p.slot.clone();
            merged.kind = p.kind.clone();
        }
        merged.rows.extend(
            p.rows
                .iter()
                .map(|r| r.iter().map(|s| remap(s, offset)).collect()),
        );
        let out_offset = out_offsets.and_then(|o| o.get(i).copied());
        for (k, v) in &p.values {
            let key = match out_offset {
                Some(off) => shift_index(k, "", off),
                None => k.clone(),
            };
            merged
                .values
                .entry(key)
                .or_default()
                .extend(v.iter().map(|s| remap(s, offset)));
        }
        if let Some(rows) = p.code.get("rows").and_then(Value::as_array) {
            code_rows.extend(rows.iter().cloned());
        }
    }
    merged.code = serde_json::json!({"rows": code_rows});
    merged
}

/// `pointer` with the array index that follows `items` shifted by `offset`; unchanged when it does not
/// address an element of that array.
fn shift_index(pointer: &str, items: &str, offset: u64) -> String {
    let Some(rest) = pointer
        .strip_prefix(items)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return pointer.to_string();
    };
    let (index, tail) = rest.split_once('/').map_or((rest, ""), |(i, t)| (i, t));
    match index.parse::<u64>() {
        Ok(i) if !index.starts_with('+') => {
            let sep = if tail.is_empty() { "" } else { "/" };
            format!("{items}/{}{sep}{tail}", i + offset)
        }
        _ => pointer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn prov(v: Value) -> Provenance {
        Provenance::parse(&v).unwrap()
    }

    #[test]
    fn values_rows_and_whole_artifact() {
        let p = prov(json!({"slot": "s", "kind": "table.csv",
            "rows": [[{"input": "e", "file": "e.csv", "row": 2}], [{"input": "e", "file": "e.csv", "row": 1}]],
            "values": {"/total": [{"input": "e", "file": "e.csv", "row": 1}, {"input": "e", "file": "e.csv", "row": 1}]}}));
        assert_eq!(sources_for(&p, "/total").unwrap().len(), 1);
        assert_eq!(sources_for(&p, "/2/amount").unwrap()[0].row, Some(1));
        assert_eq!(sources_for(&p, "").unwrap().len(), 2);
        assert!(sources_for(&p, "/9/amount").is_err());
        assert!(sources_for(&p, "/nope").is_err());
    }

    #[test]
    fn merging_shards_restores_whole_input_rows() {
        let a = prov(
            json!({"slot": "flags", "rows": [[{"input": "entries", "row": 1}], [{"input": "terms", "pointer": "/x"}]]}),
        );
        let b = prov(json!({"slot": "flags", "rows": [[{"input": "entries", "row": 1}]]}));
        let m = merge_provenance(&[a, b], &[0, 100], "entries", None, None);
        assert_eq!(m.rows.len(), 3);
        assert_eq!(m.rows[0][0].row, Some(1));
        assert_eq!(m.rows[1][0].row, None);
        assert_eq!(m.rows[2][0].row, Some(101));
    }

    #[test]
    fn renamed_fields_carry_their_cell_sources() {
        let p = prov(json!({"rows": [[{"input": "e", "row": 1}]],
            "values": {"/1/amount_usd": [{"input": "e", "row": 1}], "/total": [{"input": "e", "row": 1}]}}));
        let r = p.with_renamed_fields(&[("amount_usd".into(), "amount".into())]);
        assert!(r.values.contains_key("/1/amount"));
        assert!(!r.values.contains_key("/1/amount_usd"));
        assert!(r.values.contains_key("/total"), "not a cell: unchanged");
        assert_eq!(r.rows, p.rows);
    }

    #[test]
    fn merging_shards_renumbers_the_cells_of_the_output_table() {
        let cell = |row: u64| json!({"input": "entries", "row": row});
        let a = prov(
            json!({"rows": [[cell(1)], [cell(2)]], "values": {"/1/score": [cell(1)], "/2/score": [cell(2)]}}),
        );
        let b = prov(json!({"rows": [[cell(1)]], "values": {"/1/score": [cell(1)]}}));
        let m = merge_provenance(&[a, b], &[0, 2], "entries", None, Some(&[0, 2]));
        let rows = |k: &str| m.values[k].iter().map(|s| s.row).collect::<Vec<_>>();
        assert_eq!(rows("/1/score"), vec![Some(1)]);
        assert_eq!(rows("/2/score"), vec![Some(2)]);
        assert_eq!(
            rows("/3/score"),
            vec![Some(3)],
            "the second shard's first row is row 3"
        );
        let kept = merge_provenance(
            &[prov(json!({"values": {"/a~1b": [cell(1)]}}))],
            &[0],
            "entries",
            None,
            None,
        );
        assert!(kept.values.contains_key("/a~1b"));
    }
}
