"""Running the site-build reference programs in template order through the runtime's test harness, the way
the platform would: JSON manifests fanned out over `/pages` are sliced per shard, shard outputs merged
(directory artifacts: the union of their files; tables: their rows in shard order)."""
import builtins
import csv
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PACK = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(PACK, "..", "..", "container", "runtime", "tests"))

import harness  # noqa: E402
from harness import DATA, REPO, Refuse, cleanup, run_step  # noqa: E402,F401

PROGRAMS = os.path.join(PACK, "programs")
MANIFEST = os.path.join(DATA, "site-build", "site_manifest.json")


def _open_making_dirs(file, mode="r", *args, **kwargs):
    # The harness writes input files as inputs/<slot>/<name>; a directory artifact's file names hold folders
    # ("drills/index.html"), whose parent folders the harness does not create. Make them.
    if isinstance(file, str) and any(m in mode for m in "wax"):
        os.makedirs(os.path.dirname(file) or ".", exist_ok=True)
    return builtins.open(file, mode, *args, **kwargs)


harness.open = _open_making_dirs

with open(os.path.join(PACK, "template.json"), encoding="utf-8") as _f:
    TEMPLATE = json.load(_f)


def steps():
    """(step id, {input slot: (producer, slot)}, [output slots], fan_out or None) in template order."""
    out = []
    for step in TEMPLATE["steps"]:
        inputs = {slot: tuple(ref.split(".", 1)) for slot, ref in step["inputs"].items()}
        out.append((step["id"], inputs, [o["slot"] for o in step["outputs"]], step.get("fan_out")))
    return out


def slice_json(files, pointer, start, stop):
    (name, data), = files
    doc = json.loads(data)
    key = pointer.strip("/")
    doc[key] = doc[key][start:stop]
    return [(name, json.dumps(doc, ensure_ascii=False).encode("utf-8"))]


def merge(kind, parts):
    if kind == "table.csv":
        header, rows = None, []
        for files in parts:
            (name, data), = files
            reader = csv.reader(io.StringIO(data.decode("utf-8")))
            header = next(reader)
            rows.extend(reader)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        return [(name, buf.getvalue().encode("utf-8"))]
    merged = []
    for files in parts:
        merged.extend(files)
    return merged


class Pipeline:
    """The outcome of one run: every artifact by "step.slot", the step runs, the failed step (if any)."""

    def __init__(self):
        self.artifacts, self.runs, self.failed, self.stderr, self.calls = {}, [], None, "", []

    def files(self, ref):
        return dict(self.artifacts[ref][1])

    def json(self, ref):
        (name, data), = self.artifacts[ref][1]
        return json.loads(data)


def run_pipeline(manifest_path, tools, shard_size=None, stop_after=None):
    """Run every step of the template on ``manifest_path``; ``shard_size`` overrides the fan-out's.
    Stops at the first failing step (``Pipeline.failed``)."""
    with open(manifest_path, "rb") as f:
        data = f.read()
    result = Pipeline()
    result.artifacts["run.site_manifest"] = ("object.json", [("site_manifest.json", data)])
    for step, inputs, outputs, fan_out in steps():
        bound = {slot: result.artifacts["%s.%s" % ref] for slot, ref in inputs.items()}
        shards = [bound]
        if fan_out:
            over = fan_out["over"]
            kind, files = bound[over]
            if fan_out.get("items"):
                count = len(json.loads(files[0][1])[fan_out["items"].strip("/")])
            else:
                files = sorted(files)  # a bundle's items: its files, by path
                count = len(files)
            size = shard_size or fan_out.get("shard_size") or count
            shards = []
            for start in range(0, count, size):
                shard = dict(bound)
                shard[over] = (kind, slice_json(files, fan_out["items"], start, start + size)
                               if fan_out.get("items") else files[start:start + size])
                shards.append(shard)
        parts = {slot: [] for slot in outputs}
        for shard in shards:
            run = run_step(os.path.join(PROGRAMS, step + ".py"), shard, tools)
            result.runs.append((step, run))
            result.calls.extend(run.calls)
            if run.returncode != 0:
                result.failed, result.stderr = step, run.stderr
                return result
            if sorted(run.emitted) != sorted(outputs):
                raise AssertionError("%s emitted %s, the template says %s" % (step, sorted(run.emitted), outputs))
            for slot in outputs:
                kind, files = run.artifact(slot)
                parts[slot].append(files)
        for slot in outputs:
            kind = result.runs[-1][1].emitted[slot]["kind"]
            result.artifacts["%s.%s" % (step, slot)] = (kind, merge(kind, parts[slot]))
        if stop_after == step:
            break
    return result


def cleanup_pipeline(result):
    for _, run in result.runs:
        cleanup(run)
