use writ_catalog::*;

#[test]
fn every_embedded_file_parses_and_every_reference_resolves() {
    let c = Catalog::builtin();
    let problems = c.problems();
    assert!(
        problems.is_empty(),
        "catalog problems:\n{}",
        problems
            .iter()
            .map(|p| p.to_string() + "\n")
            .collect::<String>()
    );
    // Every embedded file became an entry (or part of one): none was silently skipped.
    assert!(Catalog::embedded_files().len() >= 24);
}

#[test]
fn the_catalog_has_exactly_the_published_inventory() {
    let c = Catalog::builtin();
    let ids = |k: EntryKind| {
        c.list(Some(k))
            .iter()
            .map(|e| e.id().to_string())
            .collect::<Vec<_>>()
    };
    let mut kinds = vec![
        "file.binary",
        "file.text",
        "file.archive.zip",
        "file.batch",
        "file.batch_manifest",
        "object.json",
        "object.yaml",
        "table.csv",
        "table.tsv",
        "table.json_rows",
        "table.parquet",
        "dataset.joined_rows",
        "dataset.aggregated_rows",
        "report.markdown",
        "report.html",
        "report.pdf",
        "web.page.html",
        "web.bundle.static",
        "web.asset_manifest",
        "web.navigation",
        "deployment.receipt",
        "code.patch.unified_diff",
        "code.bundle.project",
        "validation.results",
        "evidence.json_rows",
        "citations.list",
    ];
    kinds.sort();
    assert_eq!(ids(EntryKind::ArtifactKind), kinds);
    let mut domains = vec![
        "research-synthesis",
        "investigation-core",
        "resume-screening",
        "billing-audit",
        "finance-analysis",
        "contract-review",
        "site-build",
        "code-modification",
        "data-merge-transform",
        "sales-crm",
        "psa-capacity",
        "security-audit",
    ];
    domains.sort();
    assert_eq!(ids(EntryKind::DomainPack), domains);
    let mut workflows = vec![
        "file-acquisition",
        "file-batch-load",
        "ingest-materialize",
        "normalize-transform",
        "reconcile-compare",
        "analyze-score-rank",
        "research-fetch-summarize",
        "render-report",
        "render-website",
        "code-modification",
        "deploy-publish",
        "investigation-parallel",
    ];
    workflows.sort();
    assert_eq!(ids(EntryKind::WorkflowPack), workflows);
    assert_eq!(
        ids(EntryKind::Policy),
        vec![
            "generic",
            "human-review",
            "provenance",
            "strict",
            "strict-normalize"
        ]
    );
    assert_eq!(
        ids(EntryKind::Profile),
        vec!["anthropic", "builtin", "model-audited", "openai-compatible"]
    );
    assert_eq!(
        ids(EntryKind::Template),
        vec![
            "billing-audit",
            "contract-review",
            "resume-screening",
            "site-build"
        ]
    );
    for tool in ["billing.review_flags", "evaluator.judge"] {
        assert!(c.tool(tool).is_some(), "{tool}");
    }
}

#[test]
fn binding_ranks() {
    let c = Catalog::builtin();
    let adapter = |id: &str| BindRank::Adapter(id.to_string());
    let cases = [
        ("table.csv", "table.csv", BindRank::Exact),
        (
            "dataset.joined_rows",
            "table.json_rows",
            BindRank::Acceptable,
        ),
        (
            "dataset.aggregated_rows",
            "table.json_rows",
            BindRank::Acceptable,
        ),
        (
            "table.csv",
            "table.json_rows",
            adapter("adapter.csv_to_json_rows"),
        ),
        ("table.tsv", "table.csv", adapter("adapter.tsv_to_csv")),
        ("object.yaml", "object.json", BindRank::Incompatible),
        ("report.markdown", "report.html", BindRank::Incompatible),
        // Acceptable, then one adapter: joined rows are JSON rows, which convert to CSV.
        (
            "dataset.joined_rows",
            "table.csv",
            adapter("adapter.json_rows_to_csv"),
        ),
        ("table.csv", "file.text", BindRank::Generic),
        ("table.parquet", "file.text", BindRank::Incompatible),
        ("table.parquet", "file.binary", BindRank::Generic),
        ("dataset.aggregated_rows", "table.*", BindRank::Generic),
        ("report.pdf", "table.*", BindRank::Incompatible),
        ("table.csv", "report.pdf", BindRank::Incompatible),
        ("table.tsv", "table.json_rows", BindRank::Incompatible),
        ("no.such.kind", "table.csv", BindRank::Incompatible),
        ("table.csv", "no.such.kind", BindRank::Incompatible),
    ];
    for (producer, consumer, expected) in cases {
        assert_eq!(
            c.bind_rank(producer, consumer),
            expected,
            "{producer} -> {consumer}"
        );
    }
}

