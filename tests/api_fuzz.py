#!/usr/bin/env python3
"""The API held to its OpenAPI document.

1. `worker/openapi.json` must validate against the OpenAPI 3.1 schema (openapi-spec-validator).
2. schemathesis fuzzes the running Worker at `$WRIT_API`, driven by the document the Worker serves at
   `$WRIT_API/v1/openapi.json`, as the admin `$WRIT_TOKEN`, with every check schemathesis has (no 5xx, status
   codes / content types / bodies as documented, invalid requests rejected, valid ones accepted, undeclared
   methods answered 405 ...), a deterministic seed and a bounded number of examples per operation.

Exit status 0 only when both pass. Needs the packages of `tests/requirements.txt` and a running stack
(`cargo xtask up && . .writ/env`); run through `cargo xtask test` (the `openapi` test of `writ-e2e`).

So that the fuzzer reaches past "404 no such run", it first makes real data (a fixture), reused on later runs:
the billing-audit inputs of `../shared/data/billing-audit` uploaded, a run of the `billing-audit` workflow with
the built-in deterministic provider (no model), its report gate approved by a separate reviewer token, the run
sealed into a program. Path parameters are then drawn from those ids most of the time (and at random otherwise).

Options: `--spec-file` fuzzes with the local `worker/openapi.json` instead of the served one (to try a change to
the document without rebuilding the Worker); `--max-examples N`; `--seed N`; `--no-fixture`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "worker" / "openapi.json"
FIXTURE_DATA = ROOT.parent / "shared" / "data" / "billing-audit"
FIXTURE_KEY = "api-fuzz-fixture-v1"  # Idempotency-Key: one fixture run per stack, reused across invocations
REPORT_STEP = "ps-9-report"  # the billing-audit workflow's approval gate


# --------------------------------------------------------------------------------------------------------
# 1. The document against the OpenAPI 3.1 schema


def validate_document(path: Path) -> bool:
    from openapi_spec_validator import OpenAPIV31SpecValidator

    doc = json.loads(path.read_text())
    if doc.get("openapi", "").split(".")[:2] != ["3", "1"]:
        print(f"FAIL {path}: `openapi` is {doc.get('openapi')!r}, expected 3.1.x")
        return False
    errors = list(OpenAPIV31SpecValidator(doc).iter_errors())
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        print(f"FAIL {path.relative_to(ROOT)} at {where}: {e.message[:400]}")
    if not errors:
        ops = sum(1 for item in doc["paths"].values() for m in item if m in {"get", "put", "post", "delete", "patch"})
        print(f"ok   {path.relative_to(ROOT)} is a valid OpenAPI {doc['openapi']} document ({ops} operations)")
    return not errors


# --------------------------------------------------------------------------------------------------------
# The fixture: a succeeded, sealed billing-audit run


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body=None, *, token=None, headers=None, raw: bytes | None = None):
        h = {"authorization": f"Bearer {token or self.token}"}
        data = None
        if raw is not None:
            data, h["content-type"] = raw, "application/octet-stream"
        elif body is not None:
            data, h["content-type"] = json.dumps(body).encode(), "application/json"
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text

    def ok(self, method: str, path: str, body=None, **kw):
        status, out = self.call(method, path, body, **kw)
        if status >= 300:
            raise RuntimeError(f"fixture: {method} {path} answered {status}: {str(out)[:500]}")
        return out


def make_fixture(api: Api) -> dict:
    """Ids of real objects for the path parameters: a succeeded run, its artifacts and step, its program."""
    if not FIXTURE_DATA.is_dir():
        raise RuntimeError(f"fixture: {FIXTURE_DATA} is missing (the shared billing-audit data)")
    inputs = {}
    for f in sorted(FIXTURE_DATA.iterdir()):
        if f.is_file():
            up = api.ok("POST", f"/v1/inputs?name={urllib.parse.quote(f.name)}", raw=f.read_bytes())
            inputs[f.stem] = {"hash": up["hash"], "name": f.name}
    run = api.ok("POST", "/v1/runs", {"workflow": "billing-audit", "inputs": inputs}, headers={"idempotency-key": FIXTURE_KEY})
    run_id = run["id"]
    print(f"     fixture run {run_id} ({run['state']})")
    deadline = time.time() + 240
    approved = False
    while True:
        run = api.ok("GET", f"/v1/runs/{run_id}")
        state = run["state"]
        if state == "succeeded":
            break
        if state in ("failed", "cancelled"):
            raise RuntimeError(f"fixture: run {run_id} is {state}: {run.get('error')}")
        if state == "awaiting_approval" and not approved:
            reviewer = api.ok("POST", "/v1/tokens", {"name": "api-fuzz-reviewer", "scopes": ["runs:read", "approve"]})["token"]
            for step in run["pending_approvals"]:
                api.ok("POST", f"/v1/runs/{run_id}/steps/{step}/approve", {"comment": "api fuzz fixture"}, token=reviewer)
            approved = True
        if time.time() > deadline:
            raise RuntimeError(f"fixture: run {run_id} still {state} after 240 s")
        time.sleep(1)
    artifacts = [a["name"] for a in api.ok("GET", f"/v1/runs/{run_id}/artifacts")["artifacts"]]
    records = set()  # the validation reports and audit proofs behind the artifacts (GET .../records/{hash})
    for name in artifacts:
        record = api.ok("GET", f"/v1/runs/{run_id}/artifacts/{urllib.parse.quote(name)}/provenance")["record"]
        records.update(record[k] for k in ("validation_report", "audit_proof") if isinstance(record.get(k), str))
    program = api.ok("POST", f"/v1/runs/{run_id}/seal")["id"]
    print(f"     fixture program {program}; {len(artifacts)} artifacts, {len(records)} records")
    return {"run_id": run_id, "artifacts": artifacts, "program_id": program, "step": REPORT_STEP, "records": sorted(records)}


# --------------------------------------------------------------------------------------------------------
# 2. schemathesis


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string for the text used here


def config_toml(fx: dict | None, *, seed: int, max_examples: int) -> str:
    lines = [
        f"seed = {seed}",
        # Every check: no 5xx, documented status codes, content types, headers and bodies; schema-violating
        # requests rejected and schema-valid ones accepted; undeclared methods answered 405 with Allow; ...
        "[checks]",
        "enabled = true",
        "[generation]",
        f"max-examples = {max_examples}",
        # Every method an operation does not declare must be answered 405 with an Allow header (RFC 9110).
        "[phases.coverage]",
        'unexpected-methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "TRACE"]',
        "[phases.stateful]",
        "max-steps = 6",
        "",
        # `positive_data_acceptance` expects a schema-valid request to succeed. These operations also judge what
        # JSON Schema cannot say, and answer a well-formed request 422 (documented) when it does not hold: a plan
        # candidate must compile against the catalog (compilePlan, createRun), a workflow or profile id must be in
        # the catalog, input hashes must name uploads of this tenant with the inputs the plan needs (createRun,
        # runProgram), a cron's five fields must be in range and the program must exist (createSchedule).
        # A replay needs a run that called models (the fixture did not: 409); a profile change needs a catalog
        # profile (422) on a run that has neither ended nor called a model (409). A repair needs a run awaiting
        # one (409), an input slot of the step and an uploaded input (422).
        "[[operations]]",
        'include-operation-id = ["compilePlan", "createRun", "runProgram", "createSchedule", "replayRun", "changeRunProfile", "repair"]',
        'checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422]',
        # Refused by policy, not by the fuzzer's data: the fuzzer is the fixture run's creator (the admin), who
        # may never decide its own run's gate, and the fixture run is finished (403, documented).
        "[[operations]]",
        'include-operation-id = ["approve", "reject"]',
        'checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409]',
    ]
    if fx:
        lines += ["", "[dictionaries.run_id]", f"values = [{toml_str(fx['run_id'])}]"]
        lines += ["[dictionaries.program_id]", f"values = [{toml_str(fx['program_id'])}]"]
        lines += ["[dictionaries.artifact]", f"values = [{', '.join(toml_str(a) for a in fx['artifacts'])}]"]
        lines += ["[dictionaries.step]", f"values = [{toml_str(fx['step'])}]"]
        if fx["records"]:
            lines += ["[dictionaries.record]", f"values = [{', '.join(toml_str(r) for r in fx['records'])}]"]
        lines += [
            "[parameters]",
            '"path.run_id" = { dictionary = "run_id", probability = 0.8 }',
            '"path.program_id" = { dictionary = "program_id", probability = 0.8 }',
            '"path.step" = { dictionary = "step", probability = 0.5 }',
            '"query.artifact" = { dictionary = "artifact", probability = 0.8 }',
            "",
            "[[operations]]",
            'include-path-regex = "^/v1/runs/\\\\{run_id\\\\}/artifacts/\\\\{name\\\\}"',
            'parameters = { "path.name" = { dictionary = "artifact", probability = 0.8 } }',
            "[[operations]]",
            'include-operation-id = "getRecord"',
            'parameters = { "path.hash" = { dictionary = "record", probability = 0.8 } }' if fx["records"] else "",
            # Schedules over the fixture program with a valid cron, so that some are created (and deleted).
            "[dictionaries.cron]",
            'values = ["0 3 * * *", "*/15 * * * 1-5"]',
            "[[operations]]",
            'include-operation-id = "createSchedule"',
            'parameters = { "body.program_id" = { dictionary = "program_id", probability = 0.7 }, "body.cron" = { dictionary = "cron", probability = 0.7 } }',
        ]
    return "\n".join(lines) + "\n"


def run_schemathesis(location: str, base: str, token: str, config: str, report_dir: Path) -> int:
    cfg = report_dir / "schemathesis.toml"
    cfg.write_text(config)
    st = shutil.which("st") or shutil.which("schemathesis")
    cmd = [st] if st else [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"]
    cmd += ["--config-file", str(cfg), "run", location, "--url", base,
            "--header", f"Authorization: Bearer {token}",
            "--request-timeout", "30",
            "--report", "junit,ndjson", "--report-dir", str(report_dir)]  # fmt: skip
    print(f"     schemathesis config ({cfg}):\n" + "".join("       " + l + "\n" for l in config.splitlines()))
    env = dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1")
    return subprocess.call(cmd, env=env, cwd=report_dir)


def junit_failures(report_dir: Path) -> list[str]:
    """One line per failure of the newest JUnit report: the operation, the check's code and what it says."""
    import re
    import xml.etree.ElementTree as ET

    reports = sorted(report_dir.glob("junit-*.xml"), key=lambda p: p.stat().st_mtime)
    if not reports:
        return ["(no JUnit report was written)"]
    out = []
    for case in ET.parse(reports[-1]).iter("testcase"):
        for f in case:
            if f.tag not in ("failure", "error"):
                continue
            text = f.text or f.get("message") or ""
            for block in re.split(r"\n(?=- )", text)[1:] or [text]:
                lines = [l.strip() for l in block.splitlines() if l.strip()]
                code = lines[0].lstrip("- ") if lines else f.tag
                what = lines[1] if len(lines) > 1 else ""
                curl = next((l for l in lines if l.startswith("curl ")), "")
                m = re.search(r"-X (\w+) .*?'?(https?://[^\s']+)", curl)
                req = f"{m.group(1)} {m.group(2)}" if m else ""
                out.append(f"{case.get('name')}: {code}: {what}" + (f"  [{req}]" if req else ""))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--spec-file", action="store_true", help="fuzz with the local worker/openapi.json")
    ap.add_argument("--max-examples", type=int, default=int(os.environ.get("WRIT_FUZZ_EXAMPLES", "50")))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("WRIT_FUZZ_SEED", "20261125")))
    ap.add_argument("--no-fixture", action="store_true")
    ap.add_argument("--report-dir", type=Path, default=None)
    args = ap.parse_args()

    base, token = os.environ.get("WRIT_API"), os.environ.get("WRIT_TOKEN")
    if not base or not token:
        print("FAIL WRIT_API and WRIT_TOKEN must be set: run through `cargo xtask test`, or `. .writ/env` after `cargo xtask up`")
        return 2

    started = time.time()
    print("== 1. worker/openapi.json against the OpenAPI 3.1 schema")
    doc_ok = validate_document(SPEC_FILE)

    api = Api(base, token)
    try:
        status, served = api.call("GET", "/v1/openapi.json")
    except OSError as e:
        print(f"FAIL {base} is not reachable: {e}")
        return 2
    if status != 200:
        print(f"FAIL GET /v1/openapi.json answered {status}")
        return 1
    if served != json.loads(SPEC_FILE.read_text()):
        print("note the served document differs from worker/openapi.json (the Worker was built from another version)")

    print(f"== 2. schemathesis against {base}")
    fx = None
    if not args.no_fixture:
        fx = make_fixture(api)
    schedules_before = {s.get("id") for s in api.ok("GET", "/v1/schedules")["schedules"]}
    report_dir = args.report_dir or Path(tempfile.mkdtemp(prefix="writ-api-fuzz-"))
    report_dir.mkdir(parents=True, exist_ok=True)
    location = str(SPEC_FILE) if args.spec_file else f"{base.rstrip('/')}/v1/openapi.json"
    rc = run_schemathesis(location, base, token, config_toml(fx, seed=args.seed, max_examples=args.max_examples), report_dir)

    # The fuzzer may have made schedules over the fixture program; leave none behind to fire from cron.
    for s in api.ok("GET", "/v1/schedules")["schedules"]:
        if s.get("id") not in schedules_before:
            api.call("DELETE", f"/v1/schedules/{urllib.parse.quote(str(s['id']), safe='')}")

    took = time.time() - started
    print("== summary")
    print(f"     OpenAPI 3.1 validation: {'ok' if doc_ok else 'FAILED'}")
    print(f"     schemathesis: {'ok' if rc == 0 else f'FAILED (exit {rc})'}; reports in {report_dir}")
    if rc != 0:
        for line in junit_failures(report_dir):
            print(f"       {line[:300]}")
    print(f"     {took:.0f} s")
    return 0 if doc_ok and rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
