"""report: the review report, per contract, its deviations with the standard text beside the found text and
the lines, and the exceptions table (files that cannot be read, clauses that cannot be located).

Inputs: deviations, clauses, exceptions (CSV, merged over the shards of review_contracts), standard_clauses
(JSON). Output: report (Markdown). Every contract of the batch appears: with its deviations, with its
exceptions, or in the list of contracts that conform.
"""
import writ


def cell(text):
    return " ".join(str(text).split()).replace("|", "\\|")


standard = {c["clause"]: c for c in writ.json("standard_clauses")["clauses"]}
order = list(standard)
deviations = writ.table("deviations")
clauses = writ.table("clauses")
exceptions = writ.table("exceptions")

found = {(r["contract_id"], r["clause"]): r for r in clauses}
contracts = sorted({r["contract_id"] for r in clauses} | {r["contract_id"] for r in exceptions})
by_contract = {}
for r in deviations:
    by_contract.setdefault(r["contract_id"], []).append(r)
exc_by_contract = {}
for r in exceptions:
    exc_by_contract.setdefault(r["contract_id"], []).append(r)

counts = {}
for r in deviations:
    counts[r["deviation"]] = counts.get(r["deviation"], 0) + 1

out = ["# Contract review against the standard form", ""]
out.append("Contracts reviewed: %d. With deviations: %d. Deviations: %d. Exceptions: %d."
           % (len(contracts), len(by_contract), len(deviations), len(exceptions)))
out.append("")
if counts:
    out += ["| Deviation | Contracts |", "|---|---|"]
    out += ["| %s | %d |" % (code, n) for code, n in sorted(counts.items())]
    out.append("")

out += ["## Exceptions", ""]
if len(exceptions):
    out += ["| Contract | File | Clause | Reason |", "|---|---|---|---|"]
    for r in exceptions:
        out.append("| %s | %s | %s | %s |" % (r["contract_id"], r["file"], r["clause"] or "(whole file)",
                                              cell(r["reason"])))
else:
    out.append("None: every file was read and every clause located.")
out.append("")

out += ["## Deviations by contract", ""]
conforming = []
for cid in contracts:
    rows = sorted(by_contract.get(cid, []), key=lambda r: order.index(r["clause"]) if r["clause"] in order else 99)
    excs = exc_by_contract.get(cid, [])
    if not rows and not excs:
        conforming.append(cid)
        continue
    out += ["### %s" % cid, ""]
    for e in excs:
        out.append("- Exception (%s): %s" % (e["clause"] or "whole file", cell(e["reason"])))
    if excs:
        out.append("")
    for r in rows:
        std = standard.get(r["clause"], {})
        f = found.get((cid, r["clause"]))
        out.append("**%s — %s** (contract lines %s–%s)" % (r["clause"], r["deviation"], r["line_start"], r["line_end"]))
        out.append("")
        out.append("| Standard (section %s, lines %s–%s) | Found (%s, lines %s–%s) |"
                   % (std.get("section", ""), std.get("line_start", ""), std.get("line_end", ""),
                      cid, r["line_start"], r["line_end"]))
        out.append("|---|---|")
        out.append("| %s | %s |" % (cell(std.get("text", "")), cell(f["text"] if f is not None else "")))
        out.append("")
        out.append("Deviating sentence: \"%s\"" % cell(r["excerpt"]))
        out.append("")
out += ["## Contracts conforming to the standard", ""]
out.append(", ".join(conforming) if conforming else "None.")
out.append("")
writ.emit("report", "\n".join(out))
