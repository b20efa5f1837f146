"""Write the artifacts the independent billing oracle computes for a folder of inputs, in the published
formats of ../shared/data/README.md: findings.csv, matter_months.csv, summary.json.

usage: python3 packs/billing-audit/tests/oracle_export.py INPUT_DIR OUT_DIR
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle as billing_oracle  # noqa: E402

FINDINGS = ["entry_id", "findings", "flags", "billed_amount", "payable_amount", "delta"]
MATTER_MONTHS = ["matter_id", "month", "payable_before_cap", "cap", "overage"]


def write_csv(path, columns, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r[c] for c in columns] if isinstance(r, dict) else r)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())


def main(src, out):
    os.makedirs(out, exist_ok=True)
    findings, matter_months, summary = billing_oracle.audit(src)
    write_csv(os.path.join(out, "findings.csv"), FINDINGS, findings)
    write_csv(os.path.join(out, "matter_months.csv"), MATTER_MONTHS, matter_months)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
