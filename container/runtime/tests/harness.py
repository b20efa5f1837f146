"""Run a step program the way the sandbox server does (docs/sandbox-protocol.md), for tests.

``run_step(program, inputs, tools)`` lays out a fresh work dir (program.py, inputs.json, inputs/<slot>/<name>,
skills/, out/), starts ``python3 -I -B writ_boot.py`` with the protocol's environment and the tool bridge on
fds 3 (requests) and 4 (answers), answers each bridge request with ``tools(name, args)`` (raise
``Refuse(code, message)`` to refuse), and returns a ``StepRun`` with the exit status, stderr, the emitted
outputs and the journal of tool calls.
"""
import csv
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading

RUNTIME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(RUNTIME))
DATA = os.path.join(os.path.dirname(REPO), "shared", "data")


class Refuse(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def _hash(data):
    # A stand-in content hash: the real server uses blake3 (not in the standard library); the runtime only
    # passes hashes through.
    return "b3:" + hashlib.blake2b(data, digest_size=32).hexdigest()


class StepRun:
    def __init__(self, work, returncode, stdout, stderr, calls):
        self.work, self.returncode, self.stdout, self.stderr, self.calls = work, returncode, stdout, stderr, calls
        path = os.path.join(work, "out", "emitted.json")
        self.emitted = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.emitted = json.load(f)

    def path(self, slot):
        return os.path.join(self.work, "out", slot, self.emitted[slot]["files"][0])

    def text(self, slot):
        with open(self.path(slot), encoding="utf-8") as f:
            return f.read()

    def json(self, slot):
        return json.loads(self.text(slot))

    def rows(self, slot):
        return list(csv.DictReader(io.StringIO(self.text(slot))))

    def provenance(self, slot):
        with open(os.path.join(self.work, "out", slot + ".provenance.json"), encoding="utf-8") as f:
            return json.load(f)

    def artifact(self, slot):
        """This output as an input for a downstream step: ``(kind, [(name, bytes)])``."""
        kind = self.emitted[slot]["kind"]
        files = []
        for name in self.emitted[slot]["files"]:
            with open(os.path.join(self.work, "out", slot, name), "rb") as f:
                files.append((name, f.read()))
        return kind, files


def _serve(req_r, resp_w, tools, calls):
    with os.fdopen(req_r, "r", encoding="utf-8") as requests, os.fdopen(resp_w, "w", encoding="utf-8") as answers:
        for line in requests:
            request = json.loads(line)
            calls.append(request)
            try:
                if tools is None:
                    raise Refuse("tool.not_bound", "no tools are bound to this step")
                answer = {"id": request["id"], "ok": True, "result": tools(request["tool"], request["args"])}
            except Refuse as r:
                answer = {"id": request["id"], "ok": False, "error": {"code": r.code, "message": r.message}}
            try:
                answers.write(json.dumps(answer) + "\n")
                answers.flush()
            except BrokenPipeError:
                return


def _high(fd):
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def run_step(program, inputs=None, tools=None, keep=False, timeout=300):
    """Run ``program`` (source text, or a path ending in .py) on ``inputs``.

    ``inputs``: ``{slot: (kind, [(name, bytes | path)])}``. ``tools(name, args) -> result``.
    """
    work = tempfile.mkdtemp(prefix="writ-step-")
    if program.endswith(".py") and "\n" not in program and os.path.exists(program):
        shutil.copyfile(program, os.path.join(work, "program.py"))
    else:
        with open(os.path.join(work, "program.py"), "w", encoding="utf-8") as f:
            f.write(program)
    os.makedirs(os.path.join(work, "skills"))
    os.makedirs(os.path.join(work, "out"))
    manifest = {}
    for slot, (kind, files) in (inputs or {}).items():
        entries = []
        for name, content in files:
            if isinstance(content, str):
                with open(content, "rb") as f:
                    content = f.read()
            rel = os.path.join("inputs", slot, *name.split("/"))
            os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
            with open(os.path.join(work, rel), "wb") as f:
                f.write(content)
            entries.append({"name": name, "path": rel, "hash": _hash(content), "size": len(content)})
        slot_hash = entries[0]["hash"] if len(entries) == 1 else _hash(json.dumps(entries).encode())
        manifest[slot] = {"kind": kind, "hash": slot_hash, "files": entries}
    with open(os.path.join(work, "inputs.json"), "w") as f:
        json.dump(manifest, f)

    req_r, req_w = (_high(fd) for fd in os.pipe())
    resp_r, resp_w = (_high(fd) for fd in os.pipe())

    def child_fds():
        os.dup2(req_w, 3)
        os.dup2(resp_r, 4)

    env = {"WRIT_WORK": work, "WRIT_RUNTIME": RUNTIME, "WRIT_BRIDGE_OUT": "3", "WRIT_BRIDGE_IN": "4",
           "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}
    calls = []
    server = threading.Thread(target=_serve, args=(req_r, resp_w, tools, calls), daemon=True)
    server.start()
    try:
        proc = subprocess.run(["python3", "-I", "-B", os.path.join(RUNTIME, "writ_boot.py")], cwd=work, env=env,
                              capture_output=True, text=True, timeout=timeout, preexec_fn=child_fds,
                              close_fds=False)
    finally:
        os.close(req_w)
        os.close(resp_r)
    server.join(timeout=10)
    return StepRun(work, proc.returncode, proc.stdout, proc.stderr, calls)


def cleanup(run):
    shutil.rmtree(run.work, ignore_errors=True)


class ToolServer:
    """The real platform tools and built-in evaluators, as the bridge runs them under the built-in profile:
    one ``writ tool serve`` process answering JSON lines. Use as the ``tools`` of ``run_step``; refusals come
    back as ``Refuse``. ``WRIT_BIN`` names the ``writ`` binary (default: the workspace's debug build)."""

    def __init__(self):
        binary = os.environ.get("WRIT_BIN", os.path.join(REPO, "target", "debug", "writ"))
        if not os.path.exists(binary):
            raise RuntimeError("%s is missing: build it with `cargo build -p writ-cli` (or set WRIT_BIN)" % binary)
        self.proc = subprocess.Popen([binary, "tool", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        self.lock = threading.Lock()

    def __call__(self, name, args):
        with self.lock:
            self.proc.stdin.write(json.dumps({"tool": name, "args": args}) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self.proc.stdout.readline())
        if not answer["ok"]:
            raise Refuse(answer["error"]["code"], answer["error"]["message"])
        return answer["result"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
