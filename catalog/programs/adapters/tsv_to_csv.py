"""adapter.tsv_to_csv: a TSV table re-delimited as CSV (quoted where needed); row i cites TSV row i."""
import writ

t = writ.table("input")
writ.emit("output", writ.Table(t.columns, [writ.row(dict(r.data), r) for r in t.rows]))
