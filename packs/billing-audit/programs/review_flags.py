"""review_flags: the section 7 review flags of every entry not excluded in full, from the platform tool
`billing.review_flags` (called through the governed bridge, one call per candidate entry).

Inputs: entries (CSV), terms (JSON), exclusions (CSV). Output: flags (CSV): entry_id, flags (sorted,
";"-separated subset of BLOCK_BILLING, VAGUE; empty for an excluded entry, which is not sent to the tool).
The rules sent to the tool come from the extracted terms: separator, hours threshold, minimum words and the
generic phrases.
"""
import writ

terms = writ.json("terms")
rules = {"separator": terms["block_billing"]["separator"],
         "hours_threshold": terms["block_billing"]["hours_threshold"],
         "min_words": terms["vague"]["min_words"],
         "generic_phrases": terms["vague"]["generic_phrases"]}
allowed = {terms["block_billing"]["code"], terms["vague"]["code"]}
excluded = {r["entry_id"] for r in writ.table("exclusions") if r["exclusion"]}

rows = []
for r in writ.table("entries").sort("entry_no"):
    flags = []
    if r["entry_id"] not in excluded:
        result = writ.call_tool("billing.review_flags", {"entry_id": r["entry_id"], "description": r["description"],
                                                         "hours": r["hours"], "rules": rules})
        flags = result.get("flags") if isinstance(result, dict) else None
        if not isinstance(flags, list) or not set(flags) <= allowed:
            raise SystemExit("review_flags: unexpected tool answer for %s: %r" % (r["entry_id"], result))
    rows.append(writ.row({"entry_id": r["entry_id"], "flags": sorted(flags)}, r))
writ.emit("flags", writ.Table(["entry_id", "flags"], rows))
