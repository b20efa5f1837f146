"""time_checks: payable hours per entry under 4.1 (increments) and 4.2 (daily cap), and the 4.3 arithmetic
check on every entry.

Inputs: entries (CSV), terms (JSON), exclusions (CSV). Output: time_checks (CSV): entry_id, hours,
increment_hours (hours cut down to the last whole increment), payable_hours (after the daily cap; zero for an
excluded entry), cap_cut (hours removed by the daily cap), expected_amount (hours x rate charged, rounded),
findings (";"-separated: INCREMENT, DAILY_CAP for payable entries only, ARITHMETIC for every entry).
4.2: per timekeeper and day (across matters if the letter says so), only payable entries count, after the
4.1 reduction; the excess is removed from the highest entry number down. A capped entry's row also cites the
other entries of that day.
"""
from decimal import ROUND_FLOOR, Decimal

import writ

terms = writ.json("terms")
step = Decimal(terms["increment"]["increment"])
cap_hours = Decimal(terms["daily_cap"]["hours"])
across_matters = terms["daily_cap"]["scope"] == "timekeeper_day_all_matters"
highest_first = terms["daily_cap"]["remove_from"] == "highest_entry_first"
codes = {k: terms[k]["code"] for k in ("increment", "daily_cap", "arithmetic")}

excluded = {r["entry_id"] for r in writ.table("exclusions") if r["exclusion"]}
entries = writ.table("entries").sort("entry_no")

checks = {}
for r in entries:
    hours = r.decimal("hours")
    charged = r.decimal("rate")
    expected = (hours * charged).quantize()
    payable = r["entry_id"] not in excluded
    if terms["increment"]["rounding"] == "down":
        whole = (hours.value / step).to_integral_value(rounding=ROUND_FLOOR) * step
    else:
        whole = hours.value
    findings = []
    if payable and whole != hours.value:
        findings.append(codes["increment"])
    if expected != r.decimal("amount"):
        findings.append(codes["arithmetic"])
    checks[r["entry_id"]] = {"row": r, "hours": hours, "increment_hours": whole,
                             "payable_hours": whole if payable else Decimal(0), "cap_cut": Decimal(0),
                             "expected": expected, "findings": findings, "day": []}

days = {}
for r in entries:
    if r["entry_id"] not in excluded:
        key = (r["timekeeper_id"], r["date"]) + (() if across_matters else (r["matter_id"],))
        days.setdefault(key, []).append(checks[r["entry_id"]])
for day in days.values():
    excess = sum(c["payable_hours"] for c in day) - cap_hours
    for c in (reversed(day) if highest_first else day):
        if excess <= 0:
            break
        cut = min(excess, c["payable_hours"])
        if cut > 0:
            c["payable_hours"] -= cut
            c["cap_cut"] = cut
            excess -= cut
            c["findings"].append(codes["daily_cap"])
            c["day"] = [d["row"] for d in day]

rows = []
for r in entries:
    c = checks[r["entry_id"]]
    rows.append(writ.row({"entry_id": r["entry_id"], "hours": r["hours"], "increment_hours": c["increment_hours"],
                          "payable_hours": c["payable_hours"], "cap_cut": c["cap_cut"],
                          "expected_amount": c["expected"], "findings": sorted(c["findings"])}, r, *c["day"]))
writ.emit("time_checks", writ.Table(["entry_id", "hours", "increment_hours", "payable_hours", "cap_cut",
                                     "expected_amount", "findings"], rows))
