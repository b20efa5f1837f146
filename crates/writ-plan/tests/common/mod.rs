//! Small fixtures shared by the writ-plan tests.

use std::collections::BTreeMap;
use writ_plan::*;

pub fn profile() -> ExecutionProfile {
    let phase = |model: &str| PhaseConfig {
        provider: "builtin".into(),
        model: model.into(),
        params: BTreeMap::new(),
    };
    ExecutionProfile {
        id: "test".into(),
        description: String::new(),
        phases: Phases {
            router: phase("router"),
            planner: phase("planner"),
            binder: phase("binder"),
            executor: phase("executor"),
            auditor: phase("auditor"),
            repairer: phase("repairer"),
        },
        budgets: Budgets::default(),
        prices: BTreeMap::new(),
        validation: ValidationModes::default(),
        policy: "strict".into(),
        allow_self_approval: false,
        gate_expiry_seconds: None,
    }
}

pub fn contract(slug: &str, intent: &str, inputs: Vec<ContractInput>) -> StepContract {
    StepContract {
        slug: slug.into(),
        intent: intent.into(),
        kind: StepKind::Code,
        inputs,
        outputs: vec![ContractOutput {
            slot: "out".into(),
            artifact_ref: "x".into(),
            kind: "table.csv".into(),
            schema_id: None,
            schema_hash: None,
            required: true,
            publish: false,
            name: None,
        }],
        skills: vec![],
        tools: vec![],
        program: None,
        code_hash: None,
        rubric: vec![],
        validators: vec![],
        gate: None,
        fan_out: None,
        limits: Limits::default(),
    }
}

/// A two-step plan: `load` reads a run input, `sum` reads `load.out`.
pub fn two_step_plan() -> FrozenPlan {
    let load_in = ContractInput {
        slot: "rows".into(),
        binding: "run.rows".into(),
        producer_ref: run_input_ref("rows"),
        kind: "table.csv".into(),
        expects: None,
        rank: BindRank::Exact,
        required: true,
    };
    let load = FrozenStep::new(
        1,
        "Load rows".into(),
        vec![],
        contract("load", "Load rows.", vec![load_in]),
    )
    .unwrap();
    let sum_in = ContractInput {
        slot: "rows".into(),
        binding: "load.out".into(),
        producer_ref: artifact_ref(&load.id, RefDirection::Output, 0, "out"),
        kind: "table.csv".into(),
        expects: Some("table.json_rows".into()),
        rank: BindRank::Adapter("table.csv_to_json_rows".into()),
        required: true,
    };
    let sum = FrozenStep::new(
        2,
        "Sum rows".into(),
        vec![load.id.clone()],
        contract("sum", "Sum rows.", vec![sum_in]),
    )
    .unwrap();
    let mut artifacts = BTreeMap::new();
    artifacts.insert(
        "sum.csv".to_string(),
        ArtifactEntry {
            step: sum.id.clone(),
            slot: "out".into(),
            kind: "table.csv".into(),
            artifact_ref: artifact_ref(&sum.id, RefDirection::Output, 0, "out"),
        },
    );
    FrozenPlan::seal(PlanParts {
        objective: "sum rows".into(),
        template: None,
        domain: "data-merge-transform".into(),
        workflow: "normalize-transform".into(),
        policy: "strict".into(),
        inputs: vec![RunInput {
            name: "rows".into(),
            kind: "table.csv".into(),
            description: String::new(),
            required: true,
        }],
        steps: vec![load, sum],
        artifacts,
        budgets: Budgets::default(),
        success_criteria: vec![],
        profile: profile(),
    })
    .unwrap()
}
