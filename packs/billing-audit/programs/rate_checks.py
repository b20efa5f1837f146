"""rate_checks: the rate applicable to each entry (3.1 by role and date, 3.2 for travel) and the RATE /
TRAVEL_RATE finding (3.3) when the entry was charged at any other rate.

Inputs: entries (CSV), terms (JSON). Output: rate_checks (CSV): entry_id, role, base_rate (3.1 rate in force
on the entry's date), applicable_rate (3.2 applied for travel, rounded half up to the cent), charged_rate,
finding, section. Whether a finding is recorded for an excluded entry is decided in `payable` (8.1).
An entry whose role has no rate in force on its date gets an empty applicable rate (logged); `payable`
refuses to price such an entry unless it is excluded in full.
"""
import sys
from decimal import Decimal

import writ

terms = writ.json("terms")
table = terms["rates"]["table"]
travel = terms["travel"]
percent = Decimal(travel["percent"])
missing = []


def base_rate(role, day):
    for t in table:
        if t["role"].lower() == role.lower() and (t["from"] is None or t["from"] <= day) and (t["to"] is None or day <= t["to"]):
            return Decimal(t["rate"])
    return None


rows = []
for r in writ.table("entries"):
    base = base_rate(r["role"], r["date"])
    charged = r.decimal("rate")
    if base is None:
        missing.append("%s (%s, role %r, %s)" % (r["entry_id"], r["timekeeper_id"], r["role"], r["date"]))
        rows.append(writ.row({"entry_id": r["entry_id"], "role": r["role"], "base_rate": "", "applicable_rate": "",
                              "charged_rate": charged, "finding": "", "section": ""}, r))
        continue
    is_travel = r["activity"] == travel["activity"]
    applicable = writ.money(base * percent / 100) if is_travel else base.quantize(Decimal("0.01"))
    finding, section = "", ""
    if charged != applicable:
        finding = travel["code"] if is_travel else terms["rate_mismatch"]["code"]
        section = travel["section"] if is_travel else terms["rate_mismatch"]["section"]
    rows.append(writ.row({"entry_id": r["entry_id"], "role": r["role"], "base_rate": base,
                          "applicable_rate": applicable, "charged_rate": charged, "finding": finding,
                          "section": section}, r))

if missing:
    # Entries excluded in full (e.g. an unknown timekeeper) still need no rate; `payable` refuses any other.
    writ.log("rate_checks: no rate in force for %d entries: %s" % (len(missing), ", ".join(missing[:20])))
writ.emit("rate_checks", writ.Table(["entry_id", "role", "base_rate", "applicable_rate", "charged_rate", "finding",
                                     "section"], rows))
