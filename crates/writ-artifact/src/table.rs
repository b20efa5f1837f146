//! CSV tables as the step programs write them: a header row, then data rows (1-based in provenance).

use crate::ArtifactError;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn parse(bytes: &[u8]) -> Result<Table, ArtifactError> {
        Table::parse_delimited(bytes, b',')
    }

    /// A table with another delimiter (`b'\t'` for TSV). Every row must have the header's width.
    pub fn parse_delimited(bytes: &[u8], delimiter: u8) -> Result<Table, ArtifactError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .delimiter(delimiter)
            .from_reader(bytes);
        let header = reader
            .headers()
            .map_err(|e| ArtifactError::Csv(e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| ArtifactError::Csv(e.to_string()))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        Ok(Table { header, rows })
    }

    pub fn to_csv(&self) -> Result<Vec<u8>, ArtifactError> {
        self.to_delimited(b',')
    }

    pub fn to_delimited(&self, delimiter: u8) -> Result<Vec<u8>, ArtifactError> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .delimiter(delimiter)
            .from_writer(Vec::new());
        writer
            .write_record(&self.header)
            .map_err(|e| ArtifactError::Csv(e.to_string()))?;
        for row in &self.rows {
            writer
                .write_record(row)
                .map_err(|e| ArtifactError::Csv(e.to_string()))?;
        }
        writer
            .into_inner()
            .map_err(|e| ArtifactError::Csv(e.to_string()))
    }

    /// The value of `column` in data row `row` (1-based).
    pub fn cell(&self, row: usize, column: &str) -> Option<&str> {
        let col = self.header.iter().position(|h| h == column)?;
        self.rows
            .get(row.checked_sub(1)?)?
            .get(col)
            .map(String::as_str)
    }
}

impl Table {
    /// The rows as JSON objects of string cells.
    pub fn to_json_rows(&self) -> Value {
        let t = self;
        Value::Array(
            t.rows
                .iter()
                .map(|r| {
                    Value::Object(
                        t.header
                            .iter()
                            .cloned()
                            .zip(r.iter().cloned().map(Value::String))
                            .collect::<Map<_, _>>(),
                    )
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &[u8] = b"id,amount,note\n1,10.00,\"a, b\"\n2,20.50,x\n3,0.00,\"quote \"\"q\"\"\"\n";

    #[test]
    fn slices_and_merges_back_to_the_original() {
        let a = crate::slice_items("table.csv", None, CSV, 0, 2).unwrap();
        let b = crate::slice_items("table.csv", None, CSV, 2, 99).unwrap();
        assert_eq!(Table::parse(&a).unwrap().rows.len(), 2);
        assert_eq!(
            crate::merge_items("table.csv", None, &[&a, &b]).unwrap(),
            CSV
        );
    }

    #[test]
    fn header_mismatch_is_an_error_not_a_silent_merge() {
        let other = b"id,amount\n4,1\n";
        assert!(matches!(
            crate::merge_items("table.csv", None, &[CSV, other]),
            Err(crate::ArtifactError::HeaderMismatch { index: 1, .. })
        ));
    }

    #[test]
    fn json_rows_keep_strings() {
        let rows = Table::parse(CSV).unwrap().to_json_rows();
        assert_eq!(rows[0]["note"], "a, b");
        assert_eq!(rows[2]["note"], "quote \"q\"");
        assert_eq!(Table::parse(CSV).unwrap().cell(2, "amount"), Some("20.50"));
        assert_eq!(Table::parse(CSV).unwrap().cell(0, "amount"), None);
    }

    #[test]
    fn ragged_csv_is_rejected() {
        assert!(Table::parse(b"a,b\n1\n").is_err());
    }
}
