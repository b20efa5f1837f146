// The run viewer in a real browser: Debian's Chromium driven by playwright-core, against the local stack
// (`cargo xtask test` runs this with WRIT_API and WRIT_TOKEN set; by hand: `cargo xtask up && . .writ/env`,
// then `cd viewer && WRIT_CHROMIUM=/usr/bin/chromium node --test tests/`). Screenshots go to $WRIT_SCREENS.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, parse, resolve } from "node:path";
import { chromium } from "playwright-core";

const API = process.env.WRIT_API;
const ADMIN = process.env.WRIT_TOKEN;
const CHROMIUM = process.env.WRIT_CHROMIUM ?? "/usr/bin/chromium";
const SCREENS = resolve(process.env.WRIT_SCREENS ?? "../target/viewer-screens");
const DATA = resolve(process.env.WRIT_DATA ?? "../../shared/data/billing-audit");
const GATE = "ps-9-report"; // the billing-audit workflow's approval gate
if (!API || !ADMIN) throw new Error("WRIT_API and WRIT_TOKEN are not set: run through `cargo xtask test`, or `cargo xtask up && . .writ/env` first");

async function api(method, path, { token = ADMIN, body, raw } = {}) {
  const headers = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (raw !== undefined) headers["content-type"] = "application/octet-stream";
  const resp = await fetch(API + path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${method} ${path} answered ${resp.status}: ${text.slice(0, 400)}`);
  return text ? JSON.parse(text) : null;
}

let ctx;
let page;
let userData;
let reviewer;
let outsider;
let runId;

async function shot(name, fullPage = true) {
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage });
}

async function signIn(token) {
  await page.goto(`${API}/`);
  await page.fill("#token", token);
  await page.click("form[data-testid=sign-in] button[type=submit]");
  await page.waitForSelector("[data-testid=who]");
}

async function signOut() {
  await page.click("[data-action=sign-out]");
  await page.waitForSelector("form[data-testid=sign-in]");
}

before(async () => {
  mkdirSync(SCREENS, { recursive: true });
  reviewer = (await api("POST", "/v1/tokens", { body: { name: "viewer-reviewer", scopes: ["runs:read", "approve"] } })).token;
  outsider = (await api("POST", "/v1/tokens", { body: { name: "viewer-outsider", scopes: ["admin"], tenant: "viewer-other-tenant" } })).token;
  userData = mkdtempSync(join(tmpdir(), "writ-viewer-chromium-"));
  ctx = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(30_000);
});

after(async () => {
  await ctx?.close();
  if (userData) rmSync(userData, { recursive: true, force: true });
});

test("sign-in: a wrong token is refused; a good one becomes an HttpOnly, SameSite=Strict session cookie", async () => {
  await page.goto(`${API}/`);
  await page.waitForSelector("form[data-testid=sign-in]");
  await page.fill("#token", "writ_not_a_token");
  await page.click("form[data-testid=sign-in] button[type=submit]");
  await page.waitForSelector("form[data-testid=sign-in] [role=alert]");
  await shot("01-sign-in-refused");
  await page.fill("#token", ADMIN);
  await page.click("form[data-testid=sign-in] button[type=submit]");
  await page.waitForSelector("[data-testid=who]");
  const cookies = await ctx.cookies(API);
  const session = cookies.find((c) => c.name === "writ_session");
  assert.ok(session, "a session cookie is set");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  assert.notEqual(session.value, ADMIN, "the cookie is not the token");
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href);
  assert.ok(!stored.includes(ADMIN), "the token is in no storage, script-readable cookie or URL");
});

test("a billing run's DAG follows the run live; its creator may not approve; a reviewer approves; it reaches succeeded", async () => {
  const inputs = {};
  for (const f of readdirSync(DATA).sort()) {
    const p = join(DATA, f);
    if (!statSync(p).isFile()) continue;
    const up = await api("POST", `/v1/inputs?name=${encodeURIComponent(f)}`, { raw: readFileSync(p) });
    inputs[parse(f).name] = { hash: up.hash, name: f };
  }
  runId = (await api("POST", "/v1/runs", { body: { workflow: "billing-audit", inputs } })).id;
  await page.goto(`${API}/runs/${runId}`);
  await page.waitForSelector(`[data-step-id="${GATE}"]`);
  const nodes = await page.locator("[data-step-id]").count();
  assert.ok(nodes >= 5, `the plan is drawn (${nodes} steps)`);
  await page.waitForSelector('[data-step-id][data-state="published"]', { timeout: 120_000 });
  await shot("02-dag-live");
  // The gate: reached over the event stream, without reloading the page.
  await page.waitForSelector(`[data-step-id="${GATE}"][data-state="awaiting_approval"]`, { timeout: 180_000 });
  await page.click(`[data-step-id="${GATE}"]`);
  await page.waitForSelector("[data-testid=gate-actions]");
  assert.equal(await page.isDisabled("[data-action=approve]"), true, "the creator's approve is disabled");
  await shot("03-gate-creator-refused");

  await signOut();
  await signIn(reviewer);
  await page.goto(`${API}/runs/${runId}`);
  await page.click(`[data-step-id="${GATE}"]`);
  await page.fill("[data-testid=decision-comment]", "Checked the flagged entries against the engagement letter.");
  await shot("04-approval");
  await page.click("[data-action=approve]");
  await page.waitForSelector('[data-testid=run-state]:text("succeeded")', { timeout: 120_000 });
  await page.waitForSelector(`[data-step-id="${GATE}"][data-state="published"]`);
  const states = await page.locator("[data-step-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-state")));
  assert.ok(states.every((s) => s === "published"), `every step published: ${states}`);
  await page.click(`[data-step-id="${GATE}"]`);
  await page.waitForSelector('[data-decision="approve"]');
  await shot("05-dag-succeeded");
});

test("the trace of summary.json's total payable goes down to the time entries' rows", async () => {
  await page.goto(`${API}/`);
  await page.waitForSelector(`tr[data-run-id="${runId}"][data-state="succeeded"]`);
  await page.waitForFunction(() => !document.querySelector('tr[data-loaded="0"]'));
  await shot("00-runs");
  await page.goto(`${API}/runs/${runId}`);
  await page.click('[data-artifact-tab="report.md"]');
  await page.waitForSelector('[data-artifact="report.md"] .markdown h1, [data-artifact="report.md"] .markdown h2');
  await page.click('[data-step-id="ps-7-review_flags"]');
  await page.waitForSelector('[data-panel-step="ps-7-review_flags"] [data-stage]');
  // The report cites its numbers as trace links: one opens the trace of the total billed.
  await page.click('[data-artifact="report.md"] a[href="trace:summary.json:/total_billed"]');
  await page.waitForSelector('[data-testid=trace][data-trace-pointer="/total_billed"] [data-source-row]');
  await page.locator(".run-body").scrollIntoViewIfNeeded();
  await shot("09-report-cites-its-trace", false);
  // A fan-out step: its shards, receipts and validation ladder.
  await page.click('[data-step-id="ps-7-review_flags"]');
  await page.waitForSelector('[data-panel-step="ps-7-review_flags"] [data-stage]');
  await page.locator(".run-body").scrollIntoViewIfNeeded();
  await shot("10-fan-out-step", false);
  await page.click('[data-artifact-tab="summary.json"]');
  await page.click('[data-artifact="summary.json"] [data-pointer="/total_payable"]');
  await page.waitForSelector('[data-testid=trace][data-trace-pointer="/total_payable"] [data-source-row]');
  const sources = await page.locator("[data-testid=trace] [data-source-row]").evaluateAll((els) => els.map((e) => e.getAttribute("data-source-file")));
  assert.ok(sources[0].includes("time_entries"), `the time entries come first: ${sources.slice(0, 3)}`);
  const [file, count] = await page.locator("[data-testid=trace] [data-source-count]").first()
    .evaluate((e) => [e.textContent, Number(e.getAttribute("data-source-count"))]);
  assert.ok(file.includes("time_entries") && count >= 700, `the total payable sums the time entries (${file})`);
  await page.locator('[data-testid=trace] [data-source-file="time_entries.csv"][data-source-row]').first().click();
  await page.waitForSelector("[data-testid=trace] [data-source-content] table");
  const content = await page.textContent("[data-testid=trace] [data-source-content]");
  assert.ok(content && content.length > 10, "the source row's content is shown");
  await shot("06-trace-total-payable");
  await page.goto(`${API}/ledger`);
  await page.waitForSelector("[data-ledger-status]");
  await shot("11-ledger");
});

test("another tenant's run is not found; an expired or ended session returns to sign-in with a message; CSRF is refused", async () => {
  await signOut();
  await signIn(outsider);
  await page.goto(`${API}/runs/${runId}`);
  await page.waitForSelector('[data-testid=problem][data-status="404"]');
  assert.match(await page.textContent("[data-testid=problem]"), /Not found/);
  await shot("07-other-tenant-not-found");

  // A cookie-authenticated change of state without the viewer's header is refused.
  const csrf = await page.evaluate(async (id) => (await fetch(`/v1/runs/${id}/cancel`, { method: "POST" })).status, runId);
  assert.equal(csrf, 403);

  // Ended: the cookie of a session that was signed out no longer works.
  const saved = await ctx.cookies(API);
  await signOut();
  await ctx.addCookies(saved);
  await page.goto(`${API}/`);
  await page.waitForSelector("[data-testid=sign-in-message]");
  assert.match(await page.textContent("[data-testid=sign-in-message]"), /ended/);

  // Expired: a session of one second.
  await page.evaluate(async (token) => {
    await fetch("/v1/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, ttl_seconds: 1 }) });
  }, reviewer);
  await new Promise((r) => setTimeout(r, 1500));
  await page.goto(`${API}/runs/${runId}`);
  await page.waitForSelector("[data-testid=sign-in-message]");
  assert.match(await page.textContent("[data-testid=sign-in-message]"), /expired/);
  await shot("08-session-expired");
});
