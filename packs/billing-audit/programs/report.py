"""report: the human-readable audit report (Markdown).

Inputs: findings, matter_months (CSV), summary, terms (JSON). Output: report (Markdown): the totals; each
finding and flag code with the letter section (and line) it applies and the entries it concerns; the months
over their matter's cap. Every figure is followed by a trace reference `[trace](trace:<file>:<pointer>)`
into the published artifact it comes from (JSON pointer into summary.json, `/<row>` or `/<row>/<column>` into
a CSV, rows 1-based), so a reader can follow it to the source rows.
"""
import writ

terms = writ.json("terms")
summary = writ.json("summary")
findings = writ.table("findings")
months = writ.table("matter_months")

WHAT = {"DUPLICATE": "duplicate of an earlier entry", "CLOSED_MATTER": "work dated after the matter closed",
        "UNAPPROVED_TIMEKEEPER": "timekeeper not approved on the matter that day",
        "NON_BILLABLE": "non-billable task code", "RATE": "charged at a rate other than the applicable one",
        "TRAVEL_RATE": "travel charged at a rate other than the travel rate",
        "INCREMENT": "hours not a whole number of increments", "DAILY_CAP": "hours beyond the daily cap",
        "ARITHMETIC": "amount charged differs from hours x rate charged",
        "BLOCK_BILLING": "block billing (flag, not reduced)", "VAGUE": "vague description (flag, not reduced)"}
rule_of = {terms[k]["code"]: terms[k] for k in terms if isinstance(terms[k], dict) and "code" in terms[k]}


def trace(file, pointer):
    return "[trace](trace:%s:%s)" % (file, pointer)


def money(key):
    return "%s USD %s" % (summary[key], trace("summary.json", "/" + key))


out = ["# Billing audit report", "",
       "Audit of %d time entries %s against the engagement letter (%s)."
       % (summary["entries"], trace("summary.json", "/entries"), terms["source"]["file"]), "",
       "## Totals", "",
       "| Figure | Amount |", "|---|---|",
       "| Total billed | %s |" % money("total_billed"),
       "| Payable before monthly caps (section 8.1) | %s |" % money("total_payable_before_caps"),
       "| Monthly cap overage (section %s) | %s |" % (terms["monthly_cap"]["section"], money("total_cap_overage")),
       "| **Total payable** | %s |" % money("total_payable"), "",
       "## Findings by rule", ""]

by_code = {}
for i, r in enumerate(findings, start=1):
    for col in ("findings", "flags"):
        for code in filter(None, r[col].split(";")):
            by_code.setdefault(code, []).append((i, r))
for code, count in summary["findings_by_code"].items():
    rule = rule_of.get(code, {})
    where = "section %s, letter line %s" % (rule.get("section", "?"), rule.get("line", "?"))
    out.append("### %s — %s (%s)" % (code, WHAT.get(code, code.lower()), where))
    out.append("")
    out.append("%d entries %s." % (count, trace("summary.json", "/findings_by_code/" + code)))
    hits = by_code.get(code, [])
    if hits:
        out.append("")
        out.append("| Entry | Billed | Payable | Delta |")
        out.append("|---|---|---|---|")
        for i, r in hits:
            out.append("| %s %s | %s | %s | %s %s |" % (r["entry_id"], trace("findings.csv", "/%d" % i), r["billed_amount"],
                                                   r["payable_amount"], r["delta"], trace("findings.csv", "/%d/delta" % i)))
    out.append("")

out += ["## Monthly caps (section %s)" % terms["monthly_cap"]["section"], "",
        "| Matter | Month | Payable before cap | Cap | Overage |", "|---|---|---|---|---|"]
for i, m in enumerate(months, start=1):
    out.append("| %s | %s | %s %s | %s | %s %s |" % (m["matter_id"], m["month"], m["payable_before_cap"],
                                                   trace("matter_months.csv", "/%d/payable_before_cap" % i), m["cap"] or "none",
                                                   m["overage"], trace("matter_months.csv", "/%d/overage" % i)))
out.append("")
writ.emit("report", "\n".join(out))
