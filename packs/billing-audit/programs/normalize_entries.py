"""normalize_entries: one typed, cleaned row per time entry, with what later checks need carried along.

Inputs: time_entries, timekeepers, matters, staffing (CSV), terms (JSON). Output: entries (CSV), columns:
entry_id, entry_no (the entry number, for "lowest/highest entry number"), date, month, timekeeper_id, role,
matter_id, task_code, activity, hours, rate, amount, description, matter_closed, monthly_cap,
approved_windows ("from..to" per staffing row of this matter and timekeeper, ";"-separated; an open end is
empty). Each row cites the time entry row and the timekeeper, matter and staffing rows joined to it.
Malformed cells (a date that is not a date, hours that are not a number) stop the step with the row named.
"""
import re
import sys
from datetime import date
from decimal import Decimal, InvalidOperation

import writ

terms = writ.json("terms")
from_col = terms["staffing"]["from_column"]
to_col = terms["staffing"]["to_column"]
closed_col = terms["closed_matter"]["column"]
cap_col = terms["monthly_cap"]["column"]
problems = []


def clean_date(value, where):
    value = value.strip()
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        problems.append("%s: %r is not a date (YYYY-MM-DD)" % (where, value))
        return value


def clean_decimal(value, where, money=False):
    try:
        number = Decimal(value.strip().replace(",", "").lstrip("$"))
    except InvalidOperation:
        problems.append("%s: %r is not a number" % (where, value))
        return value
    # Hours keep their written precision: 1.25 must stay 1.25 for the increment check.
    return str(writ.money(number)) if money else str(number)


def entry_number(entry_id):
    digits = re.sub(r"\D", "", entry_id)
    if not digits:
        problems.append("entry %r has no entry number" % entry_id)
        return 0
    return int(digits)


timekeepers = writ.table("timekeepers").select("timekeeper_id", "role")
matters = writ.table("matters").map(lambda r: {"matter_id": r["matter_id"].strip(),
                                               "matter_closed": clean_date(r[closed_col], "matter " + r["matter_id"]),
                                               "monthly_cap": clean_decimal(r[cap_col], "matter cap", money=True)
                                               if r[cap_col].strip() else ""})
windows = (writ.table("staffing")
           .map(lambda r: {"matter_id": r["matter_id"].strip(), "timekeeper_id": r["timekeeper_id"].strip(),
                           "window": clean_date(r[from_col], "staffing") + ".." + clean_date(r[to_col], "staffing")})
           .group_by("matter_id", "timekeeper_id")
           .agg(approved_windows=lambda g: ";".join(r["window"] for r in g)))


def typed(r):
    where = "time_entries row %s" % r["entry_id"]
    d = clean_date(r["date"], where)
    return {"entry_id": r["entry_id"].strip(), "entry_no": entry_number(r["entry_id"]), "date": d, "month": d[:7],
            "timekeeper_id": r["timekeeper_id"].strip(), "matter_id": r["matter_id"].strip(),
            "task_code": r["task_code"].strip().upper(), "activity": r["activity"].strip().lower(),
            "hours": clean_decimal(r["hours"], where), "rate": clean_decimal(r["rate"], where, money=True),
            "amount": clean_decimal(r["amount"], where, money=True), "description": r["description"].strip()}


entries = (writ.table("time_entries").map(typed)
           .join(timekeepers, on="timekeeper_id", how="left")
           .join(matters, on="matter_id", how="left")
           .join(windows, on=["matter_id", "timekeeper_id"], how="left")
           .sort("entry_no"))
if problems:
    print("normalize_entries: %d malformed cells:\n  %s" % (len(problems), "\n  ".join(problems[:50])), file=sys.stderr)
    sys.exit(2)
unknown_matters = sorted({r["matter_id"] for r in entries if r["matter_closed"] == "" and r["monthly_cap"] == ""
                          and r["matter_id"] not in matters.index("matter_id")})
if unknown_matters:
    writ.log("normalize_entries: entries name matters missing from the register: %s" % ", ".join(unknown_matters))

COLUMNS = ["entry_id", "entry_no", "date", "month", "timekeeper_id", "role", "matter_id", "task_code", "activity",
           "hours", "rate", "amount", "description", "matter_closed", "monthly_cap", "approved_windows"]
writ.emit("entries", entries.select(*COLUMNS))
