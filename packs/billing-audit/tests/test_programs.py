"""The nine billing-audit reference programs, run in dependency order through writ_boot.py, against the
independent oracle (oracle.py): on the shared workload and on a perturbed month generated here."""
import csv
import io
import json
import os
import random
import re
import shutil
import tempfile
import unittest
from datetime import date, timedelta

import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "container", "runtime", "tests"))

import oracle as billing_oracle  # noqa: E402
from harness import DATA, REPO, Refuse, ToolServer, cleanup, run_step  # noqa: E402

PROGRAMS = os.path.join(HERE, "..", "programs")
FOLDER = os.path.join(DATA, "billing-audit")
RAW = {"time_entries": "time_entries.csv", "timekeepers": "timekeepers.csv", "matters": "matters.csv",
       "staffing": "staffing.csv"}
# step id -> (input slots, output slots); the template's fixed contract.
STEPS = [
    ("profile_inputs", ["time_entries", "timekeepers", "matters", "staffing"], ["input_profile"]),
    ("extract_terms", ["letter"], ["terms"]),
    ("normalize_entries", ["time_entries", "timekeepers", "matters", "staffing", "terms"], ["entries"]),
    ("exclusions", ["entries", "terms"], ["exclusions"]),
    ("rate_checks", ["entries", "terms"], ["rate_checks"]),
    ("time_checks", ["entries", "terms", "exclusions"], ["time_checks"]),
    ("review_flags", ["entries", "terms", "exclusions"], ["flags"]),
    ("payable", ["entries", "exclusions", "rate_checks", "time_checks", "flags", "terms", "matters"],
     ["findings", "matter_months", "summary"]),
    ("report", ["findings", "matter_months", "summary", "terms"], ["report"]),
]


_TOOLS = None


def review_flags_tool(name, args):
    """The governed evaluator with this pack's built-in evaluator (src/evaluator.rs, section 7 as code)
    through `writ tool serve`; only the tool the step binds is answered."""
    global _TOOLS
    if name != "evaluator.judge":
        raise Refuse("tool.not_bound", name)
    if _TOOLS is None:
        _TOOLS = ToolServer()
    return _TOOLS(name, args)


def run_pipeline(folder, test):
    artifacts = {slot: ("table.csv", [(name, os.path.join(folder, name))]) for slot, name in RAW.items()}
    artifacts["letter"] = ("file.text", [("engagement_letter.md", os.path.join(folder, "engagement_letter.md"))])
    runs = {}
    for step, inputs, outputs in STEPS:
        run = run_step(os.path.join(PROGRAMS, step + ".py"), {s: artifacts[s] for s in inputs}, review_flags_tool)
        test.addCleanup(cleanup, run)
        test.assertEqual(run.returncode, 0, "%s failed:\n%s" % (step, run.stderr[-3000:]))
        test.assertEqual(sorted(run.emitted), sorted(outputs), step)
        for slot in outputs:
            artifacts[slot] = run.artifact(slot)
            runs[slot] = run
    return runs


