//! Pass 2: resolve every reference (packs, policy, template, kinds, schemas, skills, tools, programs,
//! validators, rubric checks) against the catalog. Unknown names are errors with "did you mean" help.

use crate::codes;
use crate::normalize::Normalized;
use crate::ptr;
use crate::suggest;
use writ_canon::{hash_of, ContentHash};
use writ_catalog::{Catalog, EntryKind, PolicyProfile, Tool};
use writ_diag::{Code, Diagnostic};
use writ_plan::{ExecutionProfile, ResolvedProgram, ResolvedSkill, ResolvedTool, SchemaRef};

/// What the references of the plan resolved to; unresolved ones are absent (and reported).
#[derive(Debug)]
pub struct Resolution<'c> {
    /// The candidate's policy profile.
    pub policy: Option<&'c PolicyProfile>,
    /// The execution profile's policy profile.
    pub profile_policy: Option<&'c PolicyProfile>,
    pub steps: Vec<StepResolution<'c>>,
}

#[derive(Debug, Default)]
pub struct StepResolution<'c> {
    pub skills: Vec<ResolvedSkill>,
    pub tools: Vec<(ResolvedTool, &'c Tool)>,
    pub program: Option<ResolvedProgram>,
    /// Per output: catalog schema id and the schema's hash.
    pub schemas: Vec<(Option<String>, Option<ContentHash>)>,
}

fn unknown(code: Code, what: &str, id: &str, pointer: String, known: Vec<&str>) -> Diagnostic {
    let mut d = Diagnostic::error(code, format!("unknown {what} `{id}`"))
        .at(pointer)
        .with_primary_label(format!("not a {what} of the catalog"));
    if let Some(help) = suggest::help(id, known.iter().copied()) {
        d = d.with_help(help);
    }
    d
}

/// An imported MCP tool named by a step, `mcp.s.t` or pinned at its schema hash `mcp.s.t@b3:…`: unknown, or
/// pinned at a version the server no longer has, is E0047 naming the change.
fn mcp_tool<'c>(
    imported: &'c [Tool],
    reference: &str,
    pointer: String,
) -> Result<(ResolvedTool, &'c Tool), Box<Diagnostic>> {
    let (id, pin) = writ_catalog::split_pin(reference);
    let Some(tool) = imported.iter().find(|t| t.id == id) else {
        let known: Vec<&str> = imported.iter().map(|t| t.id.as_str()).collect();
        let mut d = Diagnostic::error(
            codes::MCP_TOOL_UNAVAILABLE,
            format!("unknown MCP tool `{id}`: no MCP server of the tenant lists it"),
        )
        .at(pointer)
        .with_primary_label("not imported from an MCP server");
        d = match suggest::help(id, known.iter().copied()) {
            Some(help) => d.with_help(help),
            None => d.with_help(
                "register the server with `writ catalog mcp add`, or import its current tools with `writ catalog mcp refresh`",
            ),
        };
        return Err(Box::new(d));
    };
    if let Some(pin) = pin.filter(|p| *p != tool.hash.to_string()) {
        return Err(Box::new(
            Diagnostic::error(
                codes::MCP_TOOL_UNAVAILABLE,
                format!(
                    "MCP tool `{id}` changed: the plan pins its schemas at {pin}, the server now lists {}",
                    tool.hash
                ),
            )
            .at(pointer)
            .with_primary_label("pinned at an older version")
            .with_help("check the step against the tool's new schemas (`writ catalog mcp list`), then pin the new hash"),
        ));
    }
    Ok((
        ResolvedTool {
            id: id.to_string(),
            cost_class: tool.cost_class.as_str().to_string(),
            hash: tool.hash,
        },
        tool,
    ))
}

fn ids(catalog: &Catalog, kind: EntryKind) -> Vec<&str> {
    catalog.list(Some(kind)).iter().map(|e| e.id()).collect()
}

/// Whether `kind` names a catalog kind, or a family `<family>.*` with at least one kind in it.
pub fn kind_known(catalog: &Catalog, kind: &str) -> bool {
    match kind.strip_suffix(".*") {
        Some(family) => {
            let prefix = format!("{family}.");
            catalog
                .list(Some(EntryKind::ArtifactKind))
                .iter()
                .any(|e| e.id().starts_with(&prefix))
        }
        None => catalog.artifact_kind(kind).is_some(),
    }
}

