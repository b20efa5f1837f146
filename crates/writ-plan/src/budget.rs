//! Budgets: caps on what a run or a step may spend. Every field is optional; absent means "not capped here".

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    /// Model tokens, input plus output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// Spend in US dollars at the profile's prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Governed tool calls through the bridge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<u64>,
    /// Wall-clock seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_seconds: Option<u64>,
}

impl Budgets {
    pub fn is_empty(&self) -> bool {
        self == &Budgets::default()
    }

    /// Field by field, the tighter of two caps (a cap beats no cap).
    pub fn tightest(&self, other: &Budgets) -> Budgets {
        fn min_u(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, None) => x,
                (None, y) => y,
            }
        }
        let cost = match (self.cost_usd, other.cost_usd) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, None) => x,
            (None, y) => y,
        };
        Budgets {
            tokens: min_u(self.tokens, other.tokens),
            cost_usd: cost,
            tool_calls: min_u(self.tool_calls, other.tool_calls),
            wall_seconds: min_u(self.wall_seconds, other.wall_seconds),
        }
    }
}
