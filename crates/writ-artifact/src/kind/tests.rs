//! Each kind's items counted, sliced and merged back to the whole; malformed artifacts are errors that say
//! why (never zero items); pointers of JSON sources remapped on merge.

use proptest::prelude::*;
use serde_json::{json, Value};
use writ_canon::ContentHash;

use super::*;
use crate::{merge_provenance, BundleFile, Provenance, Source};

fn bundle(names: &[&str]) -> Vec<u8> {
    let files = names
        .iter()
        .map(|n| BundleFile {
            path: n.to_string(),
            hash: ContentHash::of_bytes(n.as_bytes()),
            size: n.len() as u64,
        })
        .collect();
    Bundle::new(files)
        .and_then(|b| b.to_bytes())
        .expect("a bundle")
}

#[test]
fn every_kind_counts_slices_and_merges_back_to_the_whole() {
    let manifest =
        serde_json::to_vec(&json!({"site": "x", "pages": [{"p": 1}, {"p": 2}, {"p": 3}]})).unwrap();
    let cases: Vec<(&str, Option<&str>, Vec<u8>, u64)> = vec![
        ("table.csv", None, b"a,b\n1,2\n3,4\n5,6\n".to_vec(), 3),
        ("table.tsv", None, b"a\tb\n1,x\t2\n3\t4\n5\t6\n".to_vec(), 3),
        ("file.batch", None, bundle(&["c.txt", "a.txt", "b.txt"]), 3),
        (
            "table.json_rows",
            None,
            b"[{\"a\":1},{\"a\":2},{\"a\":3}]".to_vec(),
            3,
        ),
        ("object.json", Some("/pages"), manifest, 3),
    ];
    for (kind, items, bytes, n) in cases {
        assert_eq!(count_items(kind, items, &bytes).unwrap(), n, "{kind}");
        let first = slice_items(kind, items, &bytes, 0, 2).unwrap();
        let second = slice_items(kind, items, &bytes, 2, 9).unwrap();
        assert_eq!(count_items(kind, items, &first).unwrap(), 2, "{kind}");
        assert_eq!(count_items(kind, items, &second).unwrap(), 1, "{kind}");
        let merged = merge_items(kind, items, &[&first, &second]).unwrap();
        assert_eq!(count_items(kind, items, &merged).unwrap(), n, "{kind}");
        let whole = |b: &[u8]| read_for_validation(kind, b, &|f| Some(f.path.clone().into_bytes()));
        assert_eq!(
            whole(&merged).unwrap(),
            whole(&bytes).unwrap(),
            "{kind} round trip"
        );
    }
}

#[test]
fn what_cannot_be_read_as_its_kind_is_an_error_that_says_why() {
    let cases: Vec<(&str, Option<&str>, &[u8], &str)> = vec![
        ("table.csv", None, b"a,b\n1,2,3\n", "CSV"),
        ("file.batch", None, b"[\"a.txt\"]", "bundle"),
        (
            "file.batch",
            None,
            br#"{"format":"writ.bundle/1","files":[{"path":"../x","hash":"b3:00","size":1}]}"#,
            "bundle",
        ),
        ("object.json", None, b"{\"pages\": []}", "items"),
        (
            "object.json",
            Some("/pages"),
            b"{\"pages\": {}}",
            "not an array",
        ),
        (
            "object.json",
            Some("/nope"),
            b"{\"pages\": []}",
            "no value at `/nope`",
        ),
        ("object.json", Some("/pages"), b"{not json", "JSON"),
        ("report.markdown", None, b"# hi", "no items"),
    ];
    for (kind, items, bytes, says) in cases {
        let err = count_items(kind, items, bytes).unwrap_err().to_string();
        assert!(err.contains(says), "{kind}: {err}");
    }
}

