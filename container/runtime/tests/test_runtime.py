"""Unit tests of the step runtime on its own, each program run through writ_boot.py in a subprocess."""
import textwrap
import unittest

from harness import Refuse, cleanup, run_step

ORDERS = b"""order_id,customer,amount,status
O1,C1,10.00,paid
O2,C2,20.50,refunded
O3,C1,5.25,paid
O4,C3,7.00,paid
O5,C2,1.10,paid
"""
CUSTOMERS = b"""customer,region
C1,north
C2,south
C3,north
"""
TABLES = {"orders": ("table.csv", [("orders.csv", ORDERS)]),
          "customers": ("table.csv", [("customers.csv", CUSTOMERS)])}


def program(src):
    return textwrap.dedent(src).lstrip()


class RuntimeTest(unittest.TestCase):
    def run_ok(self, src, inputs=None, tools=None):
        run = run_step(program(src), inputs, tools)
        self.addCleanup(cleanup, run)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run

    def test_the_provenance_of_a_filtered_joined_sum_is_exactly_its_contributing_rows(self):
        run = self.run_ok("""
            import writ
            orders = writ.table("orders").filter(lambda r: r["status"] == "paid")
            customers = writ.table("customers")
            north = orders.join(customers, on="customer").filter(lambda r: r["region"] == "north")
            total = north.sum("amount")
            writ.emit("total", {"north_paid": total, "count": north.count()})
            """, TABLES)
        self.assertEqual(run.json("total"), {"north_paid": "22.25", "count": 3})
        prov = run.provenance("total")
        expected = [{"input": "customers", "file": "customers.csv", "row": 1},
                    {"input": "customers", "file": "customers.csv", "row": 3},
                    {"input": "orders", "file": "orders.csv", "row": 1},
                    {"input": "orders", "file": "orders.csv", "row": 3},
                    {"input": "orders", "file": "orders.csv", "row": 4}]
        self.assertEqual(prov["values"]["/north_paid"], expected)
        self.assertEqual(prov["values"]["/count"], expected)
        self.assertEqual(prov["code"]["values"]["/north_paid"], {"file": "program.py", "line": 5})

    def test_group_by_rows_cite_their_group_and_csv_keeps_column_order(self):
        run = self.run_ok("""
            import writ
            orders = writ.table("orders").join(writ.table("customers"), on="customer")
            by_region = orders.group_by("region").agg(total=("amount", "sum"), n=("order_id", "count"))
            writ.emit("by_region", by_region.sort("region", reverse=True))
            """, TABLES)
        self.assertEqual(run.text("by_region"), "region,total,n\nsouth,21.60,2\nnorth,22.25,3\n")
        prov = run.provenance("by_region")
        self.assertEqual(prov["kind"], "table.csv")
        south_orders = {s["row"] for s in prov["rows"][0] if s["input"] == "orders"}
        north_orders = {s["row"] for s in prov["rows"][1] if s["input"] == "orders"}
        self.assertEqual((south_orders, north_orders), ({2, 5}, {1, 3, 4}))
        self.assertEqual(prov["code"]["rows"], [{"file": "program.py", "line": 3}] * 2)
        self.assertEqual(run.emitted, {"by_region": {"kind": "table.csv", "files": ["by_region.csv"]}})

    def test_tracked_arithmetic_unions_sources_and_rounds_half_up(self):
        run = self.run_ok("""
            import writ
            rows = writ.table("orders").index("order_id")
            a = rows["O1"].decimal("amount")
            b = rows["O5"].decimal("amount")
            half = (a * writ.Decimal("0.105")).quantize()
            writ.emit("calc", {"sum": a + b, "min": a.min(b), "half": half, "plain": writ.money(writ.Decimal("2.345"))})
            """, TABLES)
        self.assertEqual(run.json("calc"), {"sum": "11.10", "min": "1.10", "half": "1.05", "plain": "2.35"})
        values = run.provenance("calc")["values"]
        self.assertEqual([s["row"] for s in values["/sum"]], [1, 5])
        self.assertEqual([s["row"] for s in values["/min"]], [1, 5])
        self.assertEqual([s["row"] for s in values["/half"]], [1])
        self.assertNotIn("/plain", values)

    def test_table_cells_and_map_keep_row_sources(self):
        run = self.run_ok("""
            import writ
            t = writ.table("orders").map(lambda r: {"id": r["order_id"], "cents": int(r["amount"].replace(".", ""))})
            t = t.with_column("big", lambda r: r["cents"] > 1000)
            writ.emit("out", t.filter(lambda r: r["big"]))
            """, TABLES)
        self.assertEqual(run.text("out"), "id,cents,big\nO2,2050,true\n")
        self.assertEqual(run.provenance("out")["rows"], [[{"input": "orders", "file": "orders.csv", "row": 2}]])

    def test_text_and_json_inputs_cite_lines_and_pointers(self):
        inputs = {"letter": ("file.text", [("letter.md", b"# Title\n\n1.1 Rate is 5.\n")]),
                  "terms": ("object.json", [("terms.json", b'{"rate": {"value": "5"}}')])}
        run = self.run_ok("""
            import writ
            letter = writ.text("letter")
            hits = [n for n, line in letter.lines() if "Rate" in line]
            rate = writ.json_at("terms", "/rate/value")
            writ.emit("facts", {"line": letter.line(hits[0], "5"), "cite": letter.cite(hits[0]), "rate": rate,
                                "raw": writ.json("terms")})
            writ.emit("note", "# Note\\n")
            """, inputs)
        self.assertEqual(run.json("facts")["cite"], {"input": "letter", "file": "letter.md", "line": 3})
        values = run.provenance("facts")["values"]
        self.assertEqual(values["/line"], [{"input": "letter", "file": "letter.md", "line": 3}])
        self.assertEqual(values["/rate"], [{"input": "terms", "file": "terms.json", "pointer": "/rate/value"}])
        self.assertEqual(run.text("note"), "# Note\n")
        self.assertEqual(run.emitted["note"], {"kind": "report.markdown", "files": ["note.md"]})

    def test_emitting_a_slot_twice_fails_the_step(self):
        run = run_step(program("""
            import writ
            writ.emit("x", {"a": 1})
            writ.emit("x", {"a": 2})
            """))
        self.addCleanup(cleanup, run)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("already emitted", run.stderr)
        self.assertIsNone(run.emitted)

    def test_an_unknown_input_slot_is_refused(self):
        run = run_step(program("""
            import writ
            writ.table("secrets")
            """), TABLES)
        self.addCleanup(cleanup, run)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("no input slot 'secrets'", run.stderr)

    def test_tools_answer_over_the_bridge_and_refusals_raise(self):
        def tools(name, args):
            if name == "math.double":
                return {"value": args["x"] * 2}
            raise Refuse("tool.not_bound", "%s is not bound" % name)

        run = self.run_ok("""
            import writ
            first = writ.call_tool("math.double", {"x": 21})
            try:
                writ.call_tool("net.fetch", {"url": "http://example.com"})
                refused = None
            except writ.ToolError as e:
                refused = [e.code, e.message]
            writ.log("done")
            writ.emit("r", {"first": first, "refused": refused})
            """, tools=tools)
        self.assertEqual(run.json("r"), {"first": {"value": 42},
                                         "refused": ["tool.not_bound", "net.fetch is not bound"]})
        self.assertEqual([c["tool"] for c in run.calls], ["math.double", "net.fetch"])
        self.assertEqual([c["id"] for c in run.calls], [1, 2])
        self.assertIn("done", run.stderr)

    def test_floats_are_refused(self):
        run = run_step(program("""
            import writ
            writ.emit("x", {"a": 0.1})
            """))
        self.addCleanup(cleanup, run)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("floats are not exact", run.stderr)


