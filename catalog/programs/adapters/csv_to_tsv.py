"""adapter.csv_to_tsv: a CSV table re-delimited as TSV; a cell holding a tab or a line break stops the step
(TSV cannot carry it), naming the row."""
import writ

t = writ.table("input")
writ.emit("output", writ.Table(t.columns, [writ.row(dict(r.data), r) for r in t.rows]), kind="table.tsv")
