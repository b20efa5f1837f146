//! A sealed program on a cron schedule: the scheduled handler starts it over the newest upload batch under
//! the schedule's prefix, once per due time.

use serde_json::json;
use writ_e2e::*;

fn runs_of(program: &str) -> anyhow::Result<Vec<String>> {
    let (s, _, b) = call(http("GET", "/v1/runs", Some(&env("WRIT_TOKEN"))).call());
    anyhow::ensure!(s == 200, "{b}");
    Ok(b["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["workflow"].as_str() == Some(&format!("program {program}")))
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect())
}

/// Fires the cron trigger as if it were `at_ms` (the local stack's `/__tick` runs the scheduled handler's
/// code at a given time; wrangler's `/__scheduled` always fires at the current one).
fn fire_cron(at_ms: u64) -> anyhow::Result<()> {
    let (s, _, b) = call(http("GET", &format!("/__tick?at={at_ms}"), None).call());
    anyhow::ensure!(s == 200, "the trigger answered {s}: {b}");
    Ok(())
}

/// Runs of `program` started since `before`.
fn new_runs(program: &str, before: &[String]) -> anyhow::Result<Vec<String>> {
    Ok(runs_of(program)?
        .into_iter()
        .filter(|r| !before.contains(r))
        .collect())
}

#[test]
fn a_schedule_runs_every_due_time_once_and_catches_up_after_an_outage() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let reviewer = reviewer("e2e-schedule")?;
    let run = run_to_gate(&admin, &billing_data())?;
    approve_and_finish(&admin, &reviewer, &run)?;
    let program = admin.ok(&["seal", &run])?;

    // This week's files dropped under a prefix; the schedule reads the newest batch there.
    let month = scratch("schedule/month");
    shifted_month(30, &month)?;
    // Programs are content-addressed: earlier tests may have sealed the same one. Start from no schedule of it.
    let (_, _, list) = call(http("GET", "/v1/schedules", Some(&env("WRIT_TOKEN"))).call());
    for s in list["schedules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["program_id"] == program.as_str())
    {
        call(
            http(
                "DELETE",
                &format!("/v1/schedules/{}", s["id"].as_str().unwrap_or_default()),
                Some(&env("WRIT_TOKEN")),
            )
            .call(),
        );
    }
    let prefix = format!("e2e/{program}/2026-12");
    admin.ok(&["upload", &month.to_string_lossy(), "--prefix", &prefix])?;
    // Hourly at minute 7: never due at the trigger's old five-minute steps.
    let id = admin.ok(&[
        "schedule",
        "create",
        &program,
        "--cron",
        "7 * * * *",
        "--prefix",
        &format!("e2e/{program}/"),
    ])?;
    assert!(id.starts_with("sch_"), "{id}");

    // The trigger is driven from here: the first minute 7 after the schedule was made.
    let hour = 3_600_000;
    let now = now_ms();
    let this_hours = now / hour * hour + 7 * 60_000;
    let minute7 = if this_hours > now {
        this_hours
    } else {
        this_hours + hour
    };
    let before = runs_of(&program)?;
    fire_cron(minute7 - 60_000)?; // minute 6: not due
    assert_eq!(new_runs(&program, &before)?.len(), 0);
    fire_cron(minute7)?;
    fire_cron(minute7)?; // the same minute again: claimed once
    let first = new_runs(&program, &before)?;
    assert_eq!(first.len(), 1, "one run at minute 7: {first:?}");

    // An outage: no tick from 8 past until half past, three hours later. Each missed minute 7 runs once.
    fire_cron(minute7 + 3 * hour + 23 * 60_000)?;
    let after = new_runs(&program, &before)?;
    assert_eq!(
        after.len(),
        4,
        "minute 7 and the three missed ones: {after:?}"
    );
    fire_cron(minute7 + 3 * hour + 24 * 60_000)?;
    assert_eq!(new_runs(&program, &before)?.len(), 4, "nothing twice");

    // The schedule shows what it did and when it is due next.
    let (_, _, list) = call(http("GET", "/v1/schedules", Some(&env("WRIT_TOKEN"))).call());
    let me = list["schedules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["id"] == id.as_str())
        .cloned()
        .unwrap_or_default();
    let fires = me["fires"].as_array().cloned().unwrap_or_default();
    assert_eq!(fires.len(), 4, "{me}");
    let caught_up = fires
        .iter()
        .filter(|f| {
            f["outcome"]
                .as_str()
                .is_some_and(|o| o.contains("caught up"))
        })
        .count();
    assert_eq!(caught_up, 3, "{me}");
    assert!(
        me["next_due"]
            .as_str()
            .is_some_and(|t| t.contains(":07:00")),
        "{me}"
    );
    assert!(
        me["last_due"]
            .as_str()
            .is_some_and(|t| t.contains(":07:00")),
        "{me}"
    );

    for run2 in &after {
        let st = admin.wait(run2)?;
        if st == "awaiting_approval" {
            approve_and_finish(&admin, &reviewer, run2)?;
        }
        let status = admin.status(run2)?;
        assert_eq!(status["state"], "succeeded", "{status}");
        assert_eq!(status["mode"], "sealed");
    }
    let out = scratch("schedule/run");
    let expect = scratch("schedule/oracle");
    admin.export(&first[0], &out)?;
    oracle(&month, &expect)?;
    assert_same_file(&out.join("findings.csv"), &expect.join("findings.csv"));
    let (s, _, b) = call(
        http(
            "DELETE",
            &format!("/v1/schedules/{id}"),
            Some(&env("WRIT_TOKEN")),
        )
        .call(),
    );
    assert_eq!(s, 200, "{b}");
    Ok(())
}

#[test]
fn a_schedule_that_is_never_due_is_refused() {
    let (s, _, b) = call(
        http("POST", "/v1/schedules", Some(&env("WRIT_TOKEN"))).send_json(json!({
            "program_id": "prog_none", "cron": "0 0 31 2 *", "prefix": "x/"
        })),
    );
    // Checked before the program is looked up: the cron itself is the problem.
    assert_eq!(s, 422, "{b}");
    assert!(
        b["detail"]
            .as_str()
            .is_some_and(|d| d.contains("never due")),
        "{b}"
    );
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
