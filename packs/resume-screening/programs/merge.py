"""merge: the batch rankings merged into the global ranking, and candidates.csv.

Inputs: `screened` (every shard's rows, concatenated), `batch_ranking` (every shard's ranking, concatenated;
each batch is in rank order) and `rules` (the ranking order and tie-break of the posting).
Outputs: `candidates` (candidates.csv: one row per resume, ordered by candidate id, the README's columns) and
`ranking` (ranking.csv: eligible candidates only, merged from the batch rankings, ties by candidate id).

The merge is a k-way merge of the sorted batches; the step stops (non-zero exit) when a batch is out of
order, when a candidate is ranked twice or an eligible candidate is missing: a ranking that is not a ranking
of all candidates is never published.
"""
import heapq
import sys

import writ

COLUMNS = ["candidate_id", "backend_years", "rust_or_go", "postgresql", "authorized", "kubernetes",
           "distributed_systems", "open_source", "cs_degree", "led_team", "eligible", "score"]


def fail(message):
    writ.log("merge: " + message)
    sys.exit(2)


rules = writ.json("rules")
order = rules.get("ranking", {})
score_desc = order.get("order", "score_desc") != "score_asc"
ties_asc = order.get("ties", "candidate_id_asc") != "candidate_id_desc"

screened = writ.table("screened")
seen = {}
for r in screened:
    cid = r["candidate_id"]
    if cid in seen:
        fail("candidate %s was screened twice (rows %s)" % (cid, sorted(r.sources)))
    seen[cid] = r
rows = [writ.row({c: r.tracked(c) if c != "candidate_id" else r["candidate_id"] for c in COLUMNS}, r)
        for r in sorted(screened, key=lambda r: r["candidate_id"])]
writ.emit("candidates", writ.Table(COLUMNS, rows))


def key(cid, score):
    s = -int(score) if score_desc else int(score)
    return (s, cid) if ties_asc else (s, tuple(-ord(ch) for ch in cid))


batches = {}
for r in writ.table("batch_ranking"):
    batches.setdefault(r["batch"], []).append(r)
for name, rs in batches.items():
    ranks = [int(r["batch_rank"]) for r in rs]
    if ranks != list(range(1, len(rs) + 1)):
        fail("batch %s: ranks are not 1..%d in order" % (name, len(rs)))
    keys = [key(r["candidate_id"], r["score"]) for r in rs]
    if keys != sorted(keys):
        fail("batch %s is not in rank order" % name)
merged = heapq.merge(*[[(key(r["candidate_id"], r["score"]), i, r) for i, r in enumerate(rs)]
                       for rs in batches.values()])
ranking, ranked = [], set()
for rank, (_, _, r) in enumerate(merged, start=1):
    cid = r["candidate_id"]
    if cid in ranked:
        fail("candidate %s is ranked twice" % cid)
    if cid not in seen or seen[cid]["eligible"] != "true" or seen[cid]["score"] != r["score"]:
        fail("candidate %s is ranked but not eligible with score %s in screened" % (cid, r["score"]))
    ranked.add(cid)
    ranking.append(writ.row({"rank": rank, "candidate_id": cid, "score": r.tracked("score")}, r))
missing = [cid for cid, r in seen.items() if r["eligible"] == "true" and cid not in ranked]
if missing:
    fail("eligible candidates missing from every batch ranking: %s" % ", ".join(sorted(missing)[:10]))
writ.emit("ranking", writ.Table(["rank", "candidate_id", "score"], ranking))
