//! What a step or a run has spent, and the hard caps it may not cross. Units: tokens, micro-US-dollars
//! (integers, so sums are exact and replay-stable), tool calls, wall-clock milliseconds.

use serde::{Deserialize, Serialize};
use writ_plan::Budgets;

/// Which budget a cap is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    /// Model tokens, input plus output.
    Tokens,
    /// Micro-US-dollars.
    Cost,
    /// Governed tool calls.
    ToolCalls,
    /// Wall-clock milliseconds since the step (or run) started.
    Wall,
}

impl BudgetKind {
    pub const ALL: [BudgetKind; 4] = [
        BudgetKind::Tokens,
        BudgetKind::Cost,
        BudgetKind::ToolCalls,
        BudgetKind::Wall,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetKind::Tokens => "tokens",
            BudgetKind::Cost => "cost_micro_usd",
            BudgetKind::ToolCalls => "tool_calls",
            BudgetKind::Wall => "wall_ms",
        }
    }
}

/// A crossed cap: recorded on the step or run it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetExceeded {
    pub kind: BudgetKind,
    pub limit: u64,
    pub used: u64,
}

/// Metered spend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub tokens: u64,
    pub cost_micros: u64,
    pub tool_calls: u64,
    pub model_calls: u64,
}

impl Usage {
    pub fn add(&mut self, other: &Usage) {
        self.tokens = self.tokens.saturating_add(other.tokens);
        self.cost_micros = self.cost_micros.saturating_add(other.cost_micros);
        self.tool_calls = self.tool_calls.saturating_add(other.tool_calls);
        self.model_calls = self.model_calls.saturating_add(other.model_calls);
    }

    /// What `other` has beyond `self`, field by field (never negative).
    pub fn excess_over(&self, other: &Usage) -> Usage {
        Usage {
            tokens: other.tokens.saturating_sub(self.tokens),
            cost_micros: other.cost_micros.saturating_sub(self.cost_micros),
            tool_calls: other.tool_calls.saturating_sub(self.tool_calls),
            model_calls: other.model_calls.saturating_sub(self.model_calls),
        }
    }
}

/// Hard caps in the machine's units; `None` is uncapped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    pub tokens: Option<u64>,
    pub cost_micros: Option<u64>,
    pub tool_calls: Option<u64>,
    pub wall_ms: Option<u64>,
}

impl Caps {
    pub fn from_budgets(b: &Budgets) -> Caps {
        Caps {
            tokens: b.tokens,
            cost_micros: b.cost_usd.map(usd_to_micros),
            tool_calls: b.tool_calls,
            wall_ms: b.wall_seconds.map(|s| s.saturating_mul(1000)),
        }
    }

    pub fn get(&self, kind: BudgetKind) -> Option<u64> {
        match kind {
            BudgetKind::Tokens => self.tokens,
            BudgetKind::Cost => self.cost_micros,
            BudgetKind::ToolCalls => self.tool_calls,
            BudgetKind::Wall => self.wall_ms,
        }
    }

    /// The first spend cap (tokens, cost, tool calls) that `usage` is above.
    pub fn crossed(&self, usage: &Usage) -> Option<BudgetExceeded> {
        let used = [
            (BudgetKind::Tokens, usage.tokens),
            (BudgetKind::Cost, usage.cost_micros),
            (BudgetKind::ToolCalls, usage.tool_calls),
        ];
        used.into_iter().find_map(|(kind, used)| {
            let limit = self.get(kind)?;
            (used > limit).then_some(BudgetExceeded { kind, limit, used })
        })
    }

    /// The wall cap crossed at `now_ms` by something started at `started_ms` (reached counts as crossed:
    /// the alarm fires at the deadline itself).
    pub fn wall_crossed(&self, started_ms: u64, now_ms: u64) -> Option<BudgetExceeded> {
        let limit = self.wall_ms?;
        let used = now_ms.saturating_sub(started_ms);
        (used >= limit).then_some(BudgetExceeded {
            kind: BudgetKind::Wall,
            limit,
            used,
        })
    }

    /// Left to spend, for the sandbox's own limits.
    pub fn remaining(&self, usage: &Usage) -> Caps {
        Caps {
            tokens: self.tokens.map(|l| l.saturating_sub(usage.tokens)),
            cost_micros: self
                .cost_micros
                .map(|l| l.saturating_sub(usage.cost_micros)),
            tool_calls: self.tool_calls.map(|l| l.saturating_sub(usage.tool_calls)),
            wall_ms: self.wall_ms,
        }
    }
}

/// US dollars to micro-dollars, rounding down; a negative or non-finite cap is a zero cap (fail closed).
pub fn usd_to_micros(usd: f64) -> u64 {
    if usd.is_finite() && usd > 0.0 {
        // `as` saturates for floats; the cast cannot wrap.
        (usd * 1e6).floor() as u64
    } else {
        0
    }
}

/// Micro-dollars charged for a priced model call, rounding up so that spend is never under-counted.
pub fn cost_micros_of(price: &writ_plan::ModelPrice, tokens_in: u64, tokens_out: u64) -> u64 {
    let usd = price.cost_usd(tokens_in, tokens_out);
    if usd.is_finite() && usd > 0.0 {
        (usd * 1e6).ceil() as u64
    } else {
        0
    }
}

impl Caps {
    /// Field by field, the tighter of two caps (a cap beats no cap).
    pub fn tightest(&self, other: &Caps) -> Caps {
        fn min(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            match (a, b) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, None) => x,
                (None, y) => y,
            }
        }
        Caps {
            tokens: min(self.tokens, other.tokens),
            cost_micros: min(self.cost_micros, other.cost_micros),
            tool_calls: min(self.tool_calls, other.tool_calls),
            wall_ms: min(self.wall_ms, other.wall_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_cross_strictly_above_and_wall_at_deadline() {
        let caps = Caps {
            tokens: Some(10),
            cost_micros: Some(5),
            tool_calls: Some(1),
            wall_ms: Some(1000),
        };
        let at = |tokens, cost_micros, tool_calls| Usage {
            tokens,
            cost_micros,
            tool_calls,
            model_calls: 0,
        };
        let cases = [
            (at(10, 5, 1), None),
            (at(11, 0, 0), Some(BudgetKind::Tokens)),
            (at(0, 6, 0), Some(BudgetKind::Cost)),
            (at(0, 0, 2), Some(BudgetKind::ToolCalls)),
        ];
        for (usage, want) in cases {
            assert_eq!(caps.crossed(&usage).map(|b| b.kind), want, "{usage:?}");
        }
        assert_eq!(caps.wall_crossed(100, 1099), None);
        assert_eq!(
            caps.wall_crossed(100, 1100),
            Some(BudgetExceeded {
                kind: BudgetKind::Wall,
                limit: 1000,
                used: 1000
            })
        );
    }

    #[test]
    fn dollars_convert_fail_closed() {
        let cases = [
            (0.5, 500_000),
            (0.0, 0),
            (-1.0, 0),
            (f64::NAN, 0),
            (f64::INFINITY, 0),
            (1e30, u64::MAX),
        ];
        for (usd, want) in cases {
            assert_eq!(usd_to_micros(usd), want, "{usd}");
        }
    }
}
