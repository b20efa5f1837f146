//! Stage 4: structural fixes, each only where the schema leaves no doubt:
//! - an envelope around the payload (`{"data": [...]}` where an array is due) is removed;
//! - a lone object where an array is due is wrapped;
//! - a numeric string where only a number is allowed becomes a number;
//! - a number where only a string with a money pattern is allowed becomes that string (padded, never
//!   rounded: rounding is a business transform);
//! - dates in `format: date` fields become ISO. `YYYY/MM/DD` is never ambiguous. `AA/BB/YYYY` is decided
//!   per column: the schema's `x-date-order` (`mdy`/`dmy`) if declared, else the column's own evidence (a
//!   first part above 12 means day-first, a second part above 12 means month-first). A column with both kinds
//!   of evidence, or a date with no evidence whose parts could be either, is rejected, never guessed.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::{walk_mut, Fixes};
use crate::dates::{self, Order, Shape};
use crate::diag;
use crate::patch::PatchOp;
use crate::schema;
use writ_canon::Decimal;

/// Object keys that commonly wrap a payload; an object with one of these as its only key is an envelope.
const ENVELOPE_KEYS: &[&str] = &[
    "data", "items", "rows", "records", "results", "payload", "result", "output",
];

pub fn run(root: &Value, value: &mut Value) -> Fixes {
    let mut fixes = Fixes::default();
    walk_mut(root, root, value, "", &mut |schema, node, pointer| {
        fix_shape(schema, node, pointer, &mut fixes);
        fix_scalar(schema, node, pointer, &mut fixes);
    });
    let orders = decide_date_orders(root, value, &mut fixes);
    walk_mut(root, root, value, "", &mut |schema, node, pointer| {
        fix_date(schema, node, pointer, &orders, &mut fixes);
    });
    fixes
}

fn only_entry(map: &Map<String, Value>) -> Option<(&String, &Value)> {
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some(entry), None) => Some(entry),
        _ => None,
    }
}

fn fix_shape(schema: &Value, node: &mut Value, pointer: &str, fixes: &mut Fixes) {
    if schema::expects_only(schema, "array") {
        if let Value::Object(map) = node {
            if let Some((key, Value::Array(inner))) = only_entry(map) {
                let (key, inner) = (key.clone(), inner.clone());
                *node = Value::Array(inner);
                fixes.push(
                    PatchOp::Replace {
                        path: pointer.to_string(),
                        value: node.clone(),
                    },
                    format!("removed the `{key}` envelope around the array"),
                    "an array is due here and the object's only field holds it".into(),
                );
                return;
            }
            let lone = std::mem::take(node);
            *node = Value::Array(vec![lone]);
            fixes.push(
                PatchOp::Replace {
                    path: pointer.to_string(),
                    value: node.clone(),
                },
                "wrapped a lone object in an array".into(),
                "an array is due here".into(),
            );
        }
        return;
    }
    if schema::expects_only(schema, "object") {
        if let Value::Object(map) = node {
            let required = schema::required(schema);
            let lacks_all = !required.is_empty() && required.iter().all(|r| !map.contains_key(*r));
            if let Some((key, Value::Object(inner))) = only_entry(map) {
                if lacks_all
                    && ENVELOPE_KEYS.contains(&key.as_str())
                    && required.iter().any(|r| inner.contains_key(*r))
                {
                    let (key, inner) = (key.clone(), inner.clone());
                    *node = Value::Object(inner);
                    fixes.push(
                        PatchOp::Replace {
                            path: pointer.to_string(),
                            value: node.clone(),
                        },
                        format!("removed the `{key}` envelope around the object"),
                        "the required fields are inside a single wrapping field".into(),
                    );
                }
            }
        }
    }
}

fn number_from(text: &str, integer: bool) -> Option<Value> {
    let decimal = Decimal::parse(text)?;
    let value: Value = serde_json::from_str(&decimal.to_string()).ok()?;
    let n = value.as_f64()?;
    if integer && n.fract() != 0.0 {
        return None;
    }
    // An integer-valued text becomes an integer, so `"3"` is 3, not 3.0.
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Some(Value::from(n as i64));
    }
    n.is_finite().then_some(value)
}

