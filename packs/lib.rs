//! The registry of workload packs. Every folder under `packs/` is one workload (see `packs/README.md`);
//! adding one is the folder, its line in [`PACKS`] and its dependency line in `Cargo.toml`.
//!
//! The packs' declarations reach the catalog as data (`writ-catalog` embeds them); their code is found here:
//! the checks the ladder and the built-in auditor run by id, the platform tools the bridge runs by name, and
//! the built-in evaluators that serve `evaluator.judge` by rubric id.

use serde_json::Value;
use writ_ladder::Registry;
pub use writ_pack::{PackCode, ToolError, ToolFn};

/// Every pack writ ships.
pub const PACKS: &[PackCode] = &[
    writ_pack_billing_audit::PACK,
    writ_pack_contract_review::PACK,
    writ_pack_resume_screening::PACK,
    writ_pack_site_build::PACK,
];

/// The governed evaluator's tool name; a call names the rubric whose evaluator judges it.
pub const EVALUATOR_TOOL: &str = "evaluator.judge";

/// Every check of every pack and the generic workflow checks, by id.
pub fn registry() -> Registry {
    let mut registry = Registry::empty();
    for (id, check) in writ_ladder::workflow::CHECKS {
        registry.register(id, Box::new(*check));
    }
    for pack in PACKS {
        pack.register(&mut registry);
    }
    registry
}

/// The pack implementing platform tool `name`, and the tool.
pub fn tool(name: &str) -> Option<(&'static PackCode, ToolFn)> {
    PACKS
        .iter()
        .find_map(|pack| pack.tool(name).map(|f| (pack, f)))
}

/// The built-in evaluator of rubric `id` (what serves `evaluator.judge` under the built-in profile).
pub fn evaluator(id: &str) -> Option<(&'static PackCode, ToolFn)> {
    PACKS
        .iter()
        .find_map(|pack| pack.evaluator(id).map(|f| (pack, f)))
}

/// Every platform tool name the packs implement, and the governed evaluator.
pub fn tool_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = PACKS
        .iter()
        .flat_map(|p| p.tools.iter().map(|(n, _)| *n))
        .collect();
    names.push(EVALUATOR_TOOL);
    names.sort_unstable();
    names
}

/// Runs platform tool `name` on `args` with the built-in implementations: a pack's tool, or for
/// `evaluator.judge` the built-in evaluator of the rubric the call names (its verdict says who judged).
/// Unknown tools and rubrics, and malformed arguments, are errors naming what is wrong; never a panic.
pub fn call_builtin(name: &str, args: &Value) -> Result<Value, ToolError> {
    if name == EVALUATOR_TOOL {
        let (pointer, value) = writ_tools::args::member(args, "", "rubric")?;
        let rubric = writ_tools::args::string(writ_tools::args::Field {
            pointer: &pointer,
            value,
        })?;
        let Some((_, judge)) = evaluator(rubric) else {
            return Err(ToolError::Invalid {
                pointer: "/rubric".into(),
                message: format!("no built-in evaluator for rubric `{rubric}`"),
            });
        };
        let mut verdict = judge(args)?;
        if let Value::Object(map) = &mut verdict {
            map.insert(
                "judged_by".into(),
                Value::String(format!("builtin:{rubric}")),
            );
        }
        return Ok(verdict);
    }
    match tool(name) {
        Some((_, f)) => f(args),
        None => Err(ToolError::UnknownTool {
            name: name.to_string(),
        }),
    }
}
