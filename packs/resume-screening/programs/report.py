"""report: the shortlist (the top 25 of the ranking) with, for every point of each score, the resume line it
comes from; then every unreadable resume and every date that could not be read, each on its own line.

Inputs: `ranking`, `candidates`, `screened` (the reasons), `cards` (the proof cards, one JSON per candidate)
and `rules` (the posting's rules with their lines). Output: `report` (report.md). The step is gated: the
shortlist is published only once an authorised person approves it.
"""
import json

import writ

SHORTLIST = 25  # the README's shortlist: the top 25

rules = writ.json("rules")
ranking = writ.table("ranking")
candidates = {r["candidate_id"]: (i, r) for i, r in enumerate(writ.table("candidates"), start=1)}
screened = {r["candidate_id"]: r for r in writ.table("screened")}
cards = {}
for f in writ.files("cards"):
    if f.name.endswith(".json"):
        with open(f.path, encoding="utf-8") as fh:
            cards[f.name[:-5]] = json.load(fh)

source = rules.get("source", "the posting")
total = len(candidates)
eligible = sum(1 for _, r in candidates.values() if r["eligible"] == "true")
unreadable = [r for r in screened.values() if r["status"] == "unreadable" or "no dates it can parse" in r["reason"]]
out = ["# Resume screening: shortlist", "",
       "%d resumes screened against %s: %d eligible, %d not eligible (%d unreadable). Ranked by score, highest "
       "first, ties by candidate id; every point below names the posting line of its rule and the resume line it "
       "comes from." % (total, source, eligible, total - eligible, len(unreadable)), ""]
out += ["## Shortlist (top %d)" % min(SHORTLIST, len(ranking)), ""]
for r in list(ranking)[:SHORTLIST]:
    cid = r["candidate_id"]
    row_no, cand = candidates[cid]
    card = cards.get(cid)
    out.append("### %s. %s: %s points [trace](trace:candidates.csv:/%d/score)" % (r["rank"], cid, r["score"], row_no))
    out.append("")
    out.append("Backend experience %s years; %s" % (cand["backend_years"], ", ".join(
        k for k in ("rust_or_go", "postgresql", "authorized", "kubernetes", "distributed_systems", "open_source",
                    "cs_degree", "led_team") if cand[k] == "true")))
    out.append("")
    if card is None:
        out.append("- no proof card for %s" % cid)
        out.append("")
        continue
    out.append("| points | for | posting line | resume line |")
    out.append("|---:|---|---|---|")
    for p in card.get("points", []):
        resume = "; ".join("%s line %d: %s" % (card["file"], x["line"], x["text"].replace("|", "\\|"))
                           for x in p.get("resume_lines", [])) or "(the posting's starting points)"
        out.append("| %d | %s | %s line %s | %s |" % (p["points"], p["criterion"], source, p.get("rule_line"), resume))
    out.append("| **%d** | total | | |" % card.get("score", 0))
    out.append("")
    out.append("Requirements: " + "; ".join(
        "%s (posting line %s) met by %s" % (q["requirement"], q.get("rule_line"),
                                            ", ".join("line %d" % n for n in q.get("resume_lines", [])) or "-")
        for q in card.get("requirements", [])))
    out.append("")
out += ["## Unreadable resumes", ""]
if unreadable:
    for r in sorted(unreadable, key=lambda r: r["candidate_id"]):
        out.append("- %s: not eligible, %s" % (r["candidate_id"], r["reason"]))
else:
    out.append("- none")
out += ["", "## Dates that could not be read", ""]
named = 0
for cid in sorted(cards):
    for d in cards[cid].get("unreadable_dates", []):
        out.append("- %s line %d: `%s` (%s): %s" % (cards[cid]["file"], d["line"], d["date"], d["why"], d["text"]))
        named += 1
if not named:
    out.append("- none")
out.append("")
writ.emit("report", "\n".join(out))
