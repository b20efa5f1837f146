//! Pass 4: policy. Tools allowed by the policy profiles (the candidate's and the execution profile's),
//! budgets under every ceiling, approval gates where the policy requires them, an auditor that is not the
//! executor, fan-out only over tables, tool steps that name a tool.

use crate::bind::{Bound, Origin};
use crate::codes;
use crate::normalize::Normalized;
use crate::ptr;
use crate::resolve::Resolution;
use writ_catalog::PolicyProfile;
use writ_diag::Diagnostic;
use writ_plan::{Budgets, ExecutionProfile, StepKind};

pub fn check(
    n: &Normalized,
    r: &Resolution<'_>,
    bound: &Bound,
    catalog: &writ_catalog::Catalog,
    profile: &ExecutionProfile,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let c = &n.candidate;
    let mut policies: Vec<&PolicyProfile> = r.policy.into_iter().collect();
    if let Some(p) = r.profile_policy {
        if !policies.iter().any(|q| q.id == p.id) {
            policies.push(p);
        }
    }

    // Plan budgets under the profile's and every policy's ceiling.
    over_ceiling(
        &c.budgets,
        &profile.budgets,
        &format!("execution profile `{}`", profile.id),
        "/budgets",
        &mut diags,
    );
    for p in &policies {
        over_ceiling(
            &c.budgets,
            &p.max_budgets,
            &format!("policy `{}`", p.id),
            "/budgets",
            &mut diags,
        );
    }

    if policies.iter().any(|p| p.auditor_must_differ)
        && profile
            .phases
            .auditor
            .same_model_as(&profile.phases.executor)
    {
        let a = &profile.phases.auditor;
        diags.push(
            Diagnostic::error(
                codes::AUDITOR_IS_EXECUTOR,
                format!("execution profile `{}` has the auditor served by the executor's model (`{}` / `{}`)", profile.id, a.provider, a.model),
            )
            .at("/policy")
            .with_primary_label("this policy requires an independent auditor")
            .with_help("configure a different provider or model for the auditor phase of the execution profile"),
        );
    }

    for node in &bound.nodes {
        let Origin::Candidate(i) = node.origin else {
            continue;
        };
        let step = &node.step;
        let at = ptr::step(i);
        if let Some(res) = r.steps.get(i) {
            for (_, tool) in &res.tools {
                for p in &policies {
                    if !p.allows_tool(tool) {
                        let why = if p.denied_tools.iter().any(|t| t == &tool.id) {
                            "denies it by name".to_string()
                        } else {
                            format!("does not allow cost class `{}`", tool.cost_class.as_str())
                        };
                        diags.push(
                            Diagnostic::error(
                                codes::TOOL_NOT_ALLOWED,
                                format!(
                                    "tool `{}` is not allowed: policy `{}` {why}",
                                    tool.id, p.id
                                ),
                            )
                            .at(n.origin(i, "tools", &tool.id))
                            .with_primary_label("not allowed")
                            .with_help(
                                "remove the tool, or run the plan under a policy that allows it",
                            ),
                        );
                    }
                }
            }
        }
        over_ceiling(
            &step.budget,
            &c.budgets,
            "the plan's budgets",
            &format!("{at}/budget"),
            &mut diags,
        );
        over_ceiling(
            &step.budget,
            &profile.budgets,
            &format!("execution profile `{}`", profile.id),
            &format!("{at}/budget"),
            &mut diags,
        );
        for p in &policies {
            over_ceiling(
                &step.budget,
                &p.max_budgets,
                &format!("policy `{}`", p.id),
                &format!("{at}/budget"),
                &mut diags,
            );
        }

        if step.gate.is_none() {
            let publishes = step.outputs.iter().any(|o| o.publish);
            let deploys = step.outputs.iter().any(|o| o.kind == "deployment.receipt");
            for p in &policies {
                let reason = if deploys && p.gate_before_deploy {
                    Some("deploys")
                } else if publishes && p.gate_before_publish {
                    Some("publishes artifacts")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    diags.push(
                        Diagnostic::error(codes::GATE_MISSING, format!("step `{}` {reason} but has no approval gate, which policy `{}` requires", step.id, p.id))
                            .at(format!("{at}/id"))
                            .with_primary_label("no `gate`")
                            .with_help(format!(
                                "add `\"gate\": {{\"reason\": \"...\", \"scope\": \"{}\"}}` to the step",
                                if deploys { "deploy" } else { "publish" }
                            )),
                    );
                }
            }
        }

        if step.kind == StepKind::Tool && step.tools.is_empty() {
            diags.push(
                Diagnostic::error(
                    codes::TOOL_STEP_WITHOUT_TOOL,
                    format!("step `{}` is a tool step but names no tool", step.id),
                )
                .at(format!("{at}/kind"))
                .with_primary_label("`tool` step")
                .with_help("list the tool in `tools`, or make the step `code`"),
            );
        }

        if let Some(f) = &step.fan_out {
            let here = format!("{at}/fan_out/over");
            if !step.inputs.contains_key(&f.over) {
                let known: Vec<&str> = step.inputs.keys().map(String::as_str).collect();
                let mut d = Diagnostic::error(
                    codes::FAN_OUT_UNKNOWN_SLOT,
                    format!(
                        "step `{}` fans out over `{}`, which is not one of its inputs",
                        step.id, f.over
                    ),
                )
                .at(here)
                .with_primary_label("no such input");
                if let Some(help) = crate::suggest::help(&f.over, known.iter().copied()) {
                    d = d.with_help(help);
                }
                diags.push(d);
            } else if let Some(input) = node.inputs.iter().find(|b| b.slot == f.over) {
                let kind = input.received_kind();
                let items_at = format!("{at}/fan_out/items");
                match (writ_artifact::items_of(kind), &f.items) {
                    (writ_artifact::Items::None, _) => diags.push(
                        Diagnostic::error(
                            codes::FAN_OUT_NOT_A_TABLE,
                            format!(
                                "step `{}` fans out over `{}`, a `{kind}`, which has no items",
                                step.id, f.over
                            ),
                        )
                        .at(here)
                        .with_primary_label(format!("`{kind}` has no items"))
                        .with_label(ptr::input(i, &f.over), "bound here")
                        .with_help(
                            "fan out over a table (its rows), a batch of files (`file.batch`), or a JSON array (`items`)",
                        ),
                    ),
                    (writ_artifact::Items::JsonArray { pointer_required: true }, None) => diags.push(
                        Diagnostic::error(
                            codes::FAN_OUT_ITEMS,
                            format!(
                                "step `{}` fans out over `{}`, a `{kind}`, without naming the array of its items",
                                step.id, f.over
                            ),
                        )
                        .at(format!("{at}/fan_out"))
                        .with_primary_label("no `items`")
                        .with_help("add `\"items\": \"/<array>\"`, the JSON pointer of the array whose elements are the items"),
                    ),
                    (writ_artifact::Items::Rows { .. } | writ_artifact::Items::Files, Some(_)) => diags.push(
                        Diagnostic::error(
                            codes::FAN_OUT_ITEMS,
                            format!(
                                "step `{}` names `items` for `{}`, a `{kind}`, whose items are its own rows or files",
                                step.id, f.over
                            ),
                        )
                        .at(items_at)
                        .with_primary_label("not for this kind")
                        .with_help("remove `items`: it only names the array of a JSON input"),
                    ),
                    (_, Some(p)) if !(p.is_empty() || p.starts_with('/')) => diags.push(
                        Diagnostic::error(
                            codes::FAN_OUT_ITEMS,
                            format!("`items` of step `{}` is not a JSON pointer: `{p}`", step.id),
                        )
                        .at(items_at)
                        .with_primary_label("not a JSON pointer")
                        .with_help("a JSON pointer starts with `/`, e.g. `/pages`"),
                    ),
                    _ => {}
                }
            }
        }
        if step.fan_out.is_some() {
            shared_inputs(bound, node, &at, catalog, &mut diags);
        }
    }
    diags
}