pub fn resolve<'c>(
    n: &Normalized,
    catalog: &'c Catalog,
    profile: &ExecutionProfile,
) -> (Resolution<'c>, Vec<Diagnostic>) {
    resolve_with(n, catalog, &[], profile)
}

/// [`resolve`], with the tools the tenant imported from its MCP servers (`mcp.<server>.<tool>`) beside the
/// catalog's.
pub fn resolve_with<'c>(
    n: &Normalized,
    catalog: &'c Catalog,
    imported: &'c [Tool],
    profile: &ExecutionProfile,
) -> (Resolution<'c>, Vec<Diagnostic>) {
    let c = &n.candidate;
    let mut diags = Vec::new();
    if catalog.domain_pack(&c.domain).is_none() {
        diags.push(unknown(
            codes::UNKNOWN_DOMAIN,
            "domain pack",
            &c.domain,
            "/domain".into(),
            ids(catalog, EntryKind::DomainPack),
        ));
    }
    if catalog.workflow_pack(&c.workflow).is_none() {
        diags.push(unknown(
            codes::UNKNOWN_WORKFLOW,
            "workflow pack",
            &c.workflow,
            "/workflow".into(),
            ids(catalog, EntryKind::WorkflowPack),
        ));
    }
    let policy = catalog.policy(&c.policy);
    if policy.is_none() {
        diags.push(unknown(
            codes::UNKNOWN_POLICY,
            "policy profile",
            &c.policy,
            "/policy".into(),
            ids(catalog, EntryKind::Policy),
        ));
    }
    let profile_policy = catalog.policy(&profile.policy);
    if profile_policy.is_none() {
        let mut d = Diagnostic::error(
            codes::PROFILE_POLICY_UNKNOWN,
            format!("execution profile `{}` names policy `{}`, which the catalog does not have", profile.id, profile.policy),
        )
        .with_note("the execution profile is frozen into the plan; its policy must resolve like the candidate's");
        if let Some(help) = suggest::help(&profile.policy, ids(catalog, EntryKind::Policy)) {
            d = d.with_help(help);
        }
        diags.push(d);
    }
    if let Some(t) = &c.template {
        if catalog.template(t).is_none() {
            diags.push(unknown(
                codes::UNKNOWN_TEMPLATE,
                "plan template",
                t,
                "/template".into(),
                ids(catalog, EntryKind::Template),
            ));
        }
    }
    let kinds = ids(catalog, EntryKind::ArtifactKind);
    let check_kind = |kind: &str, pointer: String, diags: &mut Vec<Diagnostic>| {
        if !kind_known(catalog, kind) {
            diags.push(unknown(
                codes::UNKNOWN_KIND,
                "artifact kind",
                kind,
                pointer,
                kinds.clone(),
            ));
        }
    };
    for (i, input) in c.inputs.iter().enumerate() {
        check_kind(&input.kind, format!("/inputs/{i}/kind"), &mut diags);
    }
    let mut steps = Vec::with_capacity(c.steps.len());
    for (i, step) in c.steps.iter().enumerate() {
        let mut r = StepResolution::default();
        for (slot, spec) in &step.inputs {
            if let Some(kind) = spec.expected_kind() {
                check_kind(kind, format!("{}/kind", ptr::input(i, slot)), &mut diags);
            }
        }
        for (k, out) in step.outputs.iter().enumerate() {
            let here = ptr::output(i, k);
            if out.kind.ends_with(".*") {
                diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_KIND,
                        format!(
                            "an output must name one artifact kind, not the family `{}`",
                            out.kind
                        ),
                    )
                    .at(format!("{here}/kind"))
                    .with_primary_label("a family")
                    .with_help(
                        "families (`table.*`) are for inputs that accept any kind of the family",
                    ),
                );
            } else {
                check_kind(&out.kind, format!("{here}/kind"), &mut diags);
            }
            r.schemas.push(resolve_schema(
                catalog,
                out.schema.as_ref(),
                &out.kind,
                &here,
                &mut diags,
            ));
        }
        for id in &step.skills {
            match catalog.skill(id) {
                Some(s) => r.skills.push(ResolvedSkill {
                    id: id.clone(),
                    version: s.descriptor.version.clone(),
                    hash: s.hash,
                }),
                None => diags.push(unknown(
                    codes::UNKNOWN_SKILL,
                    "skill",
                    id,
                    n.origin(i, "skills", id),
                    ids(catalog, EntryKind::Skill),
                )),
            }
        }
        for id in &step.tools {
            if writ_catalog::is_mcp_tool(id) {
                match mcp_tool(imported, id, n.origin(i, "tools", id)) {
                    Ok(t) => r.tools.push(t),
                    Err(d) => diags.push(*d),
                }
                continue;
            }
            match catalog.tool(id) {
                Some(t) => r.tools.push((
                    ResolvedTool {
                        id: id.clone(),
                        cost_class: t.cost_class.as_str().to_string(),
                        hash: t.hash,
                    },
                    t,
                )),
                None => diags.push(unknown(
                    codes::UNKNOWN_TOOL,
                    "tool",
                    id,
                    n.origin(i, "tools", id),
                    ids(catalog, EntryKind::Tool),
                )),
            }
        }
        if let Some(p) = &step.program {
            match catalog.program(p) {
                Some(prog) => {
                    r.program = Some(ResolvedProgram {
                        id: p.clone(),
                        hash: prog.hash,
                    })
                }
                None => diags.push(unknown(
                    codes::UNKNOWN_PROGRAM,
                    "program",
                    p,
                    format!("{}/program", ptr::step(i)),
                    ids(catalog, EntryKind::Program),
                )),
            }
        }
        for id in &step.validators {
            if catalog.validator(id).is_none() {
                diags.push(unknown(
                    codes::UNKNOWN_VALIDATOR,
                    "validator",
                    id,
                    n.origin(i, "validators", id),
                    validator_ids(catalog),
                ));
            }
        }
        for (k, rubric) in step.rubric.iter().enumerate() {
            if let Some(check) = &rubric.check {
                if catalog.rubric_check(check).is_none() {
                    diags.push(unknown(
                        codes::UNKNOWN_RUBRIC_CHECK,
                        "rubric check",
                        check,
                        format!("{}/rubric/{k}/check", ptr::step(i)),
                        rubric_ids(catalog),
                    ));
                }
            }
        }
        steps.push(r);
    }
    (
        Resolution {
            policy,
            profile_policy,
            steps,
        },
        diags,
    )
}

