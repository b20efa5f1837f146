//! Cross-references inside the catalog: every id an entry names must exist. Programs are the exception:
//! templates may name reference programs not written yet ([`missing_programs`] lists them).

use crate::catalog::Catalog;
use crate::load::CatalogProblem;
use crate::model::Pack;
use std::collections::{BTreeMap, BTreeSet};
use writ_plan::{Binding, SchemaRef};

pub(crate) fn cross_references(c: &Catalog) -> Vec<CatalogProblem> {
    let mut p = Vec::new();
    let mut missing = |file: String, what: &str, id: &str| {
        p.push(CatalogProblem {
            code: "CAT010",
            file,
            message: format!("unknown {what} `{id}`"),
        });
    };
    for k in c.kinds.values() {
        for a in &k.acceptable_for {
            if c.artifact_kind(a).is_none() {
                missing("kinds/".into(), "artifact kind", a);
            }
        }
    }
    for a in c.adapters.values() {
        for end in [&a.from, &a.to] {
            if c.artifact_kind(end).is_none() {
                missing(format!("adapters/ ({})", a.id), "artifact kind", end);
            }
        }
    }
    for (dir, packs) in [("domains", &c.domains), ("workflows", &c.workflows)] {
        for pack in packs.values() {
            let file = format!("{dir}/{}.toml", pack.id);
            pack.skills
                .iter()
                .filter(|s| c.skill(s).is_none())
                .for_each(|s| missing(file.clone(), "skill", s));
            pack.tools
                .iter()
                .filter(|t| c.tool(t).is_none())
                .for_each(|t| missing(file.clone(), "tool", t));
            pack.schemas
                .iter()
                .filter(|s| c.schema(s).is_none())
                .for_each(|s| missing(file.clone(), "schema", s));
        }
    }
    for policy in c.policies.values() {
        let file = format!("policies/{}.toml", policy.id);
        policy
            .denied_tools
            .iter()
            .filter(|t| c.tool(t).is_none())
            .for_each(|t| missing(file.clone(), "tool", t));
    }
    for s in c.schemas.values() {
        if c.artifact_kind(&s.kind).is_none() {
            missing(
                format!("schemas/{}.schema.json", s.id),
                "artifact kind",
                &s.kind,
            );
        }
    }
    let mut same_model = Vec::new();
    for profile in c.profiles.values() {
        let file = format!("profiles/{}.toml", profile.id);
        if c.policy(&profile.profile.policy).is_none() {
            missing(file.clone(), "policy", &profile.profile.policy);
        }
        let phases = &profile.profile.phases;
        if phases.auditor.same_model_as(&phases.executor) {
            same_model.push(CatalogProblem::new(
                "CAT011",
                &file,
                "the auditor's provider and model equal the executor's",
            ));
        }
    }
    p.extend(same_model);
    for t in c.templates.values() {
        p.extend(template_references(c, &t.id));
    }
    p
}

fn template_references(c: &Catalog, id: &str) -> Vec<CatalogProblem> {
    let mut p = Vec::new();
    let Some(t) = c.template(id) else { return p };
    let file = format!("templates/{id}.json");
    let mut bad = |what: &str, id: &str| {
        p.push(CatalogProblem::new(
            "CAT010",
            &file,
            format!("unknown {what} `{id}`"),
        ));
    };
    let plan = &t.plan;
    let domain = c.domain_pack(&plan.domain);
    let workflow = c.workflow_pack(&plan.workflow);
    if domain.is_none() {
        bad("domain pack", &plan.domain);
    }
    if workflow.is_none() {
        bad("workflow pack", &plan.workflow);
    }
    if c.policy(&plan.policy).is_none() {
        bad("policy", &plan.policy);
    }
    let provided = |get: fn(&Pack) -> &Vec<String>, id: &str| {
        [domain, workflow]
            .into_iter()
            .flatten()
            .any(|pack| get(pack).iter().any(|x| x == id))
    };
    for input in &plan.inputs {
        if c.artifact_kind(&input.kind).is_none() {
            bad("artifact kind", &input.kind);
        }
    }
    let run_inputs: BTreeSet<&str> = plan.inputs.iter().map(|i| i.name.as_str()).collect();
    // Outputs of the steps seen so far: templates list steps in an order where producers come first.
    let mut outputs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut problems_after = Vec::new();
    for step in &plan.steps {
        for (slot, spec) in &step.inputs {
            match spec.binding() {
                Ok(Binding::Run { input }) if !run_inputs.contains(input.as_str()) => {
                    bad("run input", &input)
                }
                Ok(Binding::Step {
                    step: from,
                    slot: out,
                }) => {
                    if !outputs
                        .get(from.as_str())
                        .is_some_and(|s| s.contains(out.as_str()))
                    {
                        bad("earlier step output", &format!("{from}.{out}"));
                    }
                }
                Ok(_) => {}
                Err(e) => problems_after.push(CatalogProblem::new(
                    "CAT010",
                    &file,
                    format!("{}.{slot}: {e}", step.id),
                )),
            }
        }
        for out in &step.outputs {
            if c.artifact_kind(&out.kind).is_none() {
                bad("artifact kind", &out.kind);
            }
            if let Some(SchemaRef::Id(schema)) = &out.schema {
                match c.schema(schema) {
                    None => bad("schema", schema),
                    Some(s) if s.kind != out.kind => problems_after.push(CatalogProblem::new(
                        "CAT011",
                        &file,
                        format!(
                            "{}.{}: schema `{schema}` describes {}, not {}",
                            step.id, out.slot, s.kind, out.kind
                        ),
                    )),
                    Some(_) => {}
                }
            }
        }
        for skill in &step.skills {
            if c.skill(skill).is_none() {
                bad("skill", skill);
            } else if !provided(|pk| &pk.skills, skill) {
                problems_after.push(CatalogProblem::new(
                    "CAT011",
                    &file,
                    format!("{}: skill `{skill}` is provided by neither the domain nor the workflow pack", step.id),
                ));
            }
        }
        for tool in &step.tools {
            if c.tool(tool).is_none() {
                bad("tool", tool);
            } else if !provided(|pk| &pk.tools, tool) {
                problems_after.push(CatalogProblem::new(
                    "CAT011",
                    &file,
                    format!(
                        "{}: tool `{tool}` is provided by neither the domain nor the workflow pack",
                        step.id
                    ),
                ));
            }
        }
        for v in &step.validators {
            if c.validator(v).is_none() {
                bad("validator", v);
            }
        }
        for criterion in &step.rubric {
            if let Some(check) = &criterion.check {
                if c.rubric_check(check).is_none() {
                    bad("rubric check", check);
                }
            }
        }
        outputs.insert(
            step.id.as_str(),
            step.outputs.iter().map(|o| o.slot.as_str()).collect(),
        );
    }
    p.extend(problems_after);
    p
}

/// Program ids that templates name but the catalog does not (yet) hold, sorted.
pub fn missing_programs(c: &Catalog) -> Vec<String> {
    let mut out: Vec<String> = c
        .templates
        .values()
        .flat_map(|t| t.plan.steps.iter().filter_map(|s| s.program.clone()))
        .filter(|id| c.program(id).is_none())
        .collect();
    out.sort();
    out.dedup();
    out
}
