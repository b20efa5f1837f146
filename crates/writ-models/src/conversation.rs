//! A sans-IO conversation with one phase's model: ask, read the reply with writ-schema's tolerant parser,
//! check it, and re-ask with the diagnostics when it is invalid, a bounded number of times.
//!
//! ```text
//! let mut c = Conversation::new(Phase::Planner, task)?;
//! loop {
//!     match c.next() {
//!         Next::Ask(request) => c.on_reply(&shell_calls_the_model(request)),
//!         Next::Done(value) => break value,
//!         Next::Failed(diagnostics) => return Err(diagnostics),
//!     }
//! }
//! ```

use crate::codes;
use crate::prompt;
use crate::provider::{ChatMessage, ChatRequest};
use crate::task::Task;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use writ_diag::Diagnostic;
use writ_plan::{Phase, PlanCandidate};

/// Asks in all (the first and the re-asks) unless set otherwise.
pub const DEFAULT_MAX_ASKS: u32 = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Ask(ChatRequest),
    Done(Value),
    Failed(Vec<Diagnostic>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConversationError {
    #[error("a {task:?} task cannot be asked of the {phase:?} phase")]
    WrongPhase { phase: Phase, task: Phase },
    #[error("the reply schema does not compile: {0:?}")]
    Schema(Vec<Diagnostic>),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Asking,
    Done(Value),
    Failed(Vec<Diagnostic>),
}

#[derive(Debug, Clone)]
pub struct Conversation {
    task: Task,
    schema: Value,
    request: ChatRequest,
    asks: u32,
    max_asks: u32,
    state: State,
    /// Diagnostics of each rejected reply, in order.
    rejected: Vec<Vec<Diagnostic>>,
}

impl Conversation {
    pub fn new(phase: Phase, task: Task) -> Result<Conversation, ConversationError> {
        if task.phase() != phase {
            return Err(ConversationError::WrongPhase {
                phase,
                task: task.phase(),
            });
        }
        let request = prompt::render(&task).map_err(ConversationError::Schema)?;
        Ok(Conversation {
            schema: prompt::reply_schema(&task),
            task,
            request,
            asks: 0,
            max_asks: DEFAULT_MAX_ASKS,
            state: State::Asking,
            rejected: Vec::new(),
        })
    }

    /// At most `n` asks in all (at least 1).
    pub fn with_max_asks(mut self, n: u32) -> Conversation {
        self.max_asks = n.max(1);
        self
    }

    pub fn phase(&self) -> Phase {
        self.task.phase()
    }

    pub fn task(&self) -> &Task {
        &self.task
    }

    pub fn reply_schema(&self) -> &Value {
        &self.schema
    }

    /// Asks made so far.
    pub fn asks(&self) -> u32 {
        self.asks
    }

    /// The diagnostics of every rejected reply.
    pub fn rejected(&self) -> &[Vec<Diagnostic>] {
        &self.rejected
    }

    /// What to do next. Asking twice without a reply yields the same request. (Named as the protocol
    /// says; it is not an iterator: it never ends by returning `None`.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Next {
        match &self.state {
            State::Done(v) => Next::Done(v.clone()),
            State::Failed(d) => Next::Failed(d.clone()),
            State::Asking => {
                if self.pending_reply() {
                    return Next::Ask(self.request.clone());
                }
                self.asks += 1;
                Next::Ask(self.request.clone())
            }
        }
    }

    /// Whether an ask is out and unanswered.
    fn pending_reply(&self) -> bool {
        // Each answered ask adds an assistant turn; the first ask has none.
        let answered = self
            .request
            .messages
            .iter()
            .filter(|m| m.role == crate::provider::Role::Assistant)
            .count() as u32;
        self.asks > answered
    }

    /// The model's reply text to the last ask. Ignored once the conversation is over.
    pub fn on_reply(&mut self, reply: &str) {
        if self.state != State::Asking {
            return;
        }
        if !self.pending_reply() {
            // A reply nobody asked for counts as an ask, so re-asking stays bounded.
            self.asks += 1;
        }
        let (value, mut diagnostics) = writ_schema::parse_reply(&self.schema, reply);
        if let (Some(v), false) = (&value, writ_diag::diagnostic::has_errors(&diagnostics)) {
            diagnostics.extend(check(&self.task, v));
            if !writ_diag::diagnostic::has_errors(&diagnostics) {
                self.state = State::Done(v.clone());
                return;
            }
        }
        if value.is_none() && diagnostics.is_empty() {
            diagnostics.push(Diagnostic::error(
                writ_schema::codes::REPLY_HAS_NO_JSON,
                "the reply holds no JSON value",
            ));
        }
        let errors: Vec<Diagnostic> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
        self.rejected.push(errors.clone());
        if self.asks >= self.max_asks {
            let mut out = errors;
            out.push(Diagnostic::error(
                codes::REASKS_EXHAUSTED,
                format!(
                    "no valid {:?} reply after {} asks",
                    self.task.phase(),
                    self.asks
                ),
            ));
            self.state = State::Failed(out);
            return;
        }
        self.request
            .messages
            .push(ChatMessage::assistant(reply.to_string()));
        self.request
            .messages
            .push(ChatMessage::user(reask_text(&errors)));
    }
}

