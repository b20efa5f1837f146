"""The contract-review reference programs, run in template order through the sandbox harness (fanned out in
shards and merged as the platform does), with `evaluator.judge` answered by the built-in evaluator through
`writ tool serve`; compared with the independent oracle (oracle.py) on the shared batch and with the
generator's own truth (perturb.py) on perturbed batches: reflowed line widths, other and renamed headings,
reordered clauses, equivalent rewordings, planted deviations worded unlike the shared data, a missing clause,
an empty file and a non-UTF-8 file."""
import csv
import io
import os
import re
import unittest

import oracle
import perturb
import pipeline
from score import excerpts_matching, score

STANDARD = os.path.join(pipeline.FOLDER, "standard_msa.md")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Pipeline(unittest.TestCase):
    tools = None

    @classmethod
    def setUpClass(cls):
        if not os.path.isdir(pipeline.FOLDER):
            raise unittest.SkipTest("no shared data at %s" % pipeline.FOLDER)
        cls.tools = pipeline.Tools()

    @classmethod
    def tearDownClass(cls):
        if cls.tools is not None:
            cls.tools.close()


class SharedBatch(Pipeline):
    """The 200 shared contracts against the oracle."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        calls_before = cls.tools.calls
        cls.result = pipeline.run_pipeline(STANDARD, pipeline.shared_contracts(), cls.tools)
        cls.calls = cls.tools.calls - calls_before
        contracts = {name[:-4]: read(path) for name, path in pipeline.shared_contracts()}
        cls.contracts = contracts
        cls.truth = oracle.expected(read(STANDARD), contracts)

    @classmethod
    def tearDownClass(cls):
        for run in cls.result.runs:
            pipeline.cleanup(run)
        super().tearDownClass()

    def test_accuracy_against_the_oracle(self):
        s = score(self.result.rows("deviations"), self.truth)
        self.assertGreaterEqual(s["f1"], 0.98, s)
        self.assertGreaterEqual(s["lines_exact"], 0.98, s)

    def test_columns_and_order(self):
        text = self.result.text("deviations")
        self.assertEqual(text.splitlines()[0], "contract_id,clause,deviation,line_start,line_end,excerpt")
        rows = self.result.rows("deviations")
        keys = [r["contract_id"] for r in rows]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(len({(r["contract_id"], r["clause"]) for r in rows}), len(rows))

    def test_one_evaluator_call_per_contract(self):
        self.assertEqual(self.calls, len(self.contracts))

    def test_excerpt_is_a_sentence_within_the_cited_lines(self):
        for r in self.result.rows("deviations"):
            lines = self.contracts[r["contract_id"]].split("\n")
            span = " ".join(" ".join(lines[int(r["line_start"]) - 1:int(r["line_end"])]).split())
            self.assertIn(" ".join(r["excerpt"].split()), span, r)

    def test_no_exceptions_on_clean_data(self):
        self.assertEqual(self.result.rows("exceptions"), [])

    def test_report_has_standard_beside_found_and_lines(self):
        report = self.result.text("report")
        for r in self.result.rows("deviations"):
            self.assertIn("**%s — %s** (contract lines %s–%s)" % (r["clause"], r["deviation"], r["line_start"],
                                                                  r["line_end"]), report)
        self.assertIn("| Standard (section", report)
        self.assertIn("Deviations: %d." % len(self.result.rows("deviations")), report)

    def test_deviation_rows_cite_the_clause_lines(self):
        """In each shard, a deviation row cites its clause body's lines of the contract file, and its excerpt
        cell the deviating sentence's lines within them (the merge step's rows cite these rows)."""
        shards = [r for r in self.result.runs if r.emitted and "clause_deviations" in r.emitted]
        self.assertEqual(len(shards), -(-len(self.contracts) // pipeline.SHARD))
        seen = 0
        for run in shards:
            prov = run.provenance("clause_deviations")
            rows = run.rows("clause_deviations")
            self.assertEqual(len(prov["rows"]), len(rows))
            for i, (r, sources) in enumerate(zip(rows, prov["rows"]), start=1):
                seen += 1
                lines = sorted(s["line"] for s in sources if s.get("file") == r["contract_id"] + ".txt")
                self.assertEqual(lines, list(range(int(r["line_start"]), int(r["line_end"]) + 1)), r)
                excerpt = prov["values"]["/%d/excerpt" % i]
                self.assertTrue(excerpt and all(int(r["line_start"]) <= s["line"] <= int(r["line_end"])
                                                for s in excerpt), r)
        self.assertEqual(seen, len(self.result.rows("deviations")))
        merge = [r for r in self.result.runs if r.emitted and "deviations" in r.emitted][0]
        prov = merge.provenance("deviations")
        for i in range(1, len(self.result.rows("deviations")) + 1):
            cited = prov["values"]["/%d/excerpt" % i]
            self.assertEqual([c["input"] for c in cited], ["clause_deviations"])

    def test_standard_has_thirteen_clauses_with_terms(self):
        std = self.result.json("standard_clauses")["clauses"]
        self.assertEqual(len(std), 13)
        self.assertIn("USD 2000000", [q for c in std for q in c["terms"]["quantities"]])


class PerturbedBatch(Pipeline):
    """Perturbed batches with the generator's truth."""

    def run_batch(self, seed, n):
        files, truth = perturb.batch(read(STANDARD), n=n, seed=seed)
        result = pipeline.run_pipeline(STANDARD, files, self.tools, test=self, shard=7)
        return files, truth, result

    def check(self, seed, n):
        files, truth, result = self.run_batch(seed, n)
        s = score(result.rows("deviations"), {k: v[:3] for k, v in truth["deviations"].items()})
        self.assertGreaterEqual(s["f1"], 0.98, s)
        self.assertGreaterEqual(s["lines_exact"], 0.98, s)
        self.assertGreaterEqual(excerpts_matching(result.rows("deviations"), truth["deviations"]), 0.95)
        exceptions = result.rows("exceptions")
        got_missing = {(r["contract_id"], r["clause"]) for r in exceptions if r["clause"]}
        self.assertEqual(got_missing, truth["missing"])
        whole = {r["contract_id"]: r["reason"] for r in exceptions if not r["clause"]}
        self.assertEqual(set(whole), truth["unreadable"])
        for cid, reason in whole.items():
            self.assertIn(cid + ".txt", reason)
        self.assertIn("is empty", whole["VC-9998"])
        self.assertIn("not UTF-8", whole["VC-9999"])
        report = result.text("report")
        for cid, clause in truth["missing"]:
            self.assertRegex(report, r"(?m)^\| %s \| %s\.txt \| %s \|" % (cid, cid, clause))
        return result

    def test_seed_11(self):
        self.check(11, 60)

    def test_seed_23(self):
        self.check(23, 60)


