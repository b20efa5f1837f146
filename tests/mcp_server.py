"""A local MCP server on the official Python SDK (`mcp`, pinned in tests/requirements.txt) exposing two tools,
for tests/tests/mcp_tools.rs: writ imports them as `mcp.<server>.add` and `mcp.<server>.echo` and a step calls
them through the governed bridge.

    python3 tests/mcp_server.py --port PORT [--stop-after N] [--v2]

Streamable HTTP on 127.0.0.1:PORT/mcp, stateless, JSON responses. `--stop-after N`: the server answers N tool
calls, then stops by itself when the next one comes in, without answering it (a server going down mid-run). `--v2`: `add` takes a third operand, so
its input schema (and its version in writ) changes.
"""

import argparse
import os

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel


class Sum(BaseModel):
    sum: float


class Echo(BaseModel):
    text: str


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--stop-after", type=int, default=0)
    ap.add_argument("--v2", action="store_true")
    opts = ap.parse_args()
    server = MCPServer("writ-test-tools")
    calls = {"n": 0}

    def counted():
        calls["n"] += 1
        if opts.stop_after and calls["n"] > opts.stop_after:
            # Gone in the middle of the call, as a crashed or stopped server would be: no answer, and the
            # port closed for whatever comes next.
            os._exit(0)

    if opts.v2:

        @server.tool(description="Adds three numbers.")
        def add(a: float, b: float, c: float = 0.0) -> Sum:
            counted()
            return Sum(sum=a + b + c)

    else:

        @server.tool(description="Adds two numbers.")
        def add(a: float, b: float) -> Sum:
            counted()
            return Sum(sum=a + b)

    @server.tool(description="Echoes a text back.")
    def echo(text: str) -> Echo:
        counted()
        return Echo(text=text)

    server.run(
        "streamable-http",
        host="127.0.0.1",
        port=opts.port,
        stateless_http=True,
        json_response=True,
    )


if __name__ == "__main__":
    main()