fn over_ceiling(
    b: &Budgets,
    ceiling: &Budgets,
    whose: &str,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut report = |field: &str, value: String, cap: String| {
        diags.push(
            Diagnostic::error(
                codes::BUDGET_OVER_CEILING,
                format!("budget `{field}` = {value} is over the ceiling of {cap} set by {whose}"),
            )
            .at(format!("{pointer}/{field}"))
            .with_primary_label(format!("over {cap}"))
            .with_help(format!("lower it to at most {cap}")),
        );
    };
    let ints = [
        ("tokens", b.tokens, ceiling.tokens),
        ("tool_calls", b.tool_calls, ceiling.tool_calls),
        ("wall_seconds", b.wall_seconds, ceiling.wall_seconds),
    ];
    for (field, value, cap) in ints {
        if let (Some(v), Some(c)) = (value, cap) {
            if v > c {
                report(field, v.to_string(), c.to_string());
            }
        }
    }
    if let (Some(v), Some(c)) = (b.cost_usd, ceiling.cost_usd) {
        if v > c {
            report("cost_usd", v.to_string(), c.to_string());
        }
    }
}

/// E0046: a step that fans out and produces a kind with `fan_out_requires` binds each required kind from a
/// producer that does not fan out (a run input, or a step without fan-out), so that every item receives the
/// same shared context: page 500 gets the navigation and the theme page 1 got.
fn shared_inputs(
    bound: &Bound,
    node: &crate::bind::Node,
    at: &str,
    catalog: &writ_catalog::Catalog,
    diags: &mut Vec<Diagnostic>,
) {
    let step = &node.step;
    for output in &step.outputs {
        let Some(kind) = catalog.artifact_kind(&output.kind) else {
            continue;
        };
        for needed in &kind.fan_out_requires {
            let shared = node.inputs.iter().find(|b| {
                b.received_kind() == needed
                    && match &b.producer {
                        crate::bind::Producer::Run(_) => true,
                        crate::bind::Producer::Step { node: p, .. } => bound
                            .nodes
                            .get(*p)
                            .is_some_and(|n| n.step.fan_out.is_none()),
                    }
            });
            if shared.is_some() {
                continue;
            }
            let per_shard = node.inputs.iter().find(|b| b.received_kind() == needed);
            let message = match per_shard {
                Some(b) => format!(
                    "step `{}` fans out and produces `{}`, but its `{needed}` input `{}` is produced per shard: every item needs the same one",
                    step.id, output.kind, b.slot
                ),
                None => format!(
                    "step `{}` fans out and produces `{}` without binding a `{needed}`: every item needs the same shared `{needed}`",
                    step.id, output.kind
                ),
            };
            diags.push(
                Diagnostic::error(codes::FAN_OUT_SHARED_INPUT, message)
                    .at(format!("{at}/inputs"))
                    .with_primary_label(format!("no shared `{needed}`"))
                    .with_help(format!(
                        "bind an input of kind `{needed}` produced by a step that does not fan out, e.g. `\"navigation\": \"<step>.<slot>\"`"
                    )),
            );
        }
    }
}
