"""adapter.json_rows_to_csv: JSON rows as CSV, the keys of the first row as the header.

Every row must be a flat object with exactly the first row's keys; anything else stops the step naming the
row, rather than writing a table that silently drops or invents cells."""
import writ

rows = writ.json("input")
if not isinstance(rows, list):
    raise SystemExit("adapter.json_rows_to_csv: the input is not a JSON array of rows")
columns = list(rows[0].keys()) if rows else []
out = []
for i, r in enumerate(rows):
    if not isinstance(r, dict) or list(r.keys()) != columns:
        raise SystemExit("adapter.json_rows_to_csv: row %d does not have the columns %s" % (i, columns))
    for k, v in r.items():
        if isinstance(v, (dict, list)) or isinstance(v, float):
            raise SystemExit("adapter.json_rows_to_csv: row %d, %r is not a flat exact value" % (i, k))
    out.append(writ.row(r, writ.json_at("input", "/%d" % i)))
writ.emit("output", writ.Table(columns, out))