#[test]
fn ranks_are_ordered_best_first() {
    assert!(BindRank::Exact < BindRank::Acceptable);
    assert!(BindRank::Acceptable < BindRank::Adapter(String::new()));
    assert!(BindRank::Adapter("z".into()) < BindRank::Generic);
    assert!(BindRank::Generic < BindRank::Incompatible);
}

#[test]
fn the_billing_template_is_exactly_the_contract_others_build_against() {
    let t = Catalog::builtin()
        .template("billing-audit")
        .expect("billing-audit template");
    let plan = &t.plan;
    assert_eq!(
        (
            plan.domain.as_str(),
            plan.workflow.as_str(),
            plan.policy.as_str()
        ),
        ("billing-audit", "reconcile-compare", "provenance")
    );
    let inputs: Vec<(&str, &str)> = plan
        .inputs
        .iter()
        .map(|i| (i.name.as_str(), i.kind.as_str()))
        .collect();
    assert_eq!(
        inputs,
        vec![
            ("engagement_letter", "file.text"),
            ("time_entries", "table.csv"),
            ("timekeepers", "table.csv"),
            ("matters", "table.csv"),
            ("staffing", "table.csv"),
        ]
    );
    let shape: Vec<String> = plan
        .steps
        .iter()
        .map(|s| {
            let ins: Vec<String> = s
                .inputs
                .iter()
                .map(|(k, v)| format!("{k}={}", v.from_text()))
                .collect();
            let outs: Vec<String> = s
                .outputs
                .iter()
                .map(|o| {
                    format!(
                        "{}:{}{}",
                        o.slot,
                        o.kind,
                        o.name
                            .as_ref()
                            .map(|n| format!("->{n}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            format!(
                "{} [{}] => [{}] program={}",
                s.id,
                ins.join(", "),
                outs.join(", "),
                s.program.as_deref().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!("billing_template_shape", shape.join("\n"));
    let flags = &plan.steps[6];
    assert_eq!(flags.tools, vec!["evaluator.judge"]);
    assert_eq!(
        flags
            .fan_out
            .as_ref()
            .map(|f| (f.over.as_str(), f.shard_size)),
        // 200 items per shard: the 753 entries make four shards, which run side by side within the six
        // connections a Worker invocation may hold open (eight ran in two waves).
        Some(("entries", 200))
    );
    let report = &plan.steps[8];
    let gate = report.gate.as_ref().expect("report gate");
    assert_eq!(gate.reason, "partner review before the report is published");
    assert_eq!(gate.scope, writ_plan::GateScope::Approve);
    assert!(plan.steps.iter().all(|s| !s.rubric.is_empty()
        && !s.validators.is_empty()
        && s.rubric.iter().all(|r| r.check.is_some())));
}

#[test]
fn published_artifacts_match_the_workload_readme() {
    let c = Catalog::builtin();
    let published = |t: &str| {
        let mut names: Vec<String> = c
            .template(t)
            .unwrap()
            .plan
            .steps
            .iter()
            .flat_map(|s| {
                s.outputs
                    .iter()
                    .filter(|o| o.publish)
                    .filter_map(|o| o.name.clone())
            })
            .collect();
        names.sort();
        names
    };
    // Every artifact the workload README names is published under that name (a pack may publish more: an
    // exceptions table, proof cards).
    let readme: [(&str, &[&str]); 4] = [
        (
            "billing-audit",
            &[
                "findings.csv",
                "matter_months.csv",
                "report.md",
                "summary.json",
            ],
        ),
        ("contract-review", &["deviations.csv", "report.md"]),
        (
            "resume-screening",
            &["candidates.csv", "ranking.csv", "report.md"],
        ),
        ("site-build", &["site/"]),
    ];
    for (template, names) in readme {
        let got = published(template);
        for name in names {
            assert!(
                got.iter().any(|g| g == name),
                "{template} publishes {got:?}, not {name}"
            );
        }
    }
    let cols = |s: &str| c.schema(s).unwrap().columns().unwrap().join(",");
    assert_eq!(
        cols("billing.findings"),
        "entry_id,findings,flags,billed_amount,payable_amount,delta"
    );
    assert_eq!(
        cols("billing.matter_months"),
        "matter_id,month,payable_before_cap,cap,overage"
    );
    assert_eq!(
        cols("contract.deviations"),
        "contract_id,clause,deviation,line_start,line_end,excerpt"
    );
    assert_eq!(cols("resume.candidates"), "candidate_id,backend_years,rust_or_go,postgresql,authorized,kubernetes,distributed_systems,open_source,cs_degree,led_team,eligible,score");
    assert_eq!(cols("resume.ranking"), "rank,candidate_id,score");
}

#[test]
fn published_schemas_match_the_reference_data_headers() -> anyhow::Result<()> {
    // The inputs' headers are the ground truth for the intermediate `billing.entries` required columns.
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/billing-audit/time_entries.csv"
    ))?;
    let header: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
    let schema = Catalog::builtin().schema("billing.entries").unwrap();
    for field in schema.schema["required"].as_array().unwrap() {
        assert!(
            header.contains(&field.as_str().unwrap()),
            "{field} not in time_entries.csv"
        );
    }
    Ok(())
}

#[test]
fn policies_decide_tools() {
    let c = Catalog::builtin();
    assert_eq!(c.tool_allowed("strict", "evaluator.judge"), Some(false));
    assert_eq!(c.tool_allowed("generic", "evaluator.judge"), Some(true));
    assert_eq!(
        c.tool_allowed("provenance", "billing.review_flags"),
        Some(true)
    );
    assert_eq!(c.tool_allowed("nope", "web.fetch"), None);
    assert!(c.policy("human-review").unwrap().gate_before_publish);
    assert!(!c.policy("strict").unwrap().ladder_may_correct);
    assert!(c.policy("strict-normalize").unwrap().ladder_may_correct);
}

#[test]
fn skills_are_hashed_by_their_source() {
    let c = Catalog::builtin();
    let skill = c.skill("money.round_half_up").unwrap();
    assert_eq!(
        skill.hash,
        writ_canon::ContentHash::of_bytes(skill.source.as_bytes())
    );
    assert!(skill.source.contains("def round_half_up("));
    assert_eq!(skill.descriptor.entry, "round_half_up");
}

#[test]
fn non_builtin_profiles_audit_with_another_model() {
    let c = Catalog::builtin();
    for id in ["anthropic", "openai-compatible"] {
        let p = &c.profile(id).unwrap().profile;
        assert_ne!(
            (&p.phases.auditor.provider, &p.phases.auditor.model),
            (&p.phases.executor.provider, &p.phases.executor.model)
        );
        assert!(
            p.prices.contains_key(&p.phases.executor.model),
            "{id} prices its executor"
        );
    }
    assert!(
        c.profile(DEFAULT_PROFILE)
            .unwrap()
            .profile
            .phases
            .executor
            .provider
            == "builtin"
    );
}

#[test]
fn broken_catalog_files_are_problems_not_panics() {
    let files: &[(&str, &str)] = &[
        ("kinds/k.toml", "[[kind]]\nid = \"a.b\"\n"),
        (
            "domains/x.toml",
            "id = \"y\"\ntitle = \"t\"\ndescription = \"d\"\nkeywords = []\nskills = [\"nope\"]\n",
        ),
        ("skills/s.py", "def s(): pass\n"),
        ("templates/t.json", "{\"objective\": 1}"),
        ("elsewhere/z.json", "{}"),
        ("schemas/q.schema.json", "{\"$id\": \"q\"}"),
    ];
    let c = Catalog::from_files(files);
    let codes: Vec<(&str, String)> = c
        .problems()
        .iter()
        .map(|p| (p.code, p.file.clone()))
        .collect();
    insta::assert_debug_snapshot!("broken_catalog", codes);
}
