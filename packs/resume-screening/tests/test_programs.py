"""The resume-screening reference programs, run in template order through the sandbox harness, against the
independent oracle (oracle.py): on the shared workload, and on perturbed workloads generated here (other date
formats and separators, reordered and renamed sections, bulleted descriptions, bad files, a posting with other
numbers), with uneven shards so the global merge is exercised.

Run: python3 -m unittest discover -s packs/resume-screening/tests
"""
import csv
import io
import os
import shutil
import tempfile
import unittest

import oracle
import perturb
from pipeline import FOLDER, Tools, run_pipeline

COLUMNS = ["candidate_id", "backend_years", "rust_or_go", "postgresql", "authorized", "kubernetes",
           "distributed_systems", "open_source", "cs_degree", "led_team", "eligible", "score"]


def read_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


class Screening:
    """Shared assertions: the acceptance of issue 18 against the oracle."""

    folder = None
    shard_size = 100

    @classmethod
    def setUpClass(cls):
        cls.tools = Tools()

    @classmethod
    def tearDownClass(cls):
        cls.tools.close()

    def run_all(self):
        self.tools.calls.clear()
        runs = run_pipeline(self.folder, self.tools, self, self.shard_size)
        files = {}
        for name in sorted(os.listdir(os.path.join(self.folder, "resumes"))):
            with open(os.path.join(self.folder, "resumes", name), "rb") as f:
                files[name] = f.read()
        with open(os.path.join(self.folder, "job_posting.md"), encoding="utf-8") as f:
            want = oracle.oracle(f.read(), files)
        return runs, want

    def check_against_oracle(self, runs, want):
        merge = runs["merge"]
        got_text = merge.text("candidates")
        self.assertEqual(got_text.split("\n", 1)[0], ",".join(COLUMNS))
        got = read_rows(got_text)
        self.assertEqual([r["candidate_id"] for r in got], sorted(want), "one row per resume, ordered by id")
        n = len(want)
        mismatches = {c: [] for c in COLUMNS[1:]}
        for r in got:
            w = want[r["candidate_id"]]
            for c in COLUMNS[1:]:
                if r[c] != w[c]:
                    mismatches[c].append((r["candidate_id"], r[c], w[c]))
        report = {c: len(v) for c, v in mismatches.items() if v}
        self.assertGreaterEqual(1 - len(mismatches["eligible"]) / n, 0.99, report)
        for c, v in mismatches.items():
            self.assertGreaterEqual(1 - len(v) / n, 0.98, "%s: %s" % (c, v[:5]))
        ranking = [(r["rank"], r["candidate_id"], r["score"]) for r in read_rows(merge.text("ranking"))]
        want_ranking = oracle.ranking(want)
        self.assertEqual(ranking[:25], want_ranking[:25], "top 25 identical in order")
        self.assertEqual(len(ranking), len(want_ranking))
        # one governed evaluator call per candidate, and a proof card per candidate
        judged = [item for name, item in self.tools.calls if name == "evaluator.judge"]
        self.assertEqual(sorted(judged), sorted(want))
        self.assertEqual(sorted(n[:-5] for n, _ in runs["cards"][1]), sorted(want))
        return mismatches

    def check_report(self, runs):
        report = runs["report"].text("report")
        ranking = read_rows(runs["merge"].text("ranking"))
        heads = [l for l in report.splitlines() if l.startswith("### ")]
        self.assertEqual(len(heads), min(25, len(ranking)))
        for head, r in zip(heads, ranking):
            self.assertTrue(head.startswith("### %s. %s: %s points" % (r["rank"], r["candidate_id"], r["score"])), head)
        shortlist = report.split("## Shortlist", 1)[1].split("\n## ", 1)[0]
        for line in shortlist.splitlines():
            if line.startswith("| ") and not line.startswith(("| points", "| **")) and "| base |" not in line:
                self.assertRegex(line, r"C-\d{5}\.txt line \d+: ", "a point without its resume line")
        return report


class VisibleData(Screening, unittest.TestCase):
    folder = FOLDER

    def test_visible_workload(self):
        runs, want = self.run_all()
        self.check_against_oracle(runs, want)
        self.check_report(runs)
        # every score cell of the screened rows traces to resume lines
        prov = runs["shards"][0].provenance("screened")
        some = [v for k, v in prov["values"].items() if k.endswith("/score") and v]
        self.assertTrue(some and all(s["input"] == "resumes" and "line" in s for v in some for s in v))


class PerturbedData(Screening, unittest.TestCase):
    shard_size = 137

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.mkdtemp(prefix="resume-perturbed-")
        cls.bad = perturb.resumes(os.path.join(FOLDER, "resumes"), os.path.join(cls.folder, "resumes"), seed=11)
        perturb.posting(os.path.join(FOLDER, "job_posting.md"), os.path.join(cls.folder, "job_posting.md"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_perturbed_workload(self):
        runs, want = self.run_all()
        self.check_against_oracle(runs, want)
        report = self.check_report(runs)
        rules = runs["rules"].json("rules")
        self.assertEqual(rules["experience"]["min_years"], "4.0")
        self.assertEqual(rules["experience"]["present"], "2026-12")
        self.assertEqual(rules["score"]["base"], 40)
        screened = {r["candidate_id"]: r for r in read_rows(runs["screened"][1][0][1].decode())}
        empty, binary, latin, one_date, no_dates = (b[:-4] for b in self.bad)
        for cid in (empty, binary, latin):
            self.assertEqual(screened[cid]["eligible"], "false")
            self.assertEqual(screened[cid]["status"], "unreadable")
            self.assertIn("unreadable", screened[cid]["reason"])
            self.assertRegex(report, r"- %s: not eligible, unreadable" % cid)
        self.assertIn("no dates it can parse", screened[no_dates]["reason"])
        self.assertEqual(screened[no_dates]["eligible"], "false")
        self.assertRegex(report, r"- %s\.txt line \d+: `Spring 2014`" % one_date)
        self.assertIn("Spring 2014", screened[one_date]["reason"])


class ShuffledSameData(Screening, unittest.TestCase):
    """The visible resumes in another seed's layout, the original posting, shards of 64."""
    shard_size = 64

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = tempfile.mkdtemp(prefix="resume-shuffled-")
        perturb.resumes(os.path.join(FOLDER, "resumes"), os.path.join(cls.folder, "resumes"), seed=5)
        shutil.copyfile(os.path.join(FOLDER, "job_posting.md"), os.path.join(cls.folder, "job_posting.md"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def test_shuffled_layouts(self):
        runs, want = self.run_all()
        self.check_against_oracle(runs, want)
        self.check_report(runs)
        # the same candidates as the visible data: layout and date format do not change a single field
        visible = {}
        files = {}
        for name in sorted(os.listdir(os.path.join(FOLDER, "resumes"))):
            with open(os.path.join(FOLDER, "resumes", name), "rb") as f:
                files[name] = f.read()
        with open(os.path.join(FOLDER, "job_posting.md"), encoding="utf-8") as f:
            visible = oracle.oracle(f.read(), files)
        got = {r["candidate_id"]: r for r in read_rows(runs["merge"].text("candidates"))}
        for cid, w in visible.items():
            self.assertEqual({c: got[cid][c] for c in COLUMNS}, w, cid)


if __name__ == "__main__":
    unittest.main()