class EvaluatorFailures(Pipeline):
    """A refused or malformed evaluator answer is an exception for that contract; the others go on."""

    def test_refusal_and_malformed_verdict(self):
        names = [n for n, _ in pipeline.shared_contracts()[:4]]
        files = [(n, p) for n, p in pipeline.shared_contracts()[:4]]
        std = pipeline.run_step(os.path.join(pipeline.PROGRAMS, "segment_standard.py"),
                                {"standard": ("file.text", [("standard_msa.md", STANDARD)])})
        self.addCleanup(pipeline.cleanup, std)

        def tools(name, args):
            if args["item"] == names[0][:-4]:
                raise pipeline.Refuse("budget.exhausted", "evaluator budget spent")
            if args["item"] == names[1][:-4]:
                return {"verdict": "deviates", "reasons": ["?"]}
            verdict = self.tools(name, args)
            if args["item"] == names[2][:-4]:
                # a model's verdict: clause names instead of evidence indexes, no sentence numbers
                for c in verdict["criteria"]:
                    c.pop("evidence", None)
                    c.pop("sentence", None)
                    c.pop("excerpt", None)
            return verdict

        run = pipeline.run_step(os.path.join(pipeline.PROGRAMS, "review_contracts.py"),
                                {"contracts": ("file.batch", files),
                                 "standard_clauses": std.artifact("standard_clauses")}, tools)
        self.addCleanup(pipeline.cleanup, run)
        self.assertEqual(run.returncode, 0, run.stderr[-2000:])
        exceptions = run.rows("clause_exceptions")
        self.assertEqual([(e["contract_id"], e["clause"]) for e in exceptions],
                         [(names[0][:-4], ""), (names[1][:-4], "")])
        self.assertIn("budget.exhausted", exceptions[0]["reason"])
        self.assertIn(names[1], exceptions[1]["reason"])
        judged = {r["contract_id"] for r in run.rows("clause_deviations")}
        self.assertFalse(judged & {names[0][:-4], names[1][:-4]})
        self.assertEqual(len({r["contract_id"] for r in run.rows("clauses")}), 4)
        third = [r for r in run.rows("clause_deviations") if r["contract_id"] == names[2][:-4]]
        self.assertTrue(third)
        for r in third:
            lines = read(dict(files)[names[2]]).split("\n")[int(r["line_start"]) - 1:int(r["line_end"])]
            self.assertIn(" ".join(r["excerpt"].split()), " ".join(" ".join(lines).split()))


class SharedBlocks(unittest.TestCase):
    """The text-analysis block the programs share is the same text in each (a program is one file)."""

    def test_identical(self):
        blocks = []
        for name in ("profile_batch", "segment_standard", "review_contracts"):
            text = read(os.path.join(pipeline.PROGRAMS, name + ".py"))
            m = re.search(r"# --- shared: msa text analysis.*?# --- end shared", text, re.S)
            self.assertIsNotNone(m, name)
            blocks.append(m.group(0))
        self.assertEqual(len(set(blocks)), 1)


if __name__ == "__main__":
    unittest.main()
