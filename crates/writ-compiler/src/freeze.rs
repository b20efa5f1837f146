//! Pass 5: freeze. Deterministic step ids `ps-<n>-<slug>` in the bound topological order, one contract per
//! step, the artifact manifest, the dependency map and every hash, through writ-plan's `FrozenPlan::seal`.
//!
//! A contract names its producers by artifact ref (`ps-<n>-<slug>:output:<k>:<slot>`), never by their
//! hashes: editing one step's contract changes that step's hash and the plan hash, and no other step's.

use crate::bind::{Bound, Origin, Producer};
use crate::codes;
use crate::normalize::Normalized;
use crate::resolve::{Resolution, StepResolution};
use std::collections::BTreeMap;
use writ_canon::ContentHash;
use writ_diag::Diagnostic;
use writ_plan::{
    artifact_ref, frozen_step_id, run_input_ref, ArtifactEntry, ContractInput, ContractOutput,
    ExecutionProfile, FrozenPlan, FrozenStep, Limits, PlanParts, RefDirection, StepContract,
};

pub fn freeze(
    n: &Normalized,
    r: &Resolution<'_>,
    bound: &Bound,
    profile: &ExecutionProfile,
) -> (Option<FrozenPlan>, Vec<Diagnostic>) {
    let c = &n.candidate;
    let mut ids: Vec<String> = vec![String::new(); bound.nodes.len()];
    let mut position: Vec<usize> = vec![0; bound.nodes.len()];
    for (p, &node) in bound.order.iter().enumerate() {
        if let (Some(slot), Some(pos), Some(n)) = (
            ids.get_mut(node),
            position.get_mut(node),
            bound.nodes.get(node),
        ) {
            *slot = frozen_step_id(p + 1, &n.step.id);
            *pos = p;
        }
    }
    let id_of = |node: usize| ids.get(node).cloned().unwrap_or_default();
    let empty = StepResolution::default();

    let mut steps = Vec::with_capacity(bound.order.len());
    let mut artifacts = BTreeMap::new();
    for (p, &node_index) in bound.order.iter().enumerate() {
        let Some(node) = bound.nodes.get(node_index) else {
            continue;
        };
        let step = &node.step;
        let own_id = id_of(node_index);
        let (res, adapter_program) = match &node.origin {
            Origin::Candidate(i) => (r.steps.get(*i).unwrap_or(&empty), None),
            Origin::Adapter { program, .. } => (&empty, program.clone()),
        };
        let inputs = node
            .inputs
            .iter()
            .map(|b| ContractInput {
                slot: b.slot.clone(),
                binding: b.binding.clone(),
                producer_ref: match &b.producer {
                    Producer::Run(name) => run_input_ref(name),
                    Producer::Step { node, output } => {
                        let slot = bound
                            .nodes
                            .get(*node)
                            .and_then(|n| n.step.outputs.get(*output))
                            .map(|o| o.slot.as_str())
                            .unwrap_or("");
                        artifact_ref(&id_of(*node), RefDirection::Output, *output, slot)
                    }
                },
                kind: b.kind.clone(),
                expects: b.expects.clone(),
                rank: b.rank.clone(),
                required: b.required,
            })
            .collect();
        let outputs = step
            .outputs
            .iter()
            .enumerate()
            .map(|(k, o)| {
                let (schema_id, schema_hash) = res.schemas.get(k).cloned().unwrap_or((None, None));
                let out_ref = artifact_ref(&own_id, RefDirection::Output, k, &o.slot);
                if let (true, Some(name)) = (o.publish, &o.name) {
                    artifacts.insert(
                        name.clone(),
                        ArtifactEntry {
                            step: own_id.clone(),
                            slot: o.slot.clone(),
                            kind: o.kind.clone(),
                            artifact_ref: out_ref.clone(),
                        },
                    );
                }
                ContractOutput {
                    slot: o.slot.clone(),
                    artifact_ref: out_ref,
                    kind: o.kind.clone(),
                    schema_id,
                    schema_hash,
                    required: o.required,
                    publish: o.publish,
                    name: o.name.clone(),
                }
            })
            .collect();
        let mut deps: Vec<usize> = node
            .inputs
            .iter()
            .filter_map(|b| match b.producer {
                Producer::Step { node, .. } => Some(node),
                Producer::Run(_) => None,
            })
            .collect();
        deps.sort_by_key(|&d| position.get(d).copied().unwrap_or(usize::MAX));
        deps.dedup();
        let contract = StepContract {
            slug: step.id.clone(),
            intent: step.intent.clone(),
            kind: step.kind,
            inputs,
            outputs,
            skills: res.skills.clone(),
            tools: res.tools.iter().map(|(t, _)| t.clone()).collect(),
            program: res.program.clone().or(adapter_program),
            // The hash of the source's bytes, as for catalog programs and code a model writes: what the sandbox
            // measures and a sealed program checks.
            code_hash: step
                .code
                .as_ref()
                .map(|code| ContentHash::of_bytes(code.as_bytes())),
            rubric: step.rubric.clone(),
            validators: step.validators.clone(),
            gate: step.gate.clone(),
            fan_out: step.fan_out.clone(),
            limits: Limits {
                timeout_seconds: step.timeout_seconds,
                max_retries: step
                    .max_retries
                    .unwrap_or(crate::normalize::DEFAULT_MAX_RETRIES),
                budget: step.budget.tightest(&c.budgets),
            },
        };
        match FrozenStep::new(
            p + 1,
            step.intent.clone(),
            deps.iter().map(|&d| id_of(d)).collect(),
            contract,
        ) {
            Ok(s) => steps.push(s),
            Err(e) => return (None, vec![unhashable(e)]),
        }
    }
    let parts = PlanParts {
        objective: c.objective.clone(),
        template: c.template.clone(),
        domain: c.domain.clone(),
        workflow: c.workflow.clone(),
        policy: c.policy.clone(),
        inputs: c.inputs.clone(),
        steps,
        artifacts,
        budgets: c.budgets.clone(),
        success_criteria: c.success_criteria.clone(),
        profile: profile.clone(),
    };
    match FrozenPlan::seal(parts) {
        Ok(plan) => (Some(plan), Vec::new()),
        Err(e) => (None, vec![unhashable(e)]),
    }
}

/// Only a non-finite number can fail hashing; pass 1 rejects those in the candidate, so this is the profile.
fn unhashable(e: writ_canon::CanonError) -> Diagnostic {
    Diagnostic::error(
        codes::INVALID_VALUE,
        format!("the plan cannot be hashed: {e}"),
    )
    .with_help("every number in the candidate and the execution profile must be finite")
}
