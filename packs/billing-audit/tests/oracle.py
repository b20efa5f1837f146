"""An independent oracle for the billing audit: the engagement letter implemented once, plainly, in one file.

Written separately from the pack's programs/ (it shares no code with them) so that the step
programs can be checked against it. ``audit(folder)`` reads the five input files of a billing-audit folder
and returns ``(findings_rows, matter_month_rows, summary)`` in the published formats of
/work/shared/data/README.md.
"""
import csv
import os
import re
import string
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}
CODES = ["DUPLICATE", "CLOSED_MATTER", "UNAPPROVED_TIMEKEEPER", "NON_BILLABLE", "RATE", "TRAVEL_RATE",
         "INCREMENT", "DAILY_CAP", "ARITHMETIC", "BLOCK_BILLING", "VAGUE"]


def cents(x):
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def read_letter(text):
    """The numbers of the letter the audit needs, found with direct regular expressions."""
    flat = " ".join(text.split())
    t = {}
    table = [l for l in text.splitlines() if l.startswith("|")]
    header = [c.strip() for c in table[0].strip("|").split("|")]
    periods = []
    for h in header[1:]:
        until = re.search(r"until (\d{4}-\d\d-\d\d)", h)
        since = re.search(r"from (\d{4}-\d\d-\d\d)", h)
        periods.append((since.group(1) if since else "0000-00-00", until.group(1) if until else "9999-99-99"))
    t["rates"] = {}
    for l in table[2:]:
        cells = [c.strip() for c in l.strip("|").split("|")]
        t["rates"][cells[0]] = [(p[0], p[1], Decimal(c)) for p, c in zip(periods, cells[1:])]
    t["travel_pct"] = Decimal(re.search(r"Travel time.*? at (\d+(?:\.\d+)?)% of", flat).group(1))
    t["increment"] = Decimal(re.search(r"increments of [^(]*\((\d*\.?\d+)\)", flat).group(1))
    t["daily_cap"] = Decimal(re.search(r"more than (\d+(?:\.\d+)?) hours in one calendar day", flat).group(1))
    nb = re.search(r"(Task codes? .*?) (?:is|are) administrative", flat).group(1)
    t["non_billable"] = set(re.findall(r"\b[A-Z]\d{3}\b", nb))
    block = re.search(r"Block billing:.*?separated by (\w+), with more than (\d+(?:\.\d+)?) hours", flat)
    t["separator"] = {"semicolons": ";", "commas": ",", "slashes": "/"}[block.group(1)]
    t["block_hours"] = Decimal(block.group(2))
    vague = re.search(r"Vague description:(.*?)(?:Flags apply|$)", flat).group(1)
    n = re.search(r"fewer than (\w+) words", vague).group(1)
    t["min_words"] = int(n) if n.isdigit() else NUMBER_WORDS[n]
    t["phrases"] = re.findall(r'"([^"]+)"', vague)
    return t


