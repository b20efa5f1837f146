//! Tokens and dollars per call, from the profile's price table, as exact decimals (no float sums), and the
//! record the shell appends to the ledger for every model call.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use writ_canon::ContentHash;
use writ_plan::{Budgets, ModelPrice, Phase};

/// An exact amount of US dollars, in units of 10⁻¹² (a price per million tokens with up to six decimals
/// gives an exact per-token cost).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Usd {
    pub pico: u128,
}

const PICO_PER_USD: u128 = 1_000_000_000_000;
/// Fraction digits always shown (micro-dollars); more when the amount needs them.
const MIN_FRACTION_DIGITS: usize = 6;

impl Usd {
    pub const ZERO: Usd = Usd { pico: 0 };

    pub fn checked_add(self, other: Usd) -> Option<Usd> {
        self.pico.checked_add(other.pico).map(|pico| Usd { pico })
    }

    /// A decimal string such as `"0.0123"` or `"25"` (what profiles and budgets hold as floats, read through
    /// their shortest decimal form). Negative, non-finite or finer than 10⁻¹² is an error.
    pub fn parse(text: &str) -> Result<Usd, AccountingError> {
        let bad = || AccountingError::BadAmount(text.to_string());
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 12 {
            return Err(bad());
        }
        let int_part: u128 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let mut frac_part: u128 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len()..12 {
            frac_part *= 10;
        }
        int_part
            .checked_mul(PICO_PER_USD)
            .and_then(|p| p.checked_add(frac_part))
            .map(|pico| Usd { pico })
            .ok_or_else(bad)
    }

    /// From a float of a profile (shortest round-trip decimal, so `1.1` is exactly 1.1).
    pub fn from_f64(value: f64) -> Result<Usd, AccountingError> {
        if !value.is_finite() || value < 0.0 {
            return Err(AccountingError::BadAmount(value.to_string()));
        }
        Usd::parse(&format!("{value}"))
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.pico / PICO_PER_USD;
        let frac = format!("{:012}", self.pico % PICO_PER_USD);
        let trimmed = frac.trim_end_matches('0');
        let shown = if trimmed.len() < MIN_FRACTION_DIGITS {
            frac.get(..MIN_FRACTION_DIGITS).unwrap_or(&frac)
        } else {
            trimmed
        };
        write!(f, "{int}.{shown}")
    }
}

impl Serialize for Usd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Usd, D::Error> {
        let text = String::deserialize(d)?;
        Usd::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountingError {
    #[error("`{0}` is not a non-negative dollar amount with at most 12 decimals")]
    BadAmount(String),
    #[error("model `{model}` used {tokens} tokens but the profile has no price for it")]
    NoPrice { model: String, tokens: u64 },
    #[error("the cost overflows")]
    Overflow,
}

/// The cost of one call at the profile's prices. A call that used tokens of a model the price table does not
/// list is an error: spend that cannot be metered is not allowed (fail closed). Zero tokens cost zero.
pub fn call_cost(
    prices: &BTreeMap<String, ModelPrice>,
    model: &str,
    tokens_in: u64,
    tokens_out: u64,
) -> Result<Usd, AccountingError> {
    let tokens = tokens_in.saturating_add(tokens_out);
    if tokens == 0 {
        return Ok(Usd::ZERO);
    }
    let price = prices.get(model).ok_or_else(|| AccountingError::NoPrice {
        model: model.to_string(),
        tokens,
    })?;
    // Price per million tokens → per token: divide the pico amount by 10⁶ (exact within 6 decimals of the
    // per-million price, which `Usd::parse` guarantees up to 12).
    let per_m_in = Usd::from_f64(price.input_usd_per_mtok)?.pico;
    let per_m_out = Usd::from_f64(price.output_usd_per_mtok)?.pico;
    let total = per_m_in
        .checked_mul(u128::from(tokens_in))
        .and_then(|a| {
            per_m_out
                .checked_mul(u128::from(tokens_out))
                .and_then(|b| a.checked_add(b))
        })
        .ok_or(AccountingError::Overflow)?;
    // Round half up to the pico-dollar.
    Ok(Usd {
        pico: (total + 500_000) / 1_000_000,
    })
}

/// One model call, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCallRecord {
    pub phase: Phase,
    pub provider: String,
    pub model: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Decimal string, e.g. `"0.012345"`.
    pub cost_usd: Usd,
    /// Measured by the shell.
    pub latency_ms: u64,
    /// Hash of the request as built (with key placeholders, never keys).
    pub request_hash: ContentHash,
    pub response_hash: ContentHash,
}

/// What the shell knows about a finished call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFacts<'a> {
    pub phase: Phase,
    pub provider: &'a str,
    pub model: &'a str,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub latency_ms: u64,
    pub request_hash: ContentHash,
    pub response_hash: ContentHash,
}

impl ModelCallRecord {
    pub fn new(
        facts: CallFacts<'_>,
        prices: &BTreeMap<String, ModelPrice>,
    ) -> Result<ModelCallRecord, AccountingError> {
        let cost_usd = call_cost(prices, facts.model, facts.tokens_in, facts.tokens_out)?;
        Ok(ModelCallRecord {
            phase: facts.phase,
            provider: facts.provider.to_string(),
            model: facts.model.to_string(),
            tokens_in: facts.tokens_in,
            tokens_out: facts.tokens_out,
            cost_usd,
            latency_ms: facts.latency_ms,
            request_hash: facts.request_hash,
            response_hash: facts.response_hash,
        })
    }
}

/// Running totals of a run, checked against its budgets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    pub calls: u64,
    pub tokens: u64,
    pub cost_usd: Usd,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetExceeded {
    #[error("token budget {budget} exceeded: {spent} tokens")]
    Tokens { budget: u64, spent: u64 },
    #[error("cost budget ${budget} exceeded: ${spent}")]
    Cost { budget: Usd, spent: Usd },
    #[error(transparent)]
    Accounting(#[from] AccountingError),
}

impl Spend {
    /// Adds a call. The call is counted even when it breaks a budget (it was made and paid for); the
    /// error tells the shell to stop making more.
    pub fn add(
        &mut self,
        record: &ModelCallRecord,
        budgets: &Budgets,
    ) -> Result<(), BudgetExceeded> {
        self.calls += 1;
        self.tokens = self
            .tokens
            .saturating_add(record.tokens_in)
            .saturating_add(record.tokens_out);
        self.cost_usd = self
            .cost_usd
            .checked_add(record.cost_usd)
            .ok_or(AccountingError::Overflow)?;
        self.check(budgets)
    }

    pub fn check(&self, budgets: &Budgets) -> Result<(), BudgetExceeded> {
        if let Some(budget) = budgets.tokens {
            if self.tokens > budget {
                return Err(BudgetExceeded::Tokens {
                    budget,
                    spent: self.tokens,
                });
            }
        }
        if let Some(limit) = budgets.cost_usd {
            let budget = Usd::from_f64(limit)?;
            if self.cost_usd > budget {
                return Err(BudgetExceeded::Cost {
                    budget,
                    spent: self.cost_usd,
                });
            }
        }
        Ok(())
    }
}
