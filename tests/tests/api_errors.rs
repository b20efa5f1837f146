//! Bad requests get the right 4xx problem+json, never a 5xx; another tenant's run does not exist.

use serde_json::json;
use writ_e2e::*;

fn problem(status: u16, ctype: &str, body: &serde_json::Value, want: u16, slug: &str) {
    assert_eq!(status, want, "{body}");
    assert!(
        ctype.starts_with("application/problem+json"),
        "content type {ctype}"
    );
    assert_eq!(body["status"], want);
    assert!(
        body["type"].as_str().unwrap_or("").ends_with(slug),
        "type {} should end with {slug}",
        body["type"]
    );
}

#[test]
fn malformed_requests_get_precise_problems() {
    let token = env("WRIT_TOKEN");
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .set("content-type", "application/json")
            .send_string("{\"inputs\": "),
    );
    problem(s, &c, &b, 400, "malformed-json");
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .set("content-type", "text/plain")
            .send_string("{}"),
    );
    problem(s, &c, &b, 415, "unsupported-media-type");
    let big = "x".repeat(2 << 20);
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .set("content-type", "application/json")
            .send_string(&big),
    );
    problem(s, &c, &b, 413, "payload-too-large");
    let (s, c, b) = call(http("GET", "/v1/runs", None).call());
    problem(s, &c, &b, 401, "unauthorized");
    let (s, c, b) = call(http("GET", "/v1/runs", Some("writ_not_a_token")).call());
    problem(s, &c, &b, 401, "unauthorized");
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .send_json(json!({"workflow": "billing-audit", "inputs": {}, "surprise": 1})),
    );
    problem(s, &c, &b, 422, "invalid-request");
    assert_eq!(b["pointer"], "/surprise");
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .send_json(json!({"workflow": "billing-audit", "inputs": {}})),
    );
    problem(s, &c, &b, 422, "invalid-request");
    assert!(
        b["pointer"].as_str().unwrap_or("").starts_with("/inputs/"),
        "{b}"
    );
    let (s, c, b) = call(
        http("POST", "/v1/runs", Some(&token))
            .send_json(json!({"workflow": "no-such-workflow", "inputs": {}})),
    );
    problem(s, &c, &b, 422, "invalid-request");
    let (s, c, b) =
        call(http("POST", "/v1/plans/compile", Some(&token)).send_json(
            json!({"candidate": {"objective": "x", "steps": [{"id": "a", "bogus": 1}]}}),
        ));
    problem(s, &c, &b, 422, "plan-rejected");
    assert!(
        b["diagnostics"]
            .as_array()
            .map(|d| !d.is_empty())
            .unwrap_or(false),
        "{b}"
    );
    let (s, c, b) = call(http("DELETE", "/v1/health", None).call());
    problem(s, &c, &b, 405, "method-not-allowed");
    // A method the runtime does not know is not read as GET.
    for method in ["QUERY", "PROPFIND"] {
        let (s, c, b) = call(http(method, "/v1/health", None).call());
        problem(s, &c, &b, 405, "method-not-allowed");
    }
}

#[test]
fn another_tenants_run_is_not_found() -> anyhow::Result<()> {
    let admin = Writ::admin();
    let up = admin.ok(&[
        "upload",
        &billing_data().join("matters.csv").to_string_lossy(),
    ])?;
    assert!(up.contains("b3:"));
    // A run of this tenant (it fails fast or not; only its existence matters here).
    let run = admin.ok(&[
        "run",
        "--workflow",
        "billing-audit",
        "--inputs",
        &billing_data().to_string_lossy(),
    ])?;
    let created = call(
        http("POST", "/v1/tokens", Some(&env("WRIT_TOKEN")))
            .send_json(json!({"name": "outsider", "scopes": ["runs:read", "runs:write"], "tenant": "other-tenant"})),
    );
    assert_eq!(created.0, 201, "{}", created.2);
    let outsider = created.2["token"].as_str().unwrap_or_default().to_string();
    let (s, _, b) = call(http("GET", &format!("/v1/runs/{run}"), Some(&outsider)).call());
    assert_eq!(
        s, 404,
        "another tenant's run must look like no run at all: {b}"
    );
    let (s, _, _) = call(
        http(
            "GET",
            &format!("/v1/runs/{run}/artifacts/findings.csv"),
            Some(&outsider),
        )
        .call(),
    );
    assert_eq!(s, 404);
    let (s, _, b) = call(http("GET", &format!("/v1/runs/{run}"), Some(&env("WRIT_TOKEN"))).call());
    assert_eq!(s, 200, "{b}");
    // A tenant admin cannot mint tokens for another tenant.
    let tenant_admin = admin.ok(&[
        "token",
        "create",
        "--name",
        "local-admin",
        "--scopes",
        "admin",
    ])?;
    let (s, _, b) = call(
        http("POST", "/v1/tokens", Some(&tenant_admin))
            .send_json(json!({"name": "x", "scopes": ["admin"], "tenant": "other-tenant"})),
    );
    assert_eq!(s, 403, "{b}");
    let _ = admin.try_run(&["cancel", &run]);
    Ok(())
}
