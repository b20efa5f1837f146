"""An agent's side of writ's MCP server: the official Python SDK's client (`mcp`, pinned in
tests/requirements.txt) against `$WRIT_API/mcp`, over the streamable HTTP transport with a bearer token.

Driven by tests/tests/mcp.rs, in two phases (a person approves the run's gate in between, which no MCP tool can):

    python3 tests/mcp_client.py start < {"candidate": ..., "defective": ..., "inputs": {...}}
    python3 tests/mcp_client.py read  < {"run": "run_..."}

Each phase connects afresh (the server keeps no session), checks what it gets, and prints one JSON report.
"""

import asyncio
import json
import os
import sys

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

EXPECTED_TOOLS = {
    "find_workflows",
    "check_plan",
    "start_run",
    "run_status",
    "list_artifacts",
    "read_artifact",
    "trace_value",
}


def fail(message):
    print(f"mcp_client: {message}", file=sys.stderr, flush=True)
    os._exit(1)  # from inside the client's task groups: a plain exit would bury the message in tracebacks


def client():
    url = os.environ["WRIT_API"].rstrip("/") + "/mcp"
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {os.environ['WRIT_TOKEN']}"})
    # `legacy`: the 2025-11-25 initialize handshake, the revision writ implements.
    return Client(streamable_http_client(url, http_client=http), mode="legacy", read_timeout_seconds=120)


async def call(c, name, args):
    result = await c.call_tool(name, args)
    if result.is_error:
        fail(f"{name} failed: {result.structured_content or result.content}")
    return result.structured_content


async def start(req):
    async with client() as c:
        report = {"protocol_version": c.protocol_version, "server": c.server_info.name}
        tools = (await c.list_tools()).tools
        names = {t.name for t in tools}
        if names != EXPECTED_TOOLS:
            fail(f"tools {sorted(names)}, expected {sorted(EXPECTED_TOOLS)}")
        report["tools"] = sorted(names)
        # The tool list says that gates and repairs stay with people.
        for t in tools:
            if t.name in ("start_run", "run_status") and "approv" not in t.description:
                fail(f"{t.name}'s description does not say who approves")
        found = await call(c, "find_workflows", {"query": "audit billing time entries against an engagement letter"})
        report["first_workflow"] = found["workflows"][0]["id"]
        good = await call(c, "check_plan", {"candidate": req["candidate"]})
        bad = await call(c, "check_plan", {"candidate": req["defective"]})
        report["good"] = {"ok": good["ok"], "plan_hash": good.get("plan_hash"), "steps": len(good.get("steps", []))}
        report["bad"] = {"ok": bad["ok"], "codes": bad["codes"]}
        run = await call(c, "start_run", {"workflow": "billing-audit", "inputs": req["inputs"]})
        report["run"] = run["id"]
        report["state"] = run["state"]
        # Arguments outside the schema are a tool error the agent can read, not a protocol failure.
        wrong = await c.call_tool("run_status", {"run": 42})
        report["wrong_arguments"] = {"is_error": wrong.is_error, "codes": [d["code"] for d in (wrong.structured_content or {}).get("diagnostics", [])]}
    return report


async def read(req):
    async with client() as c:
        run = req["run"]
        status = await call(c, "run_status", {"run": run})
        listed = await call(c, "list_artifacts", {"run": run})
        by_name = {a["name"]: a for a in listed["artifacts"]}
        if "summary.json" not in by_name:
            fail(f"no summary.json among {sorted(by_name)}")
        summary = await call(c, "read_artifact", {"run": run, "name": "summary.json"})
        if summary["hash"] != by_name["summary.json"]["hash"]:
            fail(f"read_artifact's hash {summary['hash']} is not the listed {by_name['summary.json']['hash']}")
        total = json.loads(summary["text"])["total_payable"]
        trace = await call(c, "trace_value", {"run": run, "artifact": "summary.json", "pointer": "/total_payable"})
        missing = await c.call_tool("read_artifact", {"run": run, "name": "no-such.json"})
        return {
            "state": status["state"],
            "pending_approvals": status["pending_approvals"],
            "artifacts": sorted(by_name),
            "summary_hash": summary["hash"],
            "total_payable": total,
            "traced_value": trace["value"],
            "traced_sources": len(trace["sources"]),
            "missing_artifact": {"is_error": missing.is_error, "status": (missing.structured_content or {}).get("status")},
        }


def main():
    phase = sys.argv[1] if len(sys.argv) > 1 else ""
    req = json.load(sys.stdin)
    if phase == "start":
        report = asyncio.run(start(req))
    elif phase == "read":
        report = asyncio.run(read(req))
    else:
        fail("usage: mcp_client.py start|read < request.json")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
