"""payable: the published audit tables — findings per entry (section 8.1), matter-month caps (section 6.1)
and the summary — in exactly the formats of the billing-audit README.

Inputs: entries, exclusions, rate_checks, time_checks, flags, matters (CSV), terms (JSON).
Outputs:
  findings       entry_id,findings,flags,billed_amount,payable_amount,delta — every entry, by entry number.
                 payable = lesser of the amount charged and payable hours x applicable rate (rounded half up
                 to the cent); zero for an entry excluded under the four exclusion rules, for which only the
                 exclusion chosen by precedence (and ARITHMETIC, which applies to every entry) is recorded.
  matter_months  matter_id,month,payable_before_cap,cap,overage — per matter and month with entries.
  summary        entries, totals, findings_by_code (every finding and flag code, flags included).
Each findings row cites its entry row and the check rows it used; every amount and total cites the entries
it sums; a cap row also cites the matter's register row.
"""
import sys
from decimal import Decimal

import writ

terms = writ.json("terms")
FINDING_CODES = ["DUPLICATE", "CLOSED_MATTER", "UNAPPROVED_TIMEKEEPER", "NON_BILLABLE", "RATE", "TRAVEL_RATE",
                 "INCREMENT", "DAILY_CAP", "ARITHMETIC"]
FLAG_CODES = ["BLOCK_BILLING", "VAGUE"]
ZERO = Decimal("0.00")

section_of = {terms[k]["code"]: terms[k]["section"] for k in terms if isinstance(terms[k], dict) and "code" in terms[k]}
suppressed_sections = terms["payable"]["suppressed_sections"]


def suppressed(code):
    """8.1: no finding of these sections is recorded for an entry excluded in full."""
    section = section_of.get(code, "")
    return any(section == s or section.startswith(s + ".") for s in suppressed_sections)


entries = writ.table("entries").sort("entry_no")
exclusions = writ.table("exclusions").index("entry_id")
rates = writ.table("rate_checks").index("entry_id")
times = writ.table("time_checks").index("entry_id")
flags = writ.table("flags").index("entry_id")
cap_column = terms["monthly_cap"]["column"]
matters = writ.table("matters").index("matter_id")

rows = []
unpriced = []
for e in entries:
    eid = e["entry_id"]
    x, rc, tc, fl = exclusions[eid], rates[eid], times[eid], flags[eid]
    billed = e.decimal("amount")
    codes = [c for c in tc["findings"].split(";") if c]
    if x["exclusion"]:
        payable = writ.Tracked(ZERO, [e, x])
        codes = [x["exclusion"]] + [c for c in codes if not suppressed(c)]
    else:
        if not rc["applicable_rate"]:
            unpriced.append(eid)
            continue
        if rc["finding"]:
            codes.append(rc["finding"])
        priced = (tc.decimal("payable_hours") * rc.decimal("applicable_rate")).quantize()
        payable = billed.min(priced)
    codes = sorted(set(codes))
    unknown = set(codes) - set(FINDING_CODES)
    if unknown:
        sys.exit("payable: unknown finding codes %s on %s" % (sorted(unknown), eid))
    rows.append(writ.row({"entry_id": eid, "findings": codes, "flags": sorted(f for f in fl["flags"].split(";") if f),
                          "billed_amount": billed.quantize(), "payable_amount": payable.quantize(),
                          "delta": (billed - payable).quantize(), "matter_id": e["matter_id"], "month": e["month"]},
                         e, x, rc, tc, fl))
if unpriced:
    sys.exit("payable: no rate in the letter is in force for payable entries %s" % ", ".join(unpriced[:20]))

findings = writ.Table(["entry_id", "findings", "flags", "billed_amount", "payable_amount", "delta", "matter_id",
                       "month"], rows)

months = []
for (matter_id, month), group in findings.sort(["matter_id", "month"]).group_by("matter_id", "month").groups():
    before = group.sum("payable_amount").quantize()
    register = matters.get(matter_id)
    cap_text = register[cap_column].strip() if register is not None else ""
    if cap_text:
        cap = register.decimal(cap_column).quantize()
        overage = (before - cap).max(ZERO)
    else:
        cap, overage = "", writ.Tracked(ZERO, group)
    months.append(writ.row({"matter_id": matter_id, "month": month, "payable_before_cap": before, "cap": cap,
                            "overage": overage.quantize()}, group, register))
matter_months = writ.Table(["matter_id", "month", "payable_before_cap", "cap", "overage"], months)

before_total = findings.sum("payable_amount").quantize()
overage_total = (matter_months.sum("overage") if len(matter_months) else writ.Tracked(ZERO)).quantize()
counts = {}
for code in FINDING_CODES + FLAG_CODES:
    column = "flags" if code in FLAG_CODES else "findings"
    counts[code] = findings.filter(lambda r, c=code, col=column: c in r[col]).count()
summary = {"entries": findings.count(), "total_billed": findings.sum("billed_amount").quantize(),
           "total_payable_before_caps": before_total, "total_cap_overage": overage_total,
           "total_payable": (before_total - overage_total).quantize(), "findings_by_code": counts}

writ.emit("findings", findings.select("entry_id", "findings", "flags", "billed_amount", "payable_amount", "delta"))
writ.emit("matter_months", matter_months)
writ.emit("summary", summary)
