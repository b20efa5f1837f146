//! Measures what a step produced: every regular file under `out/`, hashed and sized by the server, CSV data
//! rows counted by the server. The runtime's own `emitted.json` contributes only the declared kind.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use base64::Engine;
use serde_json::Value;
use writ_canon::ContentHash;

use crate::api::{OutputFile, OutputSlot};
use crate::validate::is_safe_component;

const MAX_ENTRIES: usize = 10_000;
const MAX_DEPTH: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("outputs total {total} bytes, over the cap of {cap}")]
    OverCap { total: u64, cap: u64 },
    #[error("more than {MAX_ENTRIES} entries under out/")]
    TooManyEntries,
    #[error("reading out/: {0}")]
    Io(#[from] io::Error),
}

/// Data rows of a CSV: records minus the header; quoted newlines do not end a record, blank lines are none.
pub fn csv_data_rows(bytes: &[u8]) -> u64 {
    let (mut records, mut in_quotes, mut content) = (0u64, false, false);
    for &b in bytes {
        match b {
            b'"' => {
                in_quotes = !in_quotes;
                content = true;
            }
            b'\n' if !in_quotes => {
                records += u64::from(content);
                content = false;
            }
            b'\r' if !in_quotes => {}
            _ => content = true,
        }
    }
    records += u64::from(content);
    records.saturating_sub(1)
}

/// Reads a file the step left, refusing anything but a plain file the step itself owns with one link:
/// a symlink or a hard link to something the server can read and the step cannot must not leak through.
fn read_owned_file(path: &Path, step_uid: Option<u32>) -> io::Result<Option<Vec<u8>>> {
    let mut file = match File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() || meta.nlink() != 1 || step_uid.is_some_and(|uid| meta.uid() != uid) {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Total bytes of regular files under `dir` (what the cap applies to), without following links.
pub fn total_size(dir: &Path, depth: usize, entries: &mut usize) -> Result<u64, OutputError> {
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        *entries += 1;
        if *entries > MAX_ENTRIES {
            return Err(OutputError::TooManyEntries);
        }
        let meta = entry.metadata()?;
        if meta.is_dir() && depth < MAX_DEPTH {
            total += total_size(&entry.path(), depth + 1, entries)?;
        } else if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

fn collect_files(
    dir: &Path,
    prefix: &str,
    depth: usize,
    step_uid: Option<u32>,
    out: &mut Vec<OutputFile>,
) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry.file_type()?;
        if file_type.is_dir() && depth < MAX_DEPTH {
            collect_files(&entry.path(), &rel, depth + 1, step_uid, out)?;
        } else if file_type.is_file() {
            if let Some(bytes) = read_owned_file(&entry.path(), step_uid)? {
                let rows = name
                    .to_ascii_lowercase()
                    .ends_with(".csv")
                    .then(|| csv_data_rows(&bytes));
                out.push(OutputFile {
                    name: rel,
                    size: bytes.len() as u64,
                    hash: ContentHash::of_bytes(&bytes).to_string(),
                    content_b64: base64::engine::general_purpose::STANDARD.encode(&bytes),
                    rows,
                });
            }
        }
    }
    Ok(())
}

fn read_json(path: &Path, step_uid: Option<u32>) -> Option<Value> {
    let bytes = read_owned_file(path, step_uid).ok()??;
    serde_json::from_slice(&bytes).ok()
}

fn kind_from_files(files: &[OutputFile]) -> String {
    let ext = files
        .first()
        .and_then(|f| f.name.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match (files.len(), ext.as_deref()) {
        (1, Some("csv")) => "table.csv",
        (1, Some("json")) => "json",
        (1, Some("md")) => "text.md",
        (1, Some("txt")) => "text",
        _ => "directory",
    }
    .to_string()
}

pub fn collect(
    out: &Path,
    cap_bytes: u64,
    step_uid: Option<u32>,
) -> Result<BTreeMap<String, OutputSlot>, OutputError> {
    let total = total_size(out, 0, &mut 0)?;
    if total > cap_bytes {
        return Err(OutputError::OverCap {
            total,
            cap: cap_bytes,
        });
    }
    let emitted = read_json(&out.join("emitted.json"), step_uid).unwrap_or(Value::Null);
    let mut slots = BTreeMap::new();
    let mut entries: Vec<_> = fs::read_dir(out)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(slot) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !entry.file_type()?.is_dir() || !is_safe_component(&slot) {
            continue;
        }
        let mut files = Vec::new();
        collect_files(&entry.path(), "", 0, step_uid, &mut files)?;
        let kind = emitted
            .get(&slot)
            .and_then(|e| e.get("kind"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| kind_from_files(&files));
        let provenance = read_json(&out.join(format!("{slot}.provenance.json")), step_uid);
        slots.insert(
            slot,
            OutputSlot {
                kind,
                files,
                provenance,
            },
        );
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_table() {
        let cases: [(&str, u64); 8] = [
            ("", 0),
            ("a,b\n", 0),
            ("a,b\n1,2\n", 1),
            ("a,b\n1,2", 1),
            ("a,b\r\n1,2\r\n3,4\r\n", 2),
            ("a,b\n\"x\ny\",2\n3,4\n", 2),
            ("a,b\n1,2\n\n\n", 1),
            ("a\n\"he said \"\"hi\"\"\"\n", 1),
        ];
        for (text, rows) in cases {
            assert_eq!(csv_data_rows(text.as_bytes()), rows, "{text:?}");
        }
    }
}