def shift(d, days):
    return (date.fromisoformat(d) + timedelta(days=days)).isoformat() if d else d


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def perturbed_folder():
    """The workload moved ~5 months later with a letter whose numbers differ and entries that hit every rule."""
    out = tempfile.mkdtemp(prefix="billing-perturbed-")
    days = 181
    with open(os.path.join(FOLDER, "engagement_letter.md"), encoding="utf-8") as f:
        letter = f.read()
    replacements = [
        ("2026-09-30", shift("2026-09-30", days)), ("2026-10-01", shift("2026-10-01", days)),
        ("| 650.00 | 680.00 |", "| 640.00 | 700.00 |"), ("| 480.00 | 500.00 |", "| 470.00 | 495.00 |"),
        ("| 360.00 | 360.00 |", "| 355.00 | 365.00 |"), ("at 50% of", "at 40% of"),
        ("more than 10.0 hours in one", "more than 8.0 hours in one"), ("Task code A110", "Task codes A110 and L120"),
        ("fewer than four words", "fewer than five words"), ('"follow up"', '"follow up", "research"'),
        ("with more than 1.0 hours", "with more than 2.0 hours"),
    ]
    for old, new in replacements:
        assert letter.count(old) == 1, old
        letter = letter.replace(old, new)
    with open(os.path.join(out, "engagement_letter.md"), "w", encoding="utf-8") as f:
        f.write(letter)
    shutil.copyfile(os.path.join(FOLDER, "timekeepers.csv"), os.path.join(out, "timekeepers.csv"))

    def read(name):
        with open(os.path.join(FOLDER, name), encoding="utf-8") as f:
            return list(csv.DictReader(f))

    matters = read("matters.csv")
    for m in matters:
        m["opened"], m["closed"] = shift(m["opened"], days), shift(m["closed"], days)
    matters[1]["closed"] = shift("2026-09-20", days)
    matters[2]["monthly_cap_usd"] = "50000.00"
    write_csv(os.path.join(out, "matters.csv"), list(matters[0]), matters)
    staffing = read("staffing.csv")
    for s in staffing:
        s["approved_from"], s["approved_to"] = shift(s["approved_from"], days), shift(s["approved_to"], days)
    staffing[0]["approved_to"] = shift("2026-10-15", days)
    write_csv(os.path.join(out, "staffing.csv"), list(staffing[0]), staffing)

    entries = read("time_entries.csv")
    rng = random.Random(7)
    for e in entries:
        e["date"] = shift(e["date"], days)
    for e in rng.sample(entries, 12):
        e["rate"] = rng.choice(["355.00", "700.00", "640.00", "200.00", "470.00"])
        e["amount"] = str((billing_oracle.Decimal(e["hours"]) * billing_oracle.Decimal(e["rate"])).quantize(
            billing_oracle.CENT))
    for e in rng.sample(entries, 6):
        e["hours"] = rng.choice(["0.35", "1.27", "2.05"])
    for e in rng.sample(entries, 4):
        e["activity"] = "travel"
    heavy = rng.sample(entries, 10)
    for e in heavy:
        e["hours"] = "7.5"
    next_id = max(int(re.sub(r"\D", "", e["entry_id"])) for e in entries) + 1
    extra = []
    for e in rng.sample(entries, 8):
        extra.append(dict(e, entry_id="TE-%d" % (next_id + len(extra))))
    for e in rng.sample(entries, 3):
        extra.append(dict(e, entry_id="TE-%d" % (next_id + len(extra)), date=shift(e["date"], 1),
                          description="Research; Emails; Research"))
    entries += extra
    write_csv(os.path.join(out, "time_entries.csv"), list(entries[0]), entries)
    return out