fn fix_scalar(schema: &Value, node: &mut Value, pointer: &str, fixes: &mut Fixes) {
    match node {
        Value::String(text)
            if schema::expects_only(schema, "number")
                || schema::expects_only(schema, "integer") =>
        {
            let integer =
                schema::expects_only(schema, "integer") && !schema::allows(schema, "number");
            if let Some(number) = number_from(text, integer) {
                *node = number;
                fixes.push(
                    PatchOp::Replace {
                        path: pointer.to_string(),
                        value: node.clone(),
                    },
                    "turned a numeric string into a number".into(),
                    "the schema allows only a number here".into(),
                );
            }
        }
        Value::Number(n)
            if schema::expects_only(schema, "string") && schema::is_money_pattern(schema) =>
        {
            let Some(text) = Decimal::parse(&n.to_string())
                .and_then(|d| d.padded(2))
                .map(|d| d.to_string())
            else {
                return;
            };
            if schema::pattern_matches(schema, &text) == Some(true) {
                *node = Value::String(text);
                fixes.push(
                    PatchOp::Replace {
                        path: pointer.to_string(),
                        value: node.clone(),
                    },
                    "turned a number into a money string".into(),
                    "the schema allows only a string with a money pattern here".into(),
                );
            }
        }
        _ => {}
    }
}

fn is_date_field(schema: &Value) -> bool {
    schema.get("format").and_then(Value::as_str) == Some("date")
}

/// Columns are identified by their schema node: every row's `date` shares one.
type Column = *const Value;

#[derive(Default)]
struct Evidence {
    day_first: Option<String>,
    month_first: Option<String>,
}

fn decide_date_orders(
    root: &Value,
    value: &Value,
    fixes: &mut Fixes,
) -> HashMap<Column, Result<Option<Order>, ()>> {
    let mut evidence: HashMap<Column, Evidence> = HashMap::new();
    schema::walk(root, root, value, "", &mut |node, schema, pointer| {
        let (Some(text), true) = (node.as_str(), is_date_field(schema)) else {
            return;
        };
        if let Some(Shape::YearLast { a, b, .. }) = dates::parse_shape(text) {
            let e = evidence.entry(schema as *const Value).or_default();
            if a > 12 && b <= 12 {
                e.day_first.get_or_insert_with(|| pointer.to_string());
            }
            if b > 12 && a <= 12 {
                e.month_first.get_or_insert_with(|| pointer.to_string());
            }
        }
    });
    let mut orders = HashMap::new();
    schema::walk(root, root, value, "", &mut |_, schema, _| {
        let column = schema as *const Value;
        if !is_date_field(schema) || orders.contains_key(&column) {
            return;
        }
        let hint = schema
            .get("x-date-order")
            .and_then(Value::as_str)
            .and_then(Order::from_hint);
        let decided = match (hint, evidence.get(&column)) {
            (Some(order), _) => Ok(Some(order)),
            (
                None,
                Some(Evidence {
                    day_first: Some(d),
                    month_first: Some(m),
                }),
            ) => {
                fixes.diagnostics.push(
                    diag::error(diag::INCONSISTENT_DATES,
                        m.clone(),
                        format!("this column has month-first dates (here) and day-first dates (at {d:?})"),
                    )
                    .with_help("declare `x-date-order` in the schema or fix the step's date output"),
                );
                Err(())
            }
            (
                None,
                Some(Evidence {
                    day_first: Some(_), ..
                }),
            ) => Ok(Some(Order::DayFirst)),
            (
                None,
                Some(Evidence {
                    month_first: Some(_),
                    ..
                }),
            ) => Ok(Some(Order::MonthFirst)),
            (None, _) => Ok(None),
        };
        orders.insert(column, decided);
    });
    orders
}

fn fix_date(
    schema: &Value,
    node: &mut Value,
    pointer: &str,
    orders: &HashMap<Column, Result<Option<Order>, ()>>,
    fixes: &mut Fixes,
) {
    if !is_date_field(schema) {
        return;
    }
    let Some(shape) = node.as_str().and_then(dates::parse_shape) else {
        return;
    };
    let ymd = match shape {
        Shape::YearFirst(ymd) => ymd,
        Shape::YearLast { a, b, year } => match orders.get(&(schema as *const Value)) {
            Some(Ok(Some(order))) => order.apply(a, b, year),
            Some(Err(())) => return, // the column was rejected once, not once per cell
            _ if a == b => (year, a, b),
            _ => {
                fixes.diagnostics.push(
                    diag::error(diag::AMBIGUOUS_DATE,
                        pointer,
                        format!("{:?} could be day-first or month-first and nothing in its column decides", node.as_str().unwrap_or_default()),
                    )
                    .with_help("declare `x-date-order` (`mdy` or `dmy`) in the schema or write ISO dates"),
                );
                return;
            }
        },
    };
    if !dates::valid(ymd.0, ymd.1, ymd.2) {
        fixes.diagnostics.push(diag::error(
            diag::INVALID_DATE,
            pointer,
            format!(
                "{:?} names no calendar day",
                node.as_str().unwrap_or_default()
            ),
        ));
        return;
    }
    *node = Value::String(dates::format_iso(ymd));
    fixes.push(
        PatchOp::Replace {
            path: pointer.to_string(),
            value: node.clone(),
        },
        "rewrote a date as ISO 8601".into(),
        "the schema's format is `date` and the date's day and month order is not in doubt".into(),
    );
}
