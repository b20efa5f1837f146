//! Every compiler code has a page `docs/diagnostics/E0xxx.md` whose JSON example compiles to exactly that
//! code (under the page's TOML execution profile when it shows one, else the built-in profile).

mod common;

use std::path::Path;
use writ_compiler::{compile, REGISTRY};
use writ_plan::ExecutionProfile;

/// The body of the first fenced block of `lang` in `page`.
fn fenced<'a>(page: &'a str, lang: &str) -> Option<&'a str> {
    let open = format!("```{lang}\n");
    let start = page.find(&open)? + open.len();
    let len = page.get(start..)?.find("\n```")?;
    page.get(start..start + len)
}

#[test]
fn every_code_has_a_page_whose_example_compiles_to_it() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics");
    let catalog = common::catalog();
    for info in REGISTRY.iter().filter(|i| !i.retired) {
        let code = info.code.to_string();
        let page = std::fs::read_to_string(docs.join(format!("{code}.md")))
            .unwrap_or_else(|e| panic!("docs/diagnostics/{code}.md: {e}"));
        assert!(
            page.starts_with(&format!("# {code}: {}\n", info.title)),
            "{code}: the page opens with its code and title"
        );
        let example = fenced(&page, "json").unwrap_or_else(|| panic!("{code}: no ```json example"));
        let profile = match fenced(&page, "toml") {
            Some(toml) => {
                ExecutionProfile::from_toml(toml).unwrap_or_else(|e| panic!("{code}: profile: {e}"))
            }
            None => common::profile(),
        };
        let compiled = compile(example, catalog, &profile);
        assert_eq!(
            compiled.codes(),
            vec![code.clone()],
            "{code}: {:#?}",
            compiled.diagnostics
        );
    }
}