class BillingProgramsTest(unittest.TestCase):
    def check_against_oracle(self, folder):
        runs = run_pipeline(folder, self)
        findings, months, summary = billing_oracle.audit(folder)
        self.assertEqual(runs["findings"].rows("findings"), findings)
        self.assertEqual(runs["matter_months"].rows("matter_months"), months)
        self.assertEqual(runs["summary"].json("summary"), summary)
        header = runs["findings"].text("findings").splitlines()[0]
        self.assertEqual(header, "entry_id,findings,flags,billed_amount,payable_amount,delta")
        return runs, summary

    def test_shared_workload_matches_the_oracle(self):
        runs, summary = self.check_against_oracle(FOLDER)
        self.assertEqual(summary["entries"], 753)
        # Every findings row traces to its entry row, and the total cites every entry it sums.
        prov = runs["findings"].provenance("findings")
        self.assertEqual(len(prov["rows"]), 753)
        for i, sources in enumerate(prov["rows"], start=1):
            self.assertIn({"input": "entries", "file": "entries.csv", "row": i}, sources)
        total = runs["summary"].provenance("summary")["values"]["/total_payable"]
        self.assertEqual({s["row"] for s in total if s["input"] == "entries"}, set(range(1, 754)))
        entries_prov = runs["entries"].provenance("entries")["rows"]
        self.assertIn({"input": "time_entries", "file": "time_entries.csv", "row": 1}, entries_prov[0])
        report = runs["report"].text("report")
        self.assertIn("%s USD [trace](trace:summary.json:/total_payable)" % summary["total_payable"], report)
        terms = runs["terms"].json("terms")
        self.assertEqual(terms["increment"]["section"], "4.1")
        tool_calls = [c for c in runs["flags"].calls
                      if c["tool"] == "evaluator.judge" and c["args"]["rubric"] == "billing.review_flags"]
        excluded = sum(summary["findings_by_code"][c] for c in
                       ("DUPLICATE", "CLOSED_MATTER", "UNAPPROVED_TIMEKEEPER", "NON_BILLABLE"))
        self.assertEqual(len(tool_calls), 753 - excluded)

    def test_perturbed_month_matches_the_oracle(self):
        folder = perturbed_folder()
        self.addCleanup(shutil.rmtree, folder, True)
        runs, summary = self.check_against_oracle(folder)
        terms = runs["terms"].json("terms")
        self.assertEqual(terms["daily_cap"]["hours"], "8.0")
        self.assertEqual(terms["travel"]["percent"], "40")
        self.assertEqual(terms["non_billable"]["task_codes"], ["A110", "L120"])
        self.assertEqual(terms["vague"]["min_words"], 5)
        counts = summary["findings_by_code"]
        for code in billing_oracle.CODES:
            self.assertGreater(counts[code], 0, code)

    def test_extract_terms_reads_a_letter_with_other_numbers_and_layout(self):
        with open(os.path.join(FOLDER, "engagement_letter.md"), encoding="utf-8") as f:
            letter = f.read()
        replacements = [
            ("| Role | Rate until 2026-09-30 (USD/hour) | Rate from 2026-10-01 (USD/hour) |",
             "| Role | Rate until 2027-03-31 (USD/hour) | Rate from 2027-04-01 until 2027-06-30 (USD/hour) "
             "| Rate from 2027-07-01 (USD/hour) |"),
            ("|---|---|---|", "|---|---|---|---|"), ("| 650.00 | 680.00 |", "| 700.00 | 720.00 | 735.50 |"),
            ("| 480.00 | 500.00 |", "| 500.00 | 510.00 | 520.00 |"), ("| 360.00 | 360.00 |", "| 1,360.00 | 1,360.00 | 1,400.00 |"),
            ("| 190.00 | 190.00 |", "| 200.00 | 200.00 | 200.00 |"), ("one tenth of an hour (0.1)", "one quarter of an hour (0.25)"),
            ("Task code A110", "Task codes A110, A111 and L140"), ("fewer than four words", "fewer than 6 words"),
            ("separated by semicolons", "separated by commas"), ("more than 10.0 hours", "more than 12 hours"),
            ("first of:\nduplicate (5.2), closed matter (2.2), unapproved timekeeper (2.1), non-billable task (5.1)",
             "first of:\nclosed matter (2.2), duplicate (5.2), non-billable task (5.1), unapproved timekeeper (2.1)"),
        ]
        for old, new in replacements:
            self.assertEqual(letter.count(old), 1, old)
            letter = letter.replace(old, new)
        run = run_step(os.path.join(PROGRAMS, "extract_terms.py"),
                       {"letter": ("file.text", [("engagement_letter.md", letter.encode())])})
        self.addCleanup(cleanup, run)
        self.assertEqual(run.returncode, 0, run.stderr)
        terms = run.json("terms")
        partner = [(t["from"], t["to"], t["rate"]) for t in terms["rates"]["table"] if t["role"] == "Partner"]
        self.assertEqual(partner, [(None, "2027-03-31", "700.00"), ("2027-04-01", "2027-06-30", "720.00"),
                                   ("2027-07-01", None, "735.50")])
        self.assertIn("1360.00", [t["rate"] for t in terms["rates"]["table"] if t["role"] == "Associate"])
        self.assertEqual(terms["increment"]["increment"], "0.25")
        self.assertEqual(terms["non_billable"]["task_codes"], ["A110", "A111", "L140"])
        self.assertEqual((terms["vague"]["min_words"], terms["block_billing"]["separator"]), (6, ","))
        self.assertEqual(terms["daily_cap"]["hours"], "12")
        self.assertEqual(terms["payable"]["precedence"],
                         ["CLOSED_MATTER", "DUPLICATE", "NON_BILLABLE", "UNAPPROVED_TIMEKEEPER"])
        prov = run.provenance("terms")["values"]
        self.assertEqual(prov["/daily_cap/hours"], [{"input": "letter", "file": "engagement_letter.md", "line": 40}])

    def test_extract_terms_fails_loudly_when_a_rule_is_missing(self):
        with open(os.path.join(FOLDER, "engagement_letter.md"), encoding="utf-8") as f:
            letter = f.read()
        broken = re.sub(r"4\.2 No timekeeper.*?10\.0 hours\.\n", "", letter, flags=re.S)
        self.assertNotEqual(broken, letter)
        run = run_step(os.path.join(PROGRAMS, "extract_terms.py"),
                       {"letter": ("file.text", [("engagement_letter.md", broken.encode())])})
        self.addCleanup(cleanup, run)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("daily hours cap", run.stderr)


if __name__ == "__main__":
    unittest.main()
