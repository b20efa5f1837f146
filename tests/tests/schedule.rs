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

fn fire_cron() -> anyhow::Result<()> {
    let (s, _, b) = call(http("GET", "/__scheduled?cron=*%2F5+*+*+*+*", None).call());
    anyhow::ensure!(s == 200, "the test-scheduled endpoint answered {s}: {b}");
    Ok(())
}

#[test]
fn a_schedule_runs_its_program_once_per_due_time() -> anyhow::Result<()> {
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
    let id = admin.ok(&[
        "schedule",
        "create",
        &program,
        "--cron",
        "* * * * *",
        "--prefix",
        &format!("e2e/{program}/"),
    ])?;
    assert!(id.starts_with("sch_"), "{id}");

    // Fired twice within one minute, the schedule starts exactly one run.
    let started = loop {
        let before = runs_of(&program)?;
        let minute = chrono_minute();
        fire_cron()?;
        fire_cron()?;
        if chrono_minute() == minute {
            break runs_of(&program)?
                .into_iter()
                .filter(|r| !before.contains(r))
                .collect::<Vec<_>>();
        }
        // The minute turned between the two firings; both may legitimately have started a run. Try again.
        std::thread::sleep(std::time::Duration::from_secs(2));
        for r in runs_of(&program)?
            .into_iter()
            .filter(|r| !before.contains(r))
        {
            let _ = admin.try_run(&["cancel", &r]);
        }
    };
    assert_eq!(started.len(), 1, "one run per due time: {started:?}");
    let run2 = &started[0];
    let st = admin.wait(run2)?;
    if st == "awaiting_approval" {
        approve_and_finish(&admin, &reviewer, run2)?;
    }
    let status = admin.status(run2)?;
    assert_eq!(status["state"], "succeeded", "{status}");
    assert_eq!(status["mode"], "sealed");
    let out = scratch("schedule/run");
    let expect = scratch("schedule/oracle");
    admin.export(run2, &out)?;
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
    let _ = json!({});
    Ok(())
}

/// The current UTC minute since the epoch.
fn chrono_minute() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 60)
        .unwrap_or(0)
}
