//! Every site-build validator and rubric check against the real outputs of the pack's reference programs
//! (run once by `fixtures_gen.py` on a generated manifest with nested paths and odd characters), each
//! artifact built as the worker builds it from the template (its step's inputs and sibling outputs as
//! related artifacts); then each check against planted defects it must catch, with the code it must give.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};
use writ_ladder::{Artifact, Context, Diagnostic, ValidatorRef};
use writ_pack_site_build::{codes, PACK};

fn generate() -> anyhow::Result<BTreeMap<String, Value>> {
    let dir = std::env::temp_dir().join(format!("writ-site-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("artifacts.json");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures_gen.py");
    let run = Command::new("python3").arg(&script).arg(&path).output()?;
    anyhow::ensure!(
        run.status.success(),
        "fixtures_gen.py failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut generated: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    std::fs::remove_dir_all(&dir)?;
    Ok(serde_json::from_value(generated["artifacts"].take())?)
}

fn fixture() -> &'static BTreeMap<String, Value> {
    static FIXTURE: OnceLock<BTreeMap<String, Value>> = OnceLock::new();
    FIXTURE.get_or_init(|| generate().unwrap_or_else(|e| panic!("{e:#}")))
}

/// A step of the template: inputs (slot -> "step.slot"), outputs (slot, kind), checks.
struct Step {
    id: String,
    inputs: BTreeMap<String, String>,
    outputs: Vec<(String, String)>,
    checks: Vec<String>,
}

fn template() -> anyhow::Result<Vec<Step>> {
    let text = std::fs::read_to_string(format!("{}/template.json", env!("CARGO_MANIFEST_DIR")))?;
    let t: Value = serde_json::from_str(&text)?;
    let mut steps = Vec::new();
    for s in t["steps"].as_array().into_iter().flatten() {
        let mut checks: Vec<String> = s["validators"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        checks.extend(
            s["rubric"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["check"].as_str().map(str::to_string)),
        );
        steps.push(Step {
            id: s["id"].as_str().unwrap_or_default().to_string(),
            inputs: s["inputs"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect(),
            outputs: s["outputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|o| {
                    (
                        o["slot"].as_str().unwrap_or_default().to_string(),
                        o["kind"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            checks,
        });
    }
    Ok(steps)
}

/// The artifact `slot` of `step` as the ladder sees it, with `value` in place of the real one.
fn artifact(
    step: &Step,
    slot: &str,
    kind: &str,
    value: Value,
    fx: &BTreeMap<String, Value>,
) -> Artifact {
    let mut related = BTreeMap::new();
    for (input, reference) in &step.inputs {
        if let Some(v) = fx.get(reference) {
            related.insert(input.clone(), v.clone());
        }
    }
    for (sibling, _) in &step.outputs {
        if sibling != slot {
            if let Some(v) = fx.get(&format!("{}.{sibling}", step.id)) {
                related.insert(sibling.clone(), v.clone());
            }
        }
    }
    Artifact {
        name: slot.to_string(),
        kind: kind.to_string(),
        value,
        context: Context {
            input_row_counts: BTreeMap::new(),
            related,
        },
    }
}

fn run(ids: &[String], a: &Artifact) -> Vec<Diagnostic> {
    let refs: Vec<ValidatorRef> = ids.iter().map(|id| ValidatorRef::new(id)).collect();
    PACK.registry().run(&refs, a, &a.value)
}

#[test]
fn every_check_passes_on_the_reference_outputs() -> anyhow::Result<()> {
    let fx = fixture();
    let mut ran = 0;
    for step in template()? {
        for (slot, kind) in &step.outputs {
            let value = fx[&format!("{}.{slot}", step.id)].clone();
            let a = artifact(&step, slot, kind, value, fx);
            let found = run(&step.checks, &a);
            assert!(found.is_empty(), "{}.{slot}: {found:#?}", step.id);
            ran += step.checks.len();
        }
    }
    assert!(ran >= 15, "{ran} checks ran");
    Ok(())
}

#[test]
fn every_implemented_check_is_used_by_the_template() -> anyhow::Result<()> {
    let used: Vec<String> = template()?.into_iter().flat_map(|s| s.checks).collect();
    for (id, _) in PACK.checks {
        assert!(
            used.iter().any(|u| u == id),
            "{id} is not used by the template"
        );
    }
    Ok(())
}

type Plant = fn(&mut Value, &BTreeMap<String, Value>);

fn first_product(v: &Value) -> String {
    v.as_object()
        .and_then(|m| {
            m.keys()
                .find(|k| k.contains("-1.html") || k.contains("item"))
                .cloned()
        })
        .unwrap_or_default()
}

fn page_of(fx: &BTreeMap<String, Value>, kind: &str) -> Value {
    fx["validate_manifest.page_manifest"]["pages"]
        .as_array()
        .and_then(|l| {
            l.iter().find(|p| {
                p["kind"] == kind
                    && p["related"]
                        .as_array()
                        .is_some_and(|r| !r.is_empty() || kind != "product")
            })
        })
        .cloned()
        .unwrap_or(Value::Null)
}

fn edit_page(site: &mut Value, path: &str, from: &str, to: &str) {
    let text = site[path].as_str().unwrap_or_default().to_string();
    assert!(text.contains(from), "{path} does not hold {from:?}");
    site[path] = Value::String(text.replacen(from, to, 1));
}

#[test]
fn each_check_catches_its_planted_defect() -> anyhow::Result<()> {
    let fx = fixture();
    let steps = template()?;
    let cases: Vec<(&str, &str, &str, Plant, writ_diag::Code)> = vec![
        (
            "site.paths_unique",
            "validate_manifest",
            "page_manifest",
            |v, _| {
                let p = v["pages"][1]["path"].clone();
                v["pages"][5]["path"] = p;
            },
            codes::PATH_CONFLICT,
        ),
        (
            "site.paths_unique",
            "validate_manifest",
            "page_manifest",
            |v, _| {
                v["pages"][2]["path"] = json!("../escape.html");
            },
            codes::PATH_CONFLICT,
        ),
        (
            "site.related_exist",
            "validate_manifest",
            "page_manifest",
            |v, _| {
                v["pages"][3]["products"] = json!([{"path": "nowhere/x.html", "title": "X"}]);
            },
            codes::RELATED_MISSING,
        ),
        (
            "site.entries_resolved",
            "validate_manifest",
            "page_manifest",
            |v, _| {
                if let Some(list) = v["pages"][1]["products"].as_array_mut() {
                    list.pop();
                }
            },
            codes::ENTRY_UNRESOLVED,
        ),
        (
            "site.entries_resolved",
            "validate_manifest",
            "page_manifest",
            |v, fx| {
                let i = fx["validate_manifest.page_manifest"]["pages"]
                    .as_array()
                    .map_or(0, |l| {
                        l.iter().position(|p| p["kind"] == "product").unwrap_or(0)
                    });
                v["pages"][i]["specs"][0]["value"] = json!("changed");
            },
            codes::ENTRY_UNRESOLVED,
        ),
        (
            "site.stylesheet_theme",
            "build_theme",
            "theme_assets",
            |v, _| {
                let (path, css) = v
                    .as_object()
                    .and_then(|m| m.iter().next())
                    .map(|(k, t)| (k.clone(), t.as_str().unwrap_or("").to_string()))
                    .unwrap_or_default();
                v[&path] = Value::String(css.replace("#112233", "#000000"));
            },
            codes::THEME_MISSING,
        ),
        (
            "site.navigation_complete",
            "build_navigation",
            "navigation",
            |v, _| {
                if let Some(list) = v["items"].as_array_mut() {
                    list.remove(1);
                }
            },
            codes::NAVIGATION_INCOMPLETE,
        ),
        (
            "site.page_content",
            "render_pages",
            "pages",
            |v, fx| {
                let p = page_of(fx, "product");
                let path = p["path"].as_str().unwrap_or_default().to_string();
                let spec = format!(
                    "<th scope=\"row\">{}</th>",
                    p["specs"][1]["name"].as_str().unwrap_or_default()
                );
                edit_page(v, &path, &spec, "<th>other</th>");
            },
            codes::SPEC_MISSING,
        ),
        (
            "site.page_content",
            "render_pages",
            "pages",
            |v, fx| {
                let p = page_of(fx, "category");
                let path = p["path"].as_str().unwrap_or_default().to_string();
                let target = p["products"][0]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .replace(' ', "%20");
                edit_page(v, &path, &format!("{target}\""), "moved.html\"");
            },
            codes::PRODUCT_UNLINKED,
        ),
        (
            "site.page_content",
            "render_pages",
            "pages",
            |v, fx| {
                let p = page_of(fx, "product");
                let path = p["path"].as_str().unwrap_or_default().to_string();
                let target = p["related"][0]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .replace(' ', "%20");
                edit_page(v, &path, &format!("{target}\">"), "elsewhere.html\">");
            },
            codes::RELATED_UNLINKED,
        ),
        (
            "site.pages_complete",
            "render_pages",
            "pages",
            |v, _| {
                let k = first_product(v);
                if let Some(m) = v.as_object_mut() {
                    m.remove(&k);
                }
            },
            codes::PAGE_MISSING,
        ),
        (
            "site.links_resolve",
            "assemble_site",
            "site_draft",
            |v, _| {
                edit_page(
                    v,
                    "index.html",
                    "</main>",
                    "<a href=\"missing/page.html\">x</a></main>",
                );
            },
            codes::LINK_BROKEN,
        ),
        (
            "site.links_resolve",
            "assemble_site",
            "site_draft",
            |v, _| {
                // An absolute-from-disk link: works on a server root, breaks from file:// and under a base path.
                edit_page(
                    v,
                    "index.html",
                    "</main>",
                    "<a href=\"../index.html\">up</a></main>",
                );
            },
            codes::LINK_BROKEN,
        ),
        (
            "site.navigation_everywhere",
            "assemble_site",
            "site_draft",
            |v, _| {
                // The first navigation entry dropped from the home page's <nav>.
                let text = v["index.html"].as_str().unwrap_or_default().to_string();
                let start = text.find("<li><a").unwrap_or(0);
                let end = text[start..].find("</li>").map_or(start, |e| start + e + 5);
                v["index.html"] = Value::String(format!("{}{}", &text[..start], &text[end..]));
            },
            codes::NAVIGATION_INCOMPLETE,
        ),
        (
            "site.navigation_everywhere",
            "assemble_site",
            "site_draft",
            |v, _| {
                edit_page(v, "index.html", "rel=\"stylesheet\"", "rel=\"alternate\"");
            },
            codes::STYLESHEET_UNLINKED,
        ),
        (
            "site.sitemap_complete",
            "publish_site",
            "site",
            |v, _| {
                let xml = v["sitemap.xml"].as_str().unwrap_or_default();
                let start = xml.find("  <url>").unwrap_or(0);
                let end = xml[start..]
                    .find("</url>\n")
                    .map_or(start, |e| start + e + 7);
                v["sitemap.xml"] = Value::String(format!("{}{}", &xml[..start], &xml[end..]));
            },
            codes::SITEMAP_INCOMPLETE,
        ),
        (
            "site.sitemap_complete",
            "publish_site",
            "site",
            |v, _| {
                edit_page(
                    v,
                    "sitemap.xml",
                    "</urlset>",
                    "<url><loc>https://elsewhere.example/x.html</loc></url></urlset>",
                );
            },
            codes::SITEMAP_INCOMPLETE,
        ),
        (
            "site.verdicts_cover_pages",
            "verify_pages",
            "verdicts",
            |v, _| {
                if let Some(rows) = v.as_array_mut() {
                    rows.pop();
                }
            },
            codes::VERDICT_MISSING,
        ),
        (
            "site.verdicts_pass",
            "verify_pages",
            "verdicts",
            |v, _| {
                v[2]["verdict"] = json!("fail");
            },
            codes::VERDICT_FAILED,
        ),
        (
            "site.site_whole",
            "publish_site",
            "site",
            |v, fx| {
                let p = page_of(fx, "product");
                let path = p["path"].as_str().unwrap_or_default().to_string();
                edit_page(v, &path, "<h1>", "<h1>Not ");
            },
            codes::TITLE_MISMATCH,
        ),
        (
            "site.site_whole",
            "publish_site",
            "site",
            |v, _| {
                let css = v
                    .as_object()
                    .and_then(|m| m.keys().find(|k| k.ends_with(".css")).cloned())
                    .unwrap_or_default();
                v[&css] = json!("body { color: black; }");
            },
            codes::THEME_MISSING,
        ),
    ];
    for (check, step_id, slot, plant, code) in cases {
        let step = steps
            .iter()
            .find(|s| s.id == step_id)
            .ok_or_else(|| anyhow::anyhow!("no step {step_id}"))?;
        let kind = step
            .outputs
            .iter()
            .find(|(s, _)| s == slot)
            .map(|(_, k)| k.clone())
            .unwrap_or_default();
        let mut value = fx[&format!("{step_id}.{slot}")].clone();
        plant(&mut value, fx);
        let a = artifact(step, slot, &kind, value, fx);
        let found = run(&[check.to_string()], &a);
        assert!(
            !found.is_empty(),
            "{check} missed its planted defect on {step_id}.{slot}"
        );
        assert!(
            found.iter().any(|d| d.code == code),
            "{check}: expected {code}, got {found:#?}"
        );
        // A planted defect of one kind does not set off unrelated codes (a moved link is also a broken one).
        assert!(
            found
                .iter()
                .all(|d| d.code == code || d.code == codes::LINK_BROKEN),
            "{check}: {found:#?}"
        );
    }
    Ok(())
}

#[test]
fn checks_report_unreadable_artifacts_and_pass_the_ones_they_do_not_concern() {
    let named = |name: &str, kind: &str, value: Value| Artifact {
        name: name.into(),
        kind: kind.into(),
        value,
        context: Context::default(),
    };
    let concerned = [
        named("page_manifest", "object.json", json!({"no": "pages"})),
        named("navigation", "object.json", json!(42)),
        named("verdicts", "table.csv", json!("not rows")),
        named("site", "web.bundle.static", json!("not a bundle")),
    ];
    let unrelated = named("summary", "object.json", json!({"pages": 3}));
    for (id, _) in PACK.checks {
        let reported = concerned
            .iter()
            .any(|a| !run(&[id.to_string()], a).is_empty());
        assert!(reported, "{id} passed every artifact it cannot read");
        assert_eq!(
            run(&[id.to_string()], &unrelated),
            vec![],
            "{id} judged an artifact it is not about"
        );
    }
}

#[test]
fn the_ladder_guard_finds_no_secret_or_personal_data_in_the_outputs() -> anyhow::Result<()> {
    // Stage 1 rejects outputs holding what looks like a phone, card or IBAN; SKUs, prices and paths must not.
    let guard = writ_ladder::Guard::new(&writ_ladder::GuardPolicy::default())?;
    for (reference, value) in fixture() {
        let found = guard.scan(value);
        assert!(found.is_empty(), "{reference}: {found:#?}");
    }
    Ok(())
}
