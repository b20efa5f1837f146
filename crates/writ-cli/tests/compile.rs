//! `writ check`, `writ compile`, `writ verify` end to end through the binary.

use std::path::Path;
use std::process::{Command, Output};

const CANDIDATE: &str = r#"{
  "objective": "Sum the rows of a table.",
  "domain": "data-merge-transform",
  "workflow": "normalize-transform",
  "policy": "provenance",
  "inputs": [{"name": "rows", "kind": "table.csv"}],
  "steps": [
    {"id": "clean", "intent": "Clean the rows.", "kind": "code",
     "inputs": {"rows": "run.rows"},
     "outputs": [{"slot": "clean", "kind": "table.csv"}]},
    {"id": "total", "intent": "Sum the rows.", "kind": "code",
     "inputs": {"rows": {"from": "clean.clean", "kind": "table.json_rows"}},
     "outputs": [{"slot": "summary", "kind": "object.json", "publish": true, "name": "summary.json"}]}
  ]
}"#;

fn writ(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_writ"))
        .args(args)
        .output()
        .expect("runs writ")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn compile_twice_gives_identical_bytes_and_verify_names_an_edited_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, CANDIDATE).expect("write");
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for out in [&a, &b] {
        let o = writ(&["compile", s(&plan), "--profile", "builtin", "-o", s(out)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let bytes = std::fs::read(&a).expect("a");
    assert_eq!(bytes, std::fs::read(&b).expect("b"));

    let ok = writ(&["verify", s(&a)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );

    // One byte of one step's contract: "Sum the rows." → "Sum the rowz."
    let text = String::from_utf8(bytes).expect("utf-8");
    let edited = text.replacen(
        "\"intent\":\"Sum the rows.\"",
        "\"intent\":\"Sum the rowz.\"",
        1,
    );
    assert_ne!(text, edited, "the contract intent is in the file");
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, edited).expect("write");
    let bad = writ(&["verify", s(&tampered)]);
    assert_eq!(bad.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(stdout.contains("step ps-3-total"), "{stdout}");
    assert!(!stdout.contains("step ps-1-clean"), "{stdout}");
}

#[test]
fn check_reports_diagnostics_and_exits_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, CANDIDATE.replace("run.rows", "run.row")).expect("write");
    let text = writ(&["check", s(&plan)]);
    assert_eq!(text.status.code(), Some(1));
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("error[E0027]") && out.contains("did you mean `run.rows`?"),
        "{out}"
    );
    let json = writ(&["check", s(&plan), "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(value[0]["code"], "E0027");
    assert_eq!(value[0]["pointer"], "/steps/0/inputs/rows");

    std::fs::write(&plan, CANDIDATE).expect("write");
    assert!(writ(&["check", s(&plan)]).status.success());
    let nothing = writ(&["compile", s(&dir.path().join("missing.json"))]);
    assert_eq!(nothing.status.code(), Some(2));
}