/// The re-ask: every problem with its pointer and help, then the instruction.
pub fn reask_text(diagnostics: &[Diagnostic]) -> String {
    let mut s = String::from(
        "Your reply could not be accepted. Problems (JSON pointer into your value, then the problem):\n",
    );
    for d in diagnostics {
        let _ = write!(
            s,
            "- {} at `{}`: {}",
            d.code,
            d.pointer.as_deref().unwrap_or(""),
            d.message
        );
        if let Some(help) = &d.help {
            let _ = write!(s, " (help: {help})");
        }
        s.push('\n');
    }
    s.push_str("\nReply again with the whole corrected value, as JSON in one ```json block.\n");
    s
}

/// Checks beyond the schema: the typed document reads, programs emit every output, verdicts cover the
/// rubric exactly once.
fn check(task: &Task, value: &Value) -> Vec<Diagnostic> {
    match task {
        Task::Route(_) => route_consistent(value),
        Task::Plan(_) => match writ_plan::from_json::<PlanCandidate>(&value.to_string()) {
            Ok(_) => Vec::new(),
            Err(e) => vec![Diagnostic::error(codes::REPLY_SHAPE, e.message).at(e.pointer)],
        },
        Task::Execute(t) => code_emits(value, t.step.outputs.iter().map(|o| o.slot.as_str())),
        Task::Repair(t) => code_emits(value, t.step.outputs.iter().map(|o| o.slot.as_str())),
        Task::Audit(t) => verdicts_cover(value, t.rubric.iter().map(|r| r.id.as_str())),
        // The reply schema is the whole of what a verdict must be; the rubric's meaning is the pack's.
        Task::Judge(_) => Vec::new(),
    }
}

fn route_consistent(value: &Value) -> Vec<Diagnostic> {
    let in_scope = value.get("in_scope").and_then(Value::as_bool);
    let template = value.get("template").filter(|t| !t.is_null());
    match (in_scope, template) {
        (Some(true), None) => {
            vec![
                Diagnostic::error(codes::REPLY_SHAPE, "in scope, but no template named")
                    .at("/template"),
            ]
        }
        (Some(false), Some(_)) => {
            vec![
                Diagnostic::error(codes::REPLY_SHAPE, "out of scope, yet a template is named")
                    .at("/template"),
            ]
        }
        _ => Vec::new(),
    }
}

fn code_emits<'a>(value: &Value, slots: impl Iterator<Item = &'a str>) -> Vec<Diagnostic> {
    let code = value.get("code").and_then(Value::as_str).unwrap_or("");
    if code.trim().is_empty() {
        return vec![Diagnostic::error(codes::EMPTY_CODE, "the program is empty").at("/code")];
    }
    slots
        .filter(|slot| {
            !code.contains(&format!("\"{slot}\"")) && !code.contains(&format!("'{slot}'"))
        })
        .map(|slot| {
            Diagnostic::error(
                codes::OUTPUT_NOT_EMITTED,
                format!("the program never emits the output slot `{slot}`"),
            )
            .at("/code")
            .with_help(format!("call writ.emit(\"{slot}\", value)"))
        })
        .collect()
}

fn verdicts_cover<'a>(value: &Value, criteria: impl Iterator<Item = &'a str>) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let verdicts = value
        .get("verdicts")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, v) in verdicts.iter().enumerate() {
        if let Some(c) = v.get("criterion").and_then(Value::as_str) {
            let n = seen.entry(c).or_insert(0);
            *n += 1;
            if *n == 2 {
                return vec![Diagnostic::error(
                    codes::VERDICT_COVERAGE,
                    format!("criterion `{c}` is judged more than once"),
                )
                .at(format!("/verdicts/{i}/criterion"))];
            }
        }
    }
    criteria
        .filter(|c| !seen.contains_key(c))
        .map(|c| {
            Diagnostic::error(
                codes::VERDICT_COVERAGE,
                format!("criterion `{c}` has no verdict"),
            )
            .at("/verdicts")
        })
        .collect()
}