fn packs(catalog: &Catalog) -> impl Iterator<Item = &writ_catalog::Pack> {
    catalog
        .list(Some(EntryKind::DomainPack))
        .into_iter()
        .chain(catalog.list(Some(EntryKind::WorkflowPack)))
        .filter_map(|e| match e {
            writ_catalog::Entry::DomainPack(p) | writ_catalog::Entry::WorkflowPack(p) => Some(p),
            _ => None,
        })
}

fn validator_ids(catalog: &Catalog) -> Vec<&str> {
    packs(catalog)
        .flat_map(|p| p.validators.iter().map(|v| v.id.as_str()))
        .collect()
}

fn rubric_ids(catalog: &Catalog) -> Vec<&str> {
    packs(catalog)
        .flat_map(|p| p.rubric_checks.iter().map(|v| v.id.as_str()))
        .collect()
}

fn resolve_schema(
    catalog: &Catalog,
    schema: Option<&SchemaRef>,
    kind: &str,
    output_pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<ContentHash>) {
    match schema {
        None => (None, None),
        Some(SchemaRef::Id(id)) => match catalog.schema(id) {
            Some(entry) => {
                if entry.kind != kind {
                    diags.push(
                        Diagnostic::error(
                            codes::SCHEMA_KIND_MISMATCH,
                            format!("schema `{id}` describes `{}` artifacts, but this output is `{kind}`", entry.kind),
                        )
                        .at(format!("{output_pointer}/schema"))
                        .with_primary_label(format!("a schema for `{}`", entry.kind))
                        .with_label(format!("{output_pointer}/kind"), "the output's kind")
                        .with_help(format!("declare the output as `{}` or pick a schema for `{kind}`", entry.kind)),
                    );
                }
                (Some(id.clone()), Some(entry.hash))
            }
            None => {
                let known = ids(catalog, EntryKind::Schema);
                diags.push(unknown(
                    codes::UNKNOWN_SCHEMA,
                    "schema",
                    id,
                    format!("{output_pointer}/schema"),
                    known,
                ));
                (None, None)
            }
        },
        // An inline schema is frozen by its hash; its content is checked by the ladder at run time.
        Some(SchemaRef::Inline(map)) => (None, hash_of(map).ok()),
    }
}
