"""review_flags: the section 7 review flags of every entry not excluded in full, judged one entry at a time by
the governed evaluator (`evaluator.judge`, rubric `billing.review_flags`: the letter's section 7 as code, or
the profile's auditor model), one call per candidate entry through the bridge.

Inputs: entries (CSV), terms (JSON), exclusions (CSV). Output: flags (CSV): entry_id, flags (sorted,
";"-separated subset of BLOCK_BILLING, VAGUE; empty for an excluded entry, which is not judged). The rules in
each evidence bundle come from the extracted terms: separator, hours threshold, minimum words and the generic
phrases. A judged entry's row cites the verdict's proof record beside the entry's row.
"""
import writ

RUBRIC = "billing.review_flags"
QUESTION = ("Does this time entry need the client's review under section 7 of the engagement letter: block "
            "billing (7.1) or a vague description (7.2)? One criterion per flag, naming it.")

terms = writ.json("terms")
rules = {"separator": terms["block_billing"]["separator"],
         "hours_threshold": terms["block_billing"]["hours_threshold"],
         "min_words": terms["vague"]["min_words"],
         "generic_phrases": terms["vague"]["generic_phrases"]}
allowed = {terms["block_billing"]["code"], terms["vague"]["code"]}
excluded = {r["entry_id"] for r in writ.table("exclusions") if r["exclusion"]}

rows = []
for r in writ.table("entries").sort("entry_no"):
    flags, judgement = [], None
    if r["entry_id"] not in excluded:
        verdict = writ.call_tool("evaluator.judge", {
            "rubric": RUBRIC, "item": r["entry_id"], "question": QUESTION,
            "evidence": {"entry_id": r["entry_id"], "description": r["description"], "hours": r["hours"],
                         "rules": rules}})
        criteria = verdict.get("criteria") if isinstance(verdict, dict) else None
        flags = [c.get("flag") for c in criteria] if isinstance(criteria, list) else None
        if (flags is None or not all(isinstance(f, str) for f in flags) or not set(flags) <= allowed
                or (verdict.get("verdict") == "clear") != (not flags)):
            raise SystemExit("review_flags: the evaluator's verdict on %s does not read as flags: %r"
                             % (r["entry_id"], verdict))
        judgement = writ.proof(verdict)
    rows.append(writ.row({"entry_id": r["entry_id"], "flags": sorted(set(flags))}, r, judgement))
writ.emit("flags", writ.Table(["entry_id", "flags"], rows))
