"""merge: the shards' findings as the published tables, ordered by contract and by the standard's clause
order, with every contract of the batch profile accounted for.

Inputs: clause_deviations, clause_exceptions, clauses (CSV, merged by the platform over the shards of
review_contracts), standard_clauses (JSON), batch_profile (JSON).
Outputs: deviations (CSV, deviations.csv: contract_id, clause, deviation, line_start, line_end, excerpt) and
exceptions (CSV, exceptions.csv: contract_id, file, clause, reason). Rows keep their sources (the contract
lines, through the shard's provenance). A contract of the profile that no shard accounted for (neither
clauses nor exceptions) gets an exception row here rather than vanishing.
"""
import os

import writ

order = [c["clause"] for c in writ.json("standard_clauses")["clauses"]]
profile = writ.json("batch_profile")


def key(r):
    return (r["contract_id"], order.index(r["clause"]) if r["clause"] in order else -1)


deviations = writ.table("clause_deviations").sort(key)
exceptions = writ.table("clause_exceptions")
clauses = writ.table("clauses")
seen = {r["contract_id"] for r in clauses} | {r["contract_id"] for r in exceptions}
extra = []
for i, d in enumerate(profile["documents"]):
    cid = os.path.splitext(d["file"])[0]
    if cid not in seen:
        extra.append(writ.row({"contract_id": cid, "file": d["file"], "clause": "",
                               "reason": "%s was not reviewed by any shard" % d["file"]},
                              writ.json_at("batch_profile", "/documents/%d" % i)))
exceptions = writ.Table(exceptions.columns, list(exceptions.rows) + extra).sort(key)
# The excerpt cell cites its shard row's excerpt (which cites the sentence's lines of the contract file), so
# `deviations.csv:/<row>/excerpt` traces through the shard to the very lines.
rows = [writ.row({"contract_id": r["contract_id"], "clause": r["clause"], "deviation": r["deviation"],
                  "line_start": r["line_start"], "line_end": r["line_end"], "excerpt": r.tracked("excerpt")}, r)
        for r in deviations]
writ.emit("deviations", writ.Table(["contract_id", "clause", "deviation", "line_start", "line_end", "excerpt"], rows))
writ.emit("exceptions", exceptions.select("contract_id", "file", "clause", "reason"))
