"""profile_inputs: per input table, its row count, columns, inferred types and null (blank) counts.

Inputs: time_entries, timekeepers, matters, staffing (CSV). Output: input_profile (JSON).
"""
import re

import writ

SLOTS = ["time_entries", "timekeepers", "matters", "staffing"]
TYPES = [("integer", re.compile(r"^-?\d+$")), ("decimal", re.compile(r"^-?\d+\.\d+$")),
         ("date", re.compile(r"^\d{4}-\d{2}-\d{2}$"))]


def infer(values):
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return "empty"
    for name, pattern in TYPES:
        if all(pattern.match(v) for v in present):
            return name
    if all(re.match(r"^-?\d+(\.\d+)?$", v) for v in present):
        return "decimal"
    return "string"


profile = {}
for slot in SLOTS:
    table = writ.table(slot)
    columns = []
    for col in table.columns:
        values = table.column(col)
        blanks = table.filter(lambda r, c=col: not r[c].strip())
        columns.append({"name": col, "type": infer(values), "nulls": blanks.count(),
                        "distinct": len(set(values))})
    profile[slot] = {"rows": table.count(), "columns": columns}

writ.emit("input_profile", profile)