def read_csv(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def words(s):
    return [w for w in s.split() if any(c.isalnum() for c in w)]


def squash(s):
    return " ".join(s.split()).strip(string.punctuation + " ").lower()


def review_flags(description, hours, separator, block_hours, min_words, phrases):
    """Section 7.1/7.2 for one entry (also what the test harness answers for billing.review_flags)."""
    flags = []
    tasks = {squash(p) for p in description.split(separator)} - {""}
    if len(tasks) >= 2 and Decimal(hours) > Decimal(block_hours):
        flags.append("BLOCK_BILLING")
    if len(words(description)) < int(min_words) or squash(description) in {squash(p) for p in phrases}:
        flags.append("VAGUE")
    return flags


def audit(folder):
    with open(os.path.join(folder, "engagement_letter.md"), encoding="utf-8") as f:
        t = read_letter(f.read())
    entries = sorted(read_csv(folder, "time_entries.csv"), key=lambda e: int(re.sub(r"\D", "", e["entry_id"])))
    role = {r["timekeeper_id"]: r["role"] for r in read_csv(folder, "timekeepers.csv")}
    matters = {m["matter_id"]: m for m in read_csv(folder, "matters.csv")}
    staffing = read_csv(folder, "staffing.csv")

    seen = set()
    out = {}
    for e in entries:
        d = e["date"]
        hours, rate, amount = Decimal(e["hours"]), Decimal(e["rate"]), Decimal(e["amount"])
        codes = []
        key = (e["timekeeper_id"], d, e["matter_id"], e["task_code"], hours, e["description"])
        reasons = []
        if key in seen:
            reasons.append("DUPLICATE")
        seen.add(key)
        closed = matters[e["matter_id"]]["closed"]
        if closed and d > closed:
            reasons.append("CLOSED_MATTER")
        if not any(s["matter_id"] == e["matter_id"] and s["timekeeper_id"] == e["timekeeper_id"]
                   and s["approved_from"] <= d and (not s["approved_to"] or d <= s["approved_to"])
                   for s in staffing):
            reasons.append("UNAPPROVED_TIMEKEEPER")
        if e["task_code"] in t["non_billable"]:
            reasons.append("NON_BILLABLE")
        excluded = bool(reasons)
        if excluded:
            codes.append(reasons[0])
        if cents(hours * rate) != amount:
            codes.append("ARITHMETIC")
        base = next(r for (a, b, r) in t["rates"][role[e["timekeeper_id"]]] if a <= d <= b)
        applicable = cents(base * t["travel_pct"] / 100) if e["activity"] == "travel" else base
        paid_hours = Decimal(0)
        if not excluded:
            if rate != applicable:
                codes.append("TRAVEL_RATE" if e["activity"] == "travel" else "RATE")
            paid_hours = (hours / t["increment"]).to_integral_value(rounding=ROUND_FLOOR) * t["increment"]
            if paid_hours != hours:
                codes.append("INCREMENT")
        flags = [] if excluded else review_flags(e["description"], e["hours"], t["separator"], t["block_hours"],
                                                 t["min_words"], t["phrases"])
        out[e["entry_id"]] = {"e": e, "codes": codes, "flags": flags, "excluded": excluded, "hours": paid_hours,
                              "applicable": applicable, "amount": amount}

    by_day = {}
    for e in entries:
        o = out[e["entry_id"]]
        if not o["excluded"]:
            by_day.setdefault((e["timekeeper_id"], e["date"]), []).append(o)
    for day in by_day.values():
        excess = sum(o["hours"] for o in day) - t["daily_cap"]
        for o in reversed(day):
            if excess <= 0:
                break
            cut = min(excess, o["hours"])
            if cut > 0:
                o["hours"] -= cut
                excess -= cut
                o["codes"].append("DAILY_CAP")

    findings = []
    months = {}
    counts = dict.fromkeys(CODES, 0)
    total_billed = Decimal("0.00")
    for e in entries:
        o = out[e["entry_id"]]
        payable = Decimal("0.00") if o["excluded"] else min(o["amount"], cents(o["hours"] * o["applicable"]))
        findings.append({"entry_id": e["entry_id"], "findings": ";".join(sorted(o["codes"])),
                         "flags": ";".join(sorted(o["flags"])), "billed_amount": str(cents(o["amount"])),
                         "payable_amount": str(cents(payable)), "delta": str(cents(o["amount"] - payable))})
        for c in o["codes"] + o["flags"]:
            counts[c] += 1
        total_billed += o["amount"]
        k = (e["matter_id"], e["date"][:7])
        months[k] = months.get(k, Decimal("0.00")) + payable
    mm = []
    for (matter, month), before in sorted(months.items()):
        cap_text = matters[matter]["monthly_cap_usd"]
        overage = max(Decimal("0.00"), before - Decimal(cap_text)) if cap_text else Decimal("0.00")
        mm.append({"matter_id": matter, "month": month, "payable_before_cap": str(cents(before)),
                   "cap": str(cents(Decimal(cap_text))) if cap_text else "", "overage": str(cents(overage))})
    before_total = sum((Decimal(f["payable_amount"]) for f in findings), Decimal("0.00"))
    overage_total = sum((Decimal(m["overage"]) for m in mm), Decimal("0.00"))
    summary = {"entries": len(entries), "total_billed": str(cents(total_billed)),
               "total_payable_before_caps": str(cents(before_total)), "total_cap_overage": str(cents(overage_total)),
               "total_payable": str(cents(before_total - overage_total)), "findings_by_code": counts}
    return findings, mm, summary


if __name__ == "__main__":
    import json
    import sys
    f, m, s = audit(sys.argv[1] if len(sys.argv) > 1 else
                    os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "data", "billing-audit"))
    print(json.dumps(s, indent=2))
    for r in m:
        print(r)
