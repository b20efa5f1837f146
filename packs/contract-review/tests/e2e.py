"""For the end-to-end tests (tests/tests/workloads.rs): make a held-out-like batch, and check a run's export.

    python3 e2e.py make DIR SEED      DIR/standard_msa.md and DIR/contracts/*.txt (perturbed, generated), and
                                      DIR.truth.json (the generator's own truth)
    python3 e2e.py check INPUTS OUT   OUT/deviations.csv against the truth: INPUTS.truth.json when there is
                                      one, else the independent oracle on INPUTS; exit 1 below F1 0.98 or
                                      exact line ranges 98 %
"""
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import oracle  # noqa: E402
import perturb  # noqa: E402
from score import score  # noqa: E402

SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "contract-review")


def make(out, seed):
    with open(os.path.join(SHARED, "standard_msa.md"), encoding="utf-8") as f:
        standard = f.read()
    files, truth = perturb.batch(standard, n=60, seed=seed)
    os.makedirs(os.path.join(out, "contracts"), exist_ok=True)
    with open(os.path.join(out, "standard_msa.md"), "w", encoding="utf-8") as f:
        f.write(standard)
    for name, data in files:
        with open(os.path.join(out, "contracts", name), "wb") as f:
            f.write(data)
    with open(out.rstrip("/") + ".truth.json", "w", encoding="utf-8") as f:
        json.dump({"deviations": [[k[0], k[1], list(v)] for k, v in truth["deviations"].items()],
                   "unreadable": sorted(truth["unreadable"])}, f)


def check(inputs, out):
    with open(os.path.join(out, "deviations.csv"), encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    truth_path = inputs.rstrip("/") + ".truth.json"
    if os.path.exists(truth_path):
        with open(truth_path, encoding="utf-8") as f:
            doc = json.load(f)
        truth = {(c, k): tuple(v) for c, k, v in doc["deviations"]}
        with open(os.path.join(out, "exceptions.csv"), encoding="utf-8", newline="") as f:
            excepted = {r["contract_id"] for r in csv.DictReader(f)}
        missing = set(doc["unreadable"]) - excepted
        if missing:
            sys.exit("unreadable contracts not reported as exceptions: %s" % sorted(missing))
    else:
        with open(os.path.join(inputs, "standard_msa.md"), encoding="utf-8") as f:
            standard = f.read()
        contracts = {}
        for name in sorted(os.listdir(os.path.join(inputs, "contracts"))):
            with open(os.path.join(inputs, "contracts", name), encoding="utf-8") as f:
                contracts[name.rsplit(".", 1)[0]] = f.read()
        truth = oracle.expected(standard, contracts)
    s = score(rows, truth)
    print("contract-review: %d rows, F1 %.4f, exact lines %.4f" % (len(rows), s["f1"], s["lines_exact"]))
    if s["f1"] < 0.98 or s["lines_exact"] < 0.98:
        sys.exit("below the acceptance: %r" % {k: s[k] for k in ("false_positives", "false_negatives", "wrong_lines")})


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], sys.argv[3])
