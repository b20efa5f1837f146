"""For the end-to-end tests (tests/tests/workloads.rs): make a held-out-like batch, and check a run's export.

    python3 e2e.py make DIR SEED      DIR/job_posting.md (other numbers) and DIR/resumes/*.txt (rewritten
                                      layouts and date formats, plus unreadable files)
    python3 e2e.py check INPUTS OUT   OUT/candidates.csv and OUT/ranking.csv against the independent oracle
                                      on INPUTS; exit 1 below 99 % eligibility, 98 % per field, or a top 25
                                      that differs
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import oracle  # noqa: E402
import perturb  # noqa: E402

SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "resume-screening")


def make(out, seed):
    os.makedirs(out, exist_ok=True)
    perturb.posting(os.path.join(SHARED, "job_posting.md"), os.path.join(out, "job_posting.md"))
    perturb.resumes(os.path.join(SHARED, "resumes"), os.path.join(out, "resumes"), seed=seed, limit=300)


def check(inputs, out):
    with open(os.path.join(inputs, "job_posting.md"), encoding="utf-8") as f:
        posting = f.read()
    folder = os.path.join(inputs, "resumes")
    files = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            files[name] = f.read()
    want = oracle.oracle(posting, files)
    with open(os.path.join(out, "candidates.csv"), encoding="utf-8", newline="") as f:
        got = {r["candidate_id"]: r for r in csv.DictReader(f)}
    if set(got) != set(want):
        sys.exit("candidates differ: missing %s, extra %s" % (sorted(set(want) - set(got))[:5],
                                                              sorted(set(got) - set(want))[:5]))
    fields = [c for c in next(iter(want.values())) if c != "candidate_id"]
    worst = 1.0
    for c in fields:
        share = sum(1 for k in want if want[k][c] == got[k][c]) / len(want)
        worst = min(worst, share)
        if share < (0.99 if c == "eligible" else 0.98):
            sys.exit("field %s agrees on %.4f of candidates" % (c, share))
    with open(os.path.join(out, "ranking.csv"), encoding="utf-8", newline="") as f:
        ranking = [(r["rank"], r["candidate_id"], r["score"]) for r in csv.DictReader(f)]
    if ranking[:25] != oracle.ranking(want)[:25]:
        sys.exit("the top 25 differ from the oracle's")
    print("resume-screening: %d candidates, worst field agreement %.4f, top 25 identical" % (len(got), worst))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], sys.argv[3])
