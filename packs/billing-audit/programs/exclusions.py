"""exclusions: which entries are not payable at all (letter sections 2.1, 2.2, 5.1, 5.2) and the one finding
recorded for each, by the order of precedence of section 8.1.

Inputs: entries (CSV from normalize_entries), terms (JSON). Output: exclusions (CSV), one row per entry:
entry_id, exclusion (the recorded code, empty if payable), section (the letter section of that code),
reasons (every exclusion rule that applies, ";"-separated, in precedence order), duplicate_of (the entry a
duplicate repeats). A duplicate's row also cites the earlier entry it repeats.
"""
from decimal import Decimal

import writ

terms = writ.json("terms")
entries = writ.table("entries").sort("entry_no")
rules = {terms[k]["code"]: terms[k] for k in ("duplicates", "closed_matter", "staffing", "non_billable")}
precedence = terms["payable"]["precedence"]
dup_fields = terms["duplicates"]["fields"]
inclusive = terms["staffing"]["inclusive"]
open_end = terms["staffing"]["empty_to_means_open"]
non_billable = set(terms["non_billable"]["task_codes"])


def key_value(r, field):
    return Decimal(r[field]) if field in ("hours", "rate", "amount") else r[field]


def approved(r):
    for window in filter(None, r["approved_windows"].split(";")):
        start, _, end = window.partition("..")
        after_start = start <= r["date"] if inclusive else start < r["date"]
        if not end:
            before_end = open_end
        else:
            before_end = r["date"] <= end if inclusive else r["date"] < end
        if start and after_start and before_end:
            return True
    return False


first_seen = {}
rows = []
for r in entries:
    reasons = []
    key = tuple(key_value(r, f) for f in dup_fields)
    earlier = first_seen.setdefault(key, r)
    if earlier is not r:
        reasons.append("DUPLICATE")
    if r["matter_closed"] and r["date"] > r["matter_closed"]:
        reasons.append("CLOSED_MATTER")
    if not approved(r):
        reasons.append("UNAPPROVED_TIMEKEEPER")
    if r["task_code"] in non_billable:
        reasons.append("NON_BILLABLE")
    reasons.sort(key=precedence.index)
    code = reasons[0] if reasons else ""
    cites = [r, earlier] if "DUPLICATE" in reasons else [r]
    rows.append(writ.row({"entry_id": r["entry_id"], "exclusion": code,
                          "section": rules[code]["section"] if code else "", "reasons": reasons,
                          "duplicate_of": earlier["entry_id"] if "DUPLICATE" in reasons else ""}, *cites))

writ.emit("exclusions", writ.Table(["entry_id", "exclusion", "section", "reasons", "duplicate_of"], rows))
