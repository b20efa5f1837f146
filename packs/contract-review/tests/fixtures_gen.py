"""Runs the contract-review programs (pipeline.py) on a slice of the shared batch plus a contract missing a
clause, an empty file and a non-UTF-8 file, and writes every artifact as the ladder's checks see it (tables
as JSON rows of strings, JSON as is, Markdown as a string) to the path given: {"artifacts": {slot: value}}.
Used by tests/checks.rs to hold every check against the programs' real outputs."""
import csv
import io
import json
import os
import sys

import perturb
import pipeline

TABLES = ("clauses", "clause_deviations", "clause_exceptions", "deviations", "exceptions")


def main(path):
    with open(os.path.join(pipeline.FOLDER, "standard_msa.md"), encoding="utf-8") as f:
        standard = f.read()
    files, _ = perturb.batch(standard, n=8, seed=3)
    batch = pipeline.shared_contracts()[:30] + [f for f in files if f[0] in ("VC-9007.txt", "VC-9998.txt",
                                                                             "VC-9999.txt")]
    tools = pipeline.Tools()
    try:
        result = pipeline.run_pipeline(os.path.join(pipeline.FOLDER, "standard_msa.md"), batch, tools, shard=10)
    finally:
        tools.close()
    artifacts = {}
    for slot in TABLES:
        artifacts[slot] = list(csv.DictReader(io.StringIO(result.text(slot))))
    for slot in ("batch_profile", "standard_clauses"):
        artifacts[slot] = result.json(slot)
    artifacts["report"] = result.text("report")
    for run in result.runs:
        pipeline.cleanup(run)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"artifacts": artifacts}, f)


if __name__ == "__main__":
    main(sys.argv[1])