if __name__ == "__main__":
    unittest.main()


class BatchAndDirectoryTest(unittest.TestCase):
    run_ok = RuntimeTest.run_ok

    BATCH = {"docs": ("file.batch", [("b.txt", b"beta\nline two\n"), ("a.txt", b"alpha\n"),
                                     ("empty.txt", b""), ("latin.txt", b"caf\xe9\n"),
                                     ("blob.txt", b"MZ\x00\x01")])}

    def test_documents_are_sorted_by_name_cite_their_file_and_keep_unreadable_ones_with_a_reason(self):
        run = self.run_ok("""
            import writ
            out = []
            for d in writ.documents("docs"):
                out.append({"file": d.file, "error": d.error, "lines": len(d.lines()),
                            "first": d.line(1) if d.lines() else None})
            writ.emit("seen", out)
            """, self.BATCH)
        seen = run.json("seen")
        self.assertEqual([s["file"] for s in seen], ["a.txt", "b.txt", "blob.txt", "empty.txt", "latin.txt"])
        self.assertEqual(seen[0], {"file": "a.txt", "error": None, "lines": 1, "first": "alpha"})
        self.assertIn("binary", seen[2]["error"])
        self.assertIn("empty", seen[3]["error"])
        self.assertIn("not UTF-8", seen[4]["error"])
        self.assertEqual(run.provenance("seen")["values"]["/1/first"],
                         [{"input": "docs", "file": "b.txt", "line": 1}])

    def test_a_directory_artifact_writes_every_file_with_its_own_sources(self):
        run = self.run_ok("""
            import writ
            d = writ.Directory()
            for doc in writ.documents("docs")[:2]:
                d.add("pages/" + doc.file.replace(".txt", ".html"), "<p>%s</p>" % doc.lines()[0][1],
                      sources=doc.source(1))
            d.add("style.css", "body{}")
            writ.emit("site", d)
            """, self.BATCH)
        self.assertEqual(run.emitted["site"], {"kind": "web.bundle.static",
                                               "files": ["pages/a.html", "pages/b.html", "style.css"]})
        with open(run.path("site").replace("pages/a.html", "pages/b.html"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "<p>beta</p>")
        prov = run.provenance("site")["values"]
        self.assertEqual(prov["/pages~1b.html"], [{"input": "docs", "file": "b.txt", "line": 1}])
        self.assertEqual(prov["/style.css"], [])

    def test_a_directory_path_that_escapes_is_refused(self):
        for bad in ("../x.html", "/abs.html", "a//b.html", "a/./b"):
            run = run_step(program("""
                import writ
                d = writ.Directory()
                d.add(%r, "x")
                """ % bad), self.BATCH)
            self.addCleanup(cleanup, run)
            self.assertNotEqual(run.returncode, 0, bad)
            self.assertIn("invalid path", run.stderr)
