//! The run machine's repair codes have a page `docs/diagnostics/R0xxx.md` whose example event, fed to a run
//! awaiting repair (load → transform → report, `transform` rejected by validation), is refused with exactly
//! that code.

mod common;

use common::*;
use std::path::Path;
use writ_run::testkit::{test_hash, Shell};
use writ_run::{codes, Effect, Event, RunState};

fn fenced<'a>(page: &'a str, lang: &str) -> Option<&'a str> {
    let open = format!("```{lang}\n");
    let start = page.find(&open)? + open.len();
    let len = page.get(start..)?.find("\n```")?;
    page.get(start..start + len)
}

fn awaiting_repair() -> Shell {
    let mut shell = Shell::start(linear(), "alice").expect("starts");
    shell.on(|effect, _| match effect {
        Effect::Validate {
            step, attempt_id, ..
        } if step.ends_with("-transform") => Some(vec![Event::Validated {
            attempt_id: attempt_id.clone(),
            publishable: false,
            report_hash: test_hash("rejected"),
            corrected: Default::default(),
        }]),
        _ => None,
    });
    shell.run_to_end();
    assert_eq!(shell.run.state(), RunState::AwaitingRepair);
    shell
}

#[test]
fn every_repair_code_has_a_page_whose_example_is_refused_with_it() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics");
    for code in [
        codes::REPAIRER_LACKS_SCOPE,
        codes::REPAIR_UNKNOWN_SLOT,
        codes::REPAIR_NOT_REQUESTED,
    ] {
        let info = codes::REGISTRY
            .iter()
            .find(|i| i.code == code)
            .expect("registered");
        let page = std::fs::read_to_string(docs.join(format!("{code}.md")))
            .unwrap_or_else(|e| panic!("docs/diagnostics/{code}.md: {e}"));
        assert!(
            page.starts_with(&format!("# {code}: {}\n", info.title)),
            "{code}: the page opens with its code and title"
        );
        let example = fenced(&page, "json").unwrap_or_else(|| panic!("{code}: no example"));
        let event: Event = serde_json::from_str(example).unwrap_or_else(|e| panic!("{code}: {e}"));
        let mut shell = awaiting_repair();
        assert_eq!(shell.id_of("transform"), "ps-2-transform");
        let effects = shell.feed(event);
        assert_eq!(refused_codes(&effects), [code], "{code}");
        assert_eq!(shell.run.state(), RunState::AwaitingRepair, "{code}");
    }
}
