"""Runs the site-build programs once on a generated manifest (nested paths, odd characters) and writes every
artifact as the validation ladder reads it (JSON as its value, a table as JSON rows of string cells, a bundle
as {path: text}) to the JSON file named on the command line, keyed "step.slot". Used by tests/checks.rs.
The per-page verdicts here come from a stand-in that passes every page: the checks, not the evaluator, are
under test there."""
import csv
import io
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import manifests  # noqa: E402
import pipeline  # noqa: E402


def passing(name, args):
    return {"verdict": "pass", "reasons": ["stand-in"], "criteria": [], "judged_by": "stand-in"}


def readable(kind, files):
    if kind == "web.bundle.static":
        return {name: data.decode("utf-8") for name, data in files}
    (name, data), = files
    if kind == "table.csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return json.loads(data)


def main(out):
    folder = tempfile.mkdtemp(prefix="site-fixture-")
    manifest = manifests.generate(seed=11, categories=4, products=25, nested=True, odd=True)
    path = manifests.write(manifest, os.path.join(folder, "site_manifest.json"))
    result = pipeline.run_pipeline(path, passing, shard_size=10)
    try:
        if result.failed:
            sys.exit("%s failed:\n%s" % (result.failed, result.stderr))
        artifacts = {ref: readable(kind, files) for ref, (kind, files) in result.artifacts.items()}
    finally:
        pipeline.cleanup_pipeline(result)
        os.remove(path)
        os.rmdir(folder)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"artifacts": artifacts}, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
