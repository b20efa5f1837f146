"""Runs the nine billing-audit reference programs once, in order, on the shared workload (through the sandbox
runtime's test harness) and writes every input and output as the worker hands them to checks: tables as JSON
rows of string cells, JSON artifacts as their value, text and Markdown as a JSON string.

Usage: python3 fixtures_gen.py <out.json>. Writes {"artifacts": {slot: value}, "row_counts": {slot: n}}.
Nothing generated here is committed; the Rust test runs this into a temporary directory.
"""
import csv
import io
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(REPO, "container", "runtime", "tests"))
sys.path.insert(0, HERE)

import test_programs as pipeline  # noqa: E402


def as_value(kind, files):
    name, data = files[0]
    text = data.decode("utf-8")
    if kind.startswith("table."):
        return list(csv.DictReader(io.StringIO(text)))
    if kind.startswith("object.") or name.endswith(".json"):
        return json.loads(text)
    return text


def main(out_path):
    case = unittest.TestCase()
    runs = pipeline.run_pipeline(pipeline.FOLDER, case)
    artifacts, counts = {}, {}
    for slot, name in pipeline.RAW.items():
        with open(os.path.join(pipeline.FOLDER, name), "rb") as f:
            artifacts[slot] = as_value("table.csv", [(name, f.read())])
    with open(os.path.join(pipeline.FOLDER, "engagement_letter.md"), "rb") as f:
        artifacts["letter"] = f.read().decode("utf-8")
    for slot, run in runs.items():
        artifacts[slot] = as_value(*run.artifact(slot))
    for slot, value in artifacts.items():
        if isinstance(value, list):
            counts[slot] = len(value)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"artifacts": artifacts, "row_counts": counts}, f)
    case.doCleanups()


if __name__ == "__main__":
    main(sys.argv[1])
