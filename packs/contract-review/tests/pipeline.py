"""Runs the contract-review reference programs in template order through the sandbox harness
(container/runtime/tests/harness.py), fanning review_contracts out in shards as the platform does and
merging the shards' tables, with `evaluator.judge` answered by the built-in evaluator through
`writ tool serve` (WRIT_BIN, default target/debug/writ)."""
import csv
import io
import os
import subprocess
import sys
import json
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PACK = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACK))
sys.path.insert(0, os.path.join(REPO, "container", "runtime", "tests"))

from harness import DATA, Refuse, cleanup, run_step  # noqa: E402,F401

PROGRAMS = os.path.join(PACK, "programs")
FOLDER = os.path.join(DATA, "contract-review")
SHARD = 25


class Tools:
    """The platform's tools for the steps, as the bridge runs them under the built-in profile: one
    `writ tool serve` process (WRIT_BIN, default the workspace's debug build) answering JSON lines."""

    def __init__(self):
        binary = os.environ.get("WRIT_BIN", os.path.join(REPO, "target", "debug", "writ"))
        if not os.path.exists(binary):
            raise RuntimeError("%s is missing: build it with `cargo build -p writ-cli` (or set WRIT_BIN)" % binary)
        newest = max(os.path.getmtime(os.path.join(d, f))
                     for d, _, fs in os.walk(os.path.join(PACK, "src")) for f in fs)
        if os.path.getmtime(binary) < newest:
            sys.stderr.write("warning: %s is older than packs/contract-review/src: rebuild it "
                             "(cargo build -p writ-cli) to judge with the evaluator as it is\n" % binary)
        self.cmd = [binary, "tool", "serve"]
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lock = threading.Lock()
        self.calls = 0

    def __call__(self, name, args):
        with self.lock:
            self.calls += 1
            self.proc.stdin.write(json.dumps({"tool": name, "args": args}) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self.proc.stdout.readline())
        if not answer["ok"]:
            raise Refuse(answer["error"]["code"], answer["error"]["message"])
        return answer["result"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _merge_tables(parts):
    """Shard outputs (kind, [(name, bytes)]) of one CSV slot merged as the platform merges them: one header,
    rows in shard order."""
    header, rows, name = None, [], None
    for kind, files in parts:
        name, data = files[0]
        text = data.decode("utf-8")
        lines = text.splitlines(keepends=True)
        if not lines:
            continue
        if header is None:
            header = lines[0]
        rows.extend(lines[1:])
    return ("table.csv", [(name, ((header or "") + "".join(rows)).encode("utf-8"))])


class Result:
    def __init__(self, artifacts, runs, calls):
        self.artifacts, self.runs, self.calls = artifacts, runs, calls

    def text(self, slot):
        return self.artifacts[slot][1][0][1].decode("utf-8")

    def rows(self, slot):
        return list(csv.DictReader(io.StringIO(self.text(slot))))

    def json(self, slot):
        return json.loads(self.text(slot))


def run_pipeline(standard_path, contract_files, tools, test=None, shard=SHARD):
    """``contract_files``: [(name, path or bytes)]. Returns a Result with every slot's artifact."""
    artifacts = {"standard": ("file.text", [(os.path.basename(standard_path), standard_path)]),
                 "contracts": ("file.batch", list(contract_files))}
    runs = []

    def step(program, inputs, outputs, tools_=None):
        run = run_step(os.path.join(PROGRAMS, program + ".py"), inputs, tools_)
        runs.append(run)
        if test is not None:
            test.addCleanup(cleanup, run)
            test.assertEqual(run.returncode, 0, "%s failed:\n%s" % (program, run.stderr[-3000:]))
            test.assertEqual(sorted(run.emitted), sorted(outputs), program)
        elif run.returncode != 0:
            raise RuntimeError("%s failed:\n%s" % (program, run.stderr[-3000:]))
        return run

    r = step("profile_batch", {"contracts": artifacts["contracts"]}, ["batch_profile"])
    artifacts["batch_profile"] = r.artifact("batch_profile")
    r = step("segment_standard", {"standard": artifacts["standard"]}, ["standard_clauses"])
    artifacts["standard_clauses"] = r.artifact("standard_clauses")
    files = sorted(artifacts["contracts"][1], key=lambda f: f[0])
    shards = [files[i:i + shard] for i in range(0, len(files), shard)] or [[]]
    parts = {"clauses": [], "clause_deviations": [], "clause_exceptions": []}
    for chunk in shards:
        r = step("review_contracts", {"contracts": ("file.batch", chunk),
                                      "standard_clauses": artifacts["standard_clauses"]},
                 list(parts), tools)
        for slot in parts:
            parts[slot].append(r.artifact(slot))
    for slot, ps in parts.items():
        artifacts[slot] = _merge_tables(ps)
    r = step("merge", {s: artifacts[s] for s in ("clause_deviations", "clause_exceptions", "clauses",
                                                 "standard_clauses", "batch_profile")}, ["deviations", "exceptions"])
    for slot in ("deviations", "exceptions"):
        artifacts[slot] = r.artifact(slot)
    r = step("report", {s: artifacts[s] for s in ("deviations", "clauses", "exceptions", "standard_clauses")},
             ["report"])
    artifacts["report"] = r.artifact("report")
    return Result(artifacts, runs, tools.calls if hasattr(tools, "calls") else None)


def shared_contracts():
    folder = os.path.join(FOLDER, "contracts")
    return [(name, os.path.join(folder, name)) for name in sorted(os.listdir(folder))]


if __name__ == "__main__":
    import time
    t = time.time()
    tools = Tools()
    try:
        res = run_pipeline(os.path.join(FOLDER, "standard_msa.md"), shared_contracts(), tools)
    finally:
        tools.close()
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cr/out"
    os.makedirs(out, exist_ok=True)
    for slot in ("deviations", "clauses", "exceptions", "report", "standard_clauses", "batch_profile"):
        with open(os.path.join(out, slot), "w") as f:
            f.write(res.text(slot))
    for r in res.runs:
        cleanup(r)
    print("done in %.1fs, %d tool calls" % (time.time() - t, res.calls))
