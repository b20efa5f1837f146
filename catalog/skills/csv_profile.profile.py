"""Profile a CSV file: row count, and per column the inferred type, empties, distinct count and examples.

Steps and the executor read this before writing code, so that they see the real shape of an input
(e.g. that `approved_to` is often empty) instead of guessing it.
"""

import csv
import re

_INT = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _kind(value):
    if _INT.match(value):
        return "integer"
    if _DECIMAL.match(value):
        return "decimal"
    if _DATE.match(value):
        return "date"
    if value.lower() in ("true", "false"):
        return "boolean"
    return "string"


def profile(path, max_examples=3):
    """Return {"rows": n, "columns": [{"name", "type", "empty", "distinct", "examples"}]} for the CSV at `path`."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        names = list(reader.fieldnames or [])
        kinds = {name: set() for name in names}
        empty = {name: 0 for name in names}
        seen = {name: set() for name in names}
        examples = {name: [] for name in names}
        rows = 0
        for row in reader:
            rows += 1
            for name in names:
                value = (row.get(name) or "").strip()
                if not value:
                    empty[name] += 1
                    continue
                kinds[name].add(_kind(value))
                if value not in seen[name]:
                    seen[name].add(value)
                    if len(examples[name]) < max_examples:
                        examples[name].append(value)
    columns = []
    for name in names:
        found = kinds[name]
        if found <= {"integer"} and found:
            kind = "integer"
        elif found <= {"integer", "decimal"} and found:
            kind = "decimal"
        elif len(found) == 1:
            kind = next(iter(found))
        else:
            kind = "string"
        columns.append(
            {"name": name, "type": kind, "empty": empty[name], "distinct": len(seen[name]), "examples": examples[name]}
        )
    return {"rows": rows, "columns": columns}