#[test]
fn merges_refuse_what_would_lose_or_clash() {
    let a = bundle(&["index.html"]);
    let err = merge_items("web.bundle.static", None, &[&a, &a])
        .unwrap_err()
        .to_string();
    assert!(err.contains("appears twice"), "{err}");
    let x = serde_json::to_vec(&json!({"v": 1, "items": [1]})).unwrap();
    let y = serde_json::to_vec(&json!({"v": 2, "items": [2]})).unwrap();
    let err = merge_items("object.json", Some("/items"), &[&x, &y])
        .unwrap_err()
        .to_string();
    assert!(err.contains("differs from the first shard"), "{err}");
    assert!(merge_items("report.markdown", None, &[b"a", b"b"]).is_err());
}

#[test]
fn json_sources_of_the_fan_out_input_are_remapped_by_the_shard_offset() {
    let src = |p: &str| Source {
        input: "manifest".into(),
        file: Some("m.json".into()),
        row: None,
        line: None,
        pointer: Some(p.into()),
        proof: None,
    };
    let shard = |p: &str| Provenance {
        values: [("/x".to_string(), vec![src(p)])].into_iter().collect(),
        ..Provenance::default()
    };
    let merged = merge_provenance(
        &[shard("/pages/0/title"), shard("/pages/1")],
        &[0, 40],
        "manifest",
        Some("/pages"),
        None,
    );
    let pointers: Vec<Option<String>> = merged.values["/x"]
        .iter()
        .map(|s| s.pointer.clone())
        .collect();
    assert_eq!(
        pointers,
        vec![Some("/pages/0/title".into()), Some("/pages/41".into())]
    );
    let kept = merge_provenance(
        &[shard("/theme/0")],
        &[40],
        "manifest",
        Some("/pages"),
        None,
    );
    assert_eq!(kept.values["/x"][0].pointer.as_deref(), Some("/theme/0"));
}

proptest! {
    /// Slicing any table into shards and merging them gives back the table, whatever the cut points.
    #[test]
    fn shards_of_a_table_merge_back(rows in 0usize..40, size in 1usize..9) {
        let mut text = String::from("id,v\n");
        for i in 0..rows {
            text.push_str(&format!("{i},\"a,{i}\"\n"));
        }
        let bytes = text.into_bytes();
        let parts: Vec<Vec<u8>> = (0..rows.max(1)).step_by(size)
            .map(|s| slice_items("table.csv", None, &bytes, s, s + size).unwrap())
            .collect();
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let merged = merge_items("table.csv", None, &refs).unwrap();
        prop_assert_eq!(read_for_validation("table.csv", &merged, &|_| None).unwrap(),
                        read_for_validation("table.csv", &bytes, &|_| None).unwrap());
        let v: Value = read_for_validation("table.csv", &merged, &|_| None).unwrap();
        prop_assert_eq!(v.as_array().map(Vec::len), Some(rows));
    }
}

#[test]
fn corrected_tables_keep_their_column_order() {
    let original = b"id,amount_usd,note\n1,2.50,a\n2,3,b\n";
    let corrected = serde_json::json!([
        {"id": "1", "amount": 2.5, "note": "a", "currency": "USD"},
        {"id": "2", "amount": 3, "note": null, "currency": "USD"}
    ]);
    let renames = [("amount_usd".to_string(), "amount".to_string())];
    let bytes = crate::write_corrected("table.csv", original, &corrected, &renames).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "id,amount,note,currency\n1,2.5,a,USD\n2,3,,USD\n"
    );
    let json =
        crate::write_corrected("object.json", b"{}", &serde_json::json!({"a": 1}), &[]).unwrap();
    assert_eq!(json, b"{\n  \"a\": 1\n}\n");
    assert!(crate::write_corrected("file.batch", b"", &serde_json::json!({}), &[]).is_err());
    assert!(crate::write_corrected(
        "table.csv",
        original,
        &serde_json::json!({"not": "rows"}),
        &[]
    )
    .is_err());
}
