"""Run the resume-screening programs in template order through container/runtime/tests/harness.py.

`Tools` answers the harness's tool calls through `writ tool serve` ($WRIT_BIN, default target/debug/writ),
which serves the platform tools and every registered pack's built-in evaluators.
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PACK = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACK))
sys.path.insert(0, os.path.join(REPO, "container", "runtime", "tests"))
from harness import DATA, Refuse, cleanup, run_step  # noqa: E402

PROGRAMS = os.path.join(PACK, "programs")
FOLDER = os.path.join(DATA, "resume-screening")


def serve_command():
    """`writ tool serve` ($WRIT_BIN, default target/debug/writ); the tests are skipped while the CLI lacks it."""
    writ_bin = os.environ.get("WRIT_BIN", os.path.join(REPO, "target", "debug", "writ"))
    if os.path.exists(writ_bin):
        probe = subprocess.run([writ_bin, "tool", "serve"], input="", capture_output=True, text=True)
        if probe.returncode == 0:
            return [writ_bin, "tool", "serve"]
    raise unittest.SkipTest("`%s tool serve` is not available: build writ (cargo build -p writ-cli) or set "
                            "WRIT_BIN" % writ_bin)


class Tools:
    """The platform side of the bridge for tests: every call goes to the serve process; calls are counted."""

    def __init__(self):
        self.proc = subprocess.Popen(serve_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.calls = []

    def __call__(self, name, args):
        self.calls.append((name, args.get("item")))
        self.proc.stdin.write(json.dumps({"tool": name, "args": args}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if answer.get("ok"):
            return answer["result"]
        error = answer.get("error") or {}
        raise Refuse(error.get("code", "tool.error"), error.get("message", ""))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def merge_tables(runs, slot):
    """Shard tables concatenated in shard order, as the platform merges a fan-out step's table outputs."""
    header, body = None, []
    for run in runs:
        text = run.text(slot)
        first, _, rest = text.partition("\n")
        header = header or first
        assert first == header, (first, header)
        body.append(rest)
    return "table.csv", [(slot + ".csv", (header + "\n" + "".join(body)).encode())]


def merge_dirs(runs, slot):
    files = []
    for run in runs:
        for name in run.emitted[slot]["files"]:
            with open(os.path.join(run.work, "out", slot, name), "rb") as f:
                files.append((name, f.read()))
    return "file.batch", files


def run_pipeline(folder, tools, test, shard_size=100):
    """extract_rules -> screen (one run per shard) -> merge -> report; returns {slot: StepRun} and shards."""
    def step(name, inputs):
        run = run_step(os.path.join(PROGRAMS, name + ".py"), inputs, tools)
        test.addCleanup(cleanup, run)
        test.assertEqual(run.returncode, 0, "%s failed:\n%s" % (name, run.stderr[-3000:]))
        return run

    posting = ("file.text", [("job_posting.md", os.path.join(folder, "job_posting.md"))])
    rules_run = step("extract_rules", {"posting": posting})
    rules = rules_run.artifact("rules")
    names = sorted(os.listdir(os.path.join(folder, "resumes")))
    shards = []
    for i in range(0, len(names), shard_size):
        batch = [(n, os.path.join(folder, "resumes", n)) for n in names[i:i + shard_size]]
        shards.append(step("screen", {"rules": rules, "resumes": ("file.batch", batch)}))
    screened = merge_tables(shards, "screened")
    batch_ranking = merge_tables(shards, "batch_ranking")
    cards = merge_dirs(shards, "cards")
    merge_run = step("merge", {"screened": screened, "batch_ranking": batch_ranking, "rules": rules})
    report_run = step("report", {"ranking": merge_run.artifact("ranking"),
                                 "candidates": merge_run.artifact("candidates"), "screened": screened,
                                 "cards": cards, "rules": rules})
    return {"rules": rules_run, "shards": shards, "merge": merge_run, "report": report_run,
            "screened": screened, "cards": cards}
