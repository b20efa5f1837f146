"""The governed tool bridge: line-delimited JSON over the fds named by WRIT_BRIDGE_OUT / WRIT_BRIDGE_IN.

``call_tool(name, args)`` writes ``{"id", "tool", "args"}`` and reads ``{"id", "ok", "result"|"error"}``.
A refusal (unknown tool, tool not bound to the step, budget spent, bad args) raises ``ToolError(code,
message)``. Tracked values and Decimals in ``args`` are sent as their plain values (Decimals as strings).
"""
import json
import os
import sys
from decimal import Decimal

from .tracked import Tracked


class ToolError(Exception):
    """A tool call the platform refused or that failed; ``code`` is the platform's stable code."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


_pipes = None
_next_id = 0


def _open():
    global _pipes
    if _pipes is None:
        try:
            out_fd = int(os.environ["WRIT_BRIDGE_OUT"])
            in_fd = int(os.environ["WRIT_BRIDGE_IN"])
            _pipes = (os.fdopen(out_fd, "w", encoding="utf-8", closefd=False),
                      os.fdopen(in_fd, "r", encoding="utf-8", closefd=False))
        except (KeyError, ValueError, OSError) as e:
            raise ToolError("bridge.unavailable", "no tool bridge in this process (%s)" % (e,)) from None
    return _pipes


def _plain(x):
    if isinstance(x, Tracked):
        return _plain(x.value)
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def call_tool(name, args):
    """Call platform tool ``name`` with ``args``; return its result or raise ToolError."""
    global _next_id
    out, inp = _open()
    _next_id += 1
    request_id = _next_id
    out.write(json.dumps({"id": request_id, "tool": name, "args": _plain(args)}, separators=(",", ":")) + "\n")
    out.flush()
    line = inp.readline()
    if not line:
        raise ToolError("bridge.closed", "the bridge closed before answering call %d (%s)" % (request_id, name))
    try:
        answer = json.loads(line)
    except ValueError:
        raise ToolError("bridge.protocol", "unparseable answer to call %d: %r" % (request_id, line[:200])) from None
    if answer.get("id") != request_id:
        raise ToolError("bridge.protocol", "answer id %r does not match call %d" % (answer.get("id"), request_id))
    if answer.get("ok"):
        return answer.get("result")
    error = answer.get("error") or {}
    raise ToolError(error.get("code", "tool.error"), error.get("message", "tool call refused"))


def log(*parts):
    """One line on stderr; the server keeps the tail for the attempt's diagnostics."""
    print(*parts, file=sys.stderr, flush=True)
