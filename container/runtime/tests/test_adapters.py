"""The adapter programs the compiler inserts between producer and consumer (catalog/programs/adapters/), each
run through writ_boot.py: a round trip keeps every cell and row provenance; what a format cannot carry stops
the step with a message naming the row."""
import os
import unittest

from harness import REPO, cleanup, run_step

ADAPTERS = os.path.join(REPO, "catalog", "programs", "adapters")
CSV = b'id,name,amount\n1,"Smith, J",10.50\n2,Lee,3.00\n'


def adapter(name):
    return os.path.join(ADAPTERS, name + ".py")


class AdapterTest(unittest.TestCase):
    def run_ok(self, name, inputs):
        run = run_step(adapter(name), inputs)
        self.addCleanup(cleanup, run)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run

    def test_csv_to_json_rows_and_back_is_the_identity_with_row_provenance(self):
        rows = self.run_ok("csv_to_json_rows", {"input": ("table.csv", [("t.csv", CSV)])})
        self.assertEqual(rows.json("output"), [{"id": "1", "name": "Smith, J", "amount": "10.50"},
                                               {"id": "2", "name": "Lee", "amount": "3.00"}])
        self.assertEqual(rows.provenance("output")["values"]["/1"], [{"input": "input", "file": "t.csv", "row": 2}])
        back = self.run_ok("json_rows_to_csv", {"input": rows.artifact("output")})
        self.assertEqual(back.text("output").encode(), CSV)
        self.assertEqual(back.provenance("output")["rows"][1],
                         [{"input": "input", "file": "output.json", "pointer": "/1"}])

    def test_csv_to_tsv_and_back_is_the_identity(self):
        tsv = self.run_ok("csv_to_tsv", {"input": ("table.csv", [("t.csv", CSV)])})
        self.assertEqual(tsv.emitted["output"]["kind"], "table.tsv")
        self.assertEqual(tsv.text("output"), "id\tname\tamount\n1\tSmith, J\t10.50\n2\tLee\t3.00\n")
        back = self.run_ok("tsv_to_csv", {"input": tsv.artifact("output")})
        self.assertEqual(back.text("output").encode(), CSV)
        self.assertEqual(back.provenance("output")["rows"][0], [{"input": "input", "file": "output.tsv", "row": 1}])

    def test_what_a_format_cannot_carry_stops_the_step_naming_the_row(self):
        cases = [("csv_to_tsv", ("table.csv", [("t.csv", b'a,b\n1,"x\ty"\n')]), "row 1"),
                 ("json_rows_to_csv", ("table.json_rows", [("r.json", b'[{"a": "1"}, {"b": "2"}]')]), "row 1"),
                 ("json_rows_to_csv", ("table.json_rows", [("r.json", b'[{"a": 1.5}]')]), "row 0"),
                 ("json_rows_to_csv", ("table.json_rows", [("r.json", b'{"a": 1}')]), "not a JSON array")]
        for name, given, message in cases:
            run = run_step(adapter(name), {"input": given})
            self.addCleanup(cleanup, run)
            self.assertNotEqual(run.returncode, 0, name)
            self.assertIn(message, run.stderr, name)


if __name__ == "__main__":
    unittest.main()
