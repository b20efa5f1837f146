//! The ladder's vocabulary: stages, modes, outcomes and the report the ledger records.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::patch::PatchOp;

/// The eleven stages, in the order an output climbs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Guard,
    Schema,
    Synonyms,
    Structural,
    Defaults,
    Transforms,
    ModelRename,
    ModelPatch,
    Conformance,
    Domain,
    ExpertReview,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Stage::Guard,
        Stage::Schema,
        Stage::Synonyms,
        Stage::Structural,
        Stage::Defaults,
        Stage::Transforms,
        Stage::ModelRename,
        Stage::ModelPatch,
        Stage::Conformance,
        Stage::Domain,
        Stage::ExpertReview,
    ];

    /// 1-based position on the ladder.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Guard => "guard",
            Stage::Schema => "schema",
            Stage::Synonyms => "synonyms",
            Stage::Structural => "structural",
            Stage::Defaults => "defaults",
            Stage::Transforms => "transforms",
            Stage::ModelRename => "model_rename",
            Stage::ModelPatch => "model_patch",
            Stage::Conformance => "conformance",
            Stage::Domain => "domain",
            Stage::ExpertReview => "expert_review",
        }
    }

    pub fn is_model_stage(self) -> bool {
        matches!(
            self,
            Stage::ModelRename | Stage::ModelPatch | Stage::ExpertReview
        )
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.number(), self.name())
    }
}

/// What a rejection does in the phase being validated (same spelling as the execution profile's modes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A rejection stops the climb and the artifact is not publishable.
    #[default]
    Block,
    /// A rejection is recorded; the climb goes on and the artifact is published, flagged.
    Report,
    /// No stage runs; every stage is recorded as skipped.
    Off,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Corrected,
    Rejected,
    Skipped { reason: String },
}

/// One change a stage made, as an RFC 6902 patch over the value the stage received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectionRecord {
    pub stage: Stage,
    pub what: String,
    pub why: String,
    pub patch: Vec<PatchOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageResult {
    pub stage: Stage,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<CorrectionRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// Schema stage only: failures found on the first check that stages 3–8 corrected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved: Vec<Diagnostic>,
}

impl StageResult {
    pub fn new(stage: Stage, outcome: Outcome) -> Self {
        StageResult {
            stage,
            outcome,
            records: Vec::new(),
            diagnostics: Vec::new(),
            resolved: Vec::new(),
        }
    }

    pub fn skipped(stage: Stage, reason: impl Into<String>) -> Self {
        StageResult::new(
            stage,
            Outcome::Skipped {
                reason: reason.into(),
            },
        )
    }
}

/// What the ledger records for one climb.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LadderReport {
    pub mode: Mode,
    pub original_hash: writ_canon::ContentHash,
    pub final_value: Value,
    pub final_hash: writ_canon::ContentHash,
    pub stage_results: Vec<StageResult>,
    /// Block mode: no stage rejected. Report mode: always true (see `flagged`). Off: always true.
    pub publishable: bool,
    /// A stage rejected but the mode let publication proceed.
    pub flagged: bool,
    /// Every correction, in ladder order; applied in sequence to the original they give `final_value`.
    pub corrections: Vec<CorrectionRecord>,
}

impl LadderReport {
    pub fn result(&self, stage: Stage) -> Option<&StageResult> {
        self.stage_results.iter().find(|r| r.stage == stage)
    }

    /// The fields of a table's rows its corrections renamed (`from` → `to`), in ladder order, each pair once:
    /// a move of `/<row>/<from>` to `/<row>/<to>` within one row. What a writer needs to keep the table's
    /// column order when it writes the corrected rows.
    pub fn renamed_fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for op in self.corrections.iter().flat_map(|c| &c.patch) {
            let crate::patch::PatchOp::Move { from, path } = op else {
                continue;
            };
            let split = |p: &str| {
                let mut t = p.trim_start_matches('/').splitn(2, '/');
                Some((t.next()?.to_string(), t.next()?.to_string()))
            };
            if let (Some((r1, a)), Some((r2, b))) = (split(from), split(path)) {
                let pair = (unescape(&a), unescape(&b));
                if r1 == r2
                    && r1.parse::<u64>().is_ok()
                    && !a.contains('/')
                    && !b.contains('/')
                    && !out.contains(&pair)
                {
                    out.push(pair);
                }
            }
        }
        out
    }
}

/// A JSON pointer token as the key it names (`~1` is `/`, `~0` is `~`).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// What domain validators and conformance may compare the artifact against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Row counts of the step's inputs, by input slot name.
    #[serde(default)]
    pub input_row_counts: BTreeMap<String, u64>,
    /// Related artifacts by slot name (inputs as JSON rows, sibling outputs), for domain validators and the
    /// reviewer's evidence.
    #[serde(default)]
    pub related: BTreeMap<String, Value>,
}

/// A step output entering the ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    /// The output slot name (e.g. `findings`), so domain validators can find it among related artifacts.
    pub name: String,
    /// Artifact kind from the catalog (e.g. `table.csv`).
    pub kind: String,
    /// Objects as JSON; tables as JSON rows (an array of objects with string cells).
    pub value: Value,
    #[serde(default)]
    pub context: Context,
}
