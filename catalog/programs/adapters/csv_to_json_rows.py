"""adapter.csv_to_json_rows: a CSV table as JSON rows (every value stays a string); row i cites CSV row i."""
import writ

writ.emit("output", [writ.row(dict(r.data), r) for r in writ.table("input").rows], kind="table.json_rows")
