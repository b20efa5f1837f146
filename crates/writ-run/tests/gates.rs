//! Gate outcomes: approve, reject, approver = creator, approver without scope, self-approval allowed.

mod common;

use common::*;
use writ_run::codes;
use writ_run::testkit::Shell;
use writ_run::{Code, Effect, Event, RunState, StepState};

fn at_gate(allow_self: bool) -> Shell {
    let mut shell = Shell::start(gated(allow_self), "alice").expect("starts");
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate reached");
    assert_eq!(shell.run.state(), RunState::AwaitingApproval);
    shell
}

fn approve(shell: &Shell, principal: &str, scopes: &[&str]) -> Event {
    Event::Approve {
        step: shell.id_of("deploy"),
        principal: principal.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn gate_outcomes() {
    struct Case {
        name: &'static str,
        allow_self: bool,
        principal: &'static str,
        scopes: &'static [&'static str],
        refused: &'static [Code],
        end: RunState,
        deploy_calls: usize,
    }
    let cases = [
        Case {
            name: "another person with scope approve",
            allow_self: false,
            principal: "bob",
            scopes: &["read", "approve"],
            refused: &[],
            end: RunState::Succeeded,
            deploy_calls: 1,
        },
        Case {
            name: "the creator",
            allow_self: false,
            principal: "alice",
            scopes: &["approve"],
            refused: &[codes::APPROVER_IS_CREATOR],
            end: RunState::AwaitingApproval,
            deploy_calls: 0,
        },
        Case {
            name: "someone without the scope",
            allow_self: false,
            principal: "mallory",
            scopes: &["read", "write"],
            refused: &[codes::APPROVER_LACKS_SCOPE],
            end: RunState::AwaitingApproval,
            deploy_calls: 0,
        },
        Case {
            name: "the creator, when the frozen profile allows self-approval",
            allow_self: true,
            principal: "alice",
            scopes: &["approve"],
            refused: &[],
            end: RunState::Succeeded,
            deploy_calls: 1,
        },
        Case {
            name: "the creator without scope, even when self-approval is allowed",
            allow_self: true,
            principal: "alice",
            scopes: &[],
            refused: &[codes::APPROVER_LACKS_SCOPE],
            end: RunState::AwaitingApproval,
            deploy_calls: 0,
        },
    ];
    for case in cases {
        let mut shell = at_gate(case.allow_self);
        let effects = shell.feed(approve(&shell, case.principal, case.scopes));
        assert_eq!(refused_codes(&effects), case.refused, "{}", case.name);
        shell
            .pending
            .retain(|e| !matches!(e, Effect::AwaitApproval { .. }));
        shell.run_to_end();
        assert_eq!(shell.run.state(), case.end, "{}", case.name);
        assert_eq!(
            shell.sandbox_calls("deploy"),
            case.deploy_calls,
            "{}",
            case.name
        );
        let approvals = shell
            .run
            .step(&shell.id_of("deploy"))
            .and_then(|s| s.approval.clone());
        assert_eq!(approvals.is_some(), case.deploy_calls == 1, "{}", case.name);
    }
}

#[test]
fn a_rejection_fails_the_step_and_the_run_without_asking_for_repair() {
    let mut shell = at_gate(false);
    let effects = shell.feed(Event::Reject {
        step: shell.id_of("deploy"),
        principal: "bob".into(),
        scopes: vec!["approve".into()],
        reason: "not on a Friday".into(),
    });
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::RunFinished {
            state: RunState::Failed
        }
    )));
    assert_eq!(shell.step_state("deploy"), Some(StepState::Failed));
    assert_eq!(
        shell.count(|e| matches!(e, Effect::RequestRepair { .. })),
        0
    );
    assert_eq!(shell.sandbox_calls("deploy"), 0);
    // The gate cannot be approved afterwards.
    let effects = shell.feed(approve(&shell, "bob", &["approve"]));
    assert_eq!(refused_codes(&effects), [codes::RUN_TERMINAL]);
}

#[test]
fn a_rejection_needs_the_scope_too() {
    let mut shell = at_gate(false);
    let effects = shell.feed(Event::Reject {
        step: shell.id_of("deploy"),
        principal: "mallory".into(),
        scopes: vec![],
        reason: String::new(),
    });
    assert_eq!(refused_codes(&effects), [codes::APPROVER_LACKS_SCOPE]);
    assert_eq!(
        shell.step_state("deploy"),
        Some(StepState::AwaitingApproval)
    );
}

#[test]
fn approvals_for_steps_not_at_their_gate_are_refused() {
    let mut shell = Shell::start(gated(false), "alice").expect("starts");
    // Before the gate is reached (load still running) and for a step that has no gate.
    let early = shell.feed(approve(&shell, "bob", &["approve"]));
    let ungated = shell.feed(Event::Approve {
        step: shell.id_of("load"),
        principal: "bob".into(),
        scopes: vec!["approve".into()],
    });
    let unknown = shell.feed(Event::Approve {
        step: "ps-9-nope".into(),
        principal: "bob".into(),
        scopes: vec!["approve".into()],
    });
    assert_eq!(refused_codes(&early), [codes::WRONG_STEP_STATE]);
    assert_eq!(refused_codes(&ungated), [codes::WRONG_STEP_STATE]);
    assert_eq!(refused_codes(&unknown), [codes::UNKNOWN_STEP]);
    // The early approval did not count: the gate still asks.
    run_until(&mut shell, |e| matches!(e, Effect::AwaitApproval { .. })).expect("gate still asks");
    assert!(shell.run.refusals.len() >= 3);
}
