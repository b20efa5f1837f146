"""Provenance-tracked tables.

A ``Table`` is an ordered list of columns and of ``Row``s. Each row holds its cells (``row["col"]``), the set
of input rows it was computed from (``row.sources``) and the program line that created it (``row.line``).
Cells are strings as read from CSV, or whatever the program put there (Decimal, int, Tracked, ...).

Every operation keeps the sources honest:
    filter(pred)                 kept rows keep their sources
    map(fn, columns=None)        fn(row) -> dict; the new row keeps the old row's sources (+ any Tracked cells)
    with_column(name, fn)        adds/replaces a column; a Tracked result adds its sources to the row
    select(*cols), rename(**new_by_old)
    join(other, on, how="inner"|"left", right_on=None)   joined rows carry the union of both sides' sources
    group_by(*keys).agg(name=(col, "sum"|"count"|"min"|"max"|"first"|"list") or fn(Table))
                                 one row per group, carrying the union of the group's sources
    sort(by, reverse=False)      by a column, a list of columns or a key function
    sum(col) / count()           a Tracked Decimal / int citing every row counted
    index(col)                   {value: Row}, refusing duplicate keys

Build tables in a program with ``Table(columns, rows)`` where each row is a ``Row`` made by
``writ.row(data, *from_)`` (``from_``: Rows, Tracked values or sources that the new row was computed from).
"""
from decimal import Decimal, InvalidOperation

from .code import caller_line
from .tracked import Tracked, plain, sources_of


class TableError(Exception):
    """A table operation that cannot be done as asked (unknown column, duplicate key, ...)."""


class Row:
    """One row: cells by column, its sources and the program line that made it."""

    __slots__ = ("data", "sources", "line")

    def __init__(self, data, sources=(), line=None):
        self.data = dict(data)
        self.sources = frozenset(sources_of(sources, *[v for v in self.data.values() if isinstance(v, Tracked)]))
        self.line = line

    def __getitem__(self, col):
        try:
            return self.data[col]
        except KeyError:
            raise TableError("no column %r (columns: %s)" % (col, ", ".join(self.data))) from None

    def get(self, col, default=None):
        return self.data.get(col, default)

    def __contains__(self, col):
        return col in self.data

    def tracked(self, col, convert=None):
        """Cell ``col`` as a Tracked value citing this row (``convert``: e.g. ``Decimal``)."""
        value = plain(self[col])
        if convert is not None:
            value = convert(value)
        return Tracked(value, self.sources, caller_line())

    def decimal(self, col):
        """Cell ``col`` as a Tracked Decimal citing this row; a non-number is a TableError naming the row."""
        raw = plain(self[col])
        try:
            value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
        except InvalidOperation:
            raise TableError("column %r: %r is not a decimal number (row from %s)"
                             % (col, raw, sorted(self.sources))) from None
        return Tracked(value, self.sources, caller_line())

    def __repr__(self):
        return "Row(%r)" % (self.data,)


def row(data, *from_):
    """A new Row with cells ``data`` citing the sources of everything in ``from_`` (and its Tracked cells)."""
    return Row(data, sources_of(*from_), caller_line())


def _key_fn(by):
    if callable(by):
        return by
    cols = [by] if isinstance(by, str) else list(by)
    return lambda r: tuple(plain(r[c]) for c in cols)


class Table:
    """Columns (ordered) and rows, every row carrying its sources."""

    def __init__(self, columns, rows=()):
        self.columns = list(columns)
        self.rows = list(rows)
        for r in self.rows:
            if not isinstance(r, Row):
                raise TableError("Table rows must be writ.Row (use writ.row(data, *sources)); got %r" % (r,))

    # --- access -------------------------------------------------------------------------------------------
    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    @property
    def sources(self):
        return sources_of(*self.rows)

    def column(self, col):
        self._need(col)
        return [r[col] for r in self.rows]

    def index(self, col):
        """``{value: Row}`` by a unique column; a duplicate key is an error."""
        self._need(col)
        out = {}
        for r in self.rows:
            key = plain(r[col])
            if key in out:
                raise TableError("index(%r): duplicate key %r" % (col, key))
            out[key] = r
        return out

    def _need(self, *cols):
        missing = [c for c in cols if c not in self.columns]
        if missing:
            raise TableError("no column %s (columns: %s)" % (", ".join(map(repr, missing)), ", ".join(self.columns)))

    # --- row-wise -----------------------------------------------------------------------------------------
    def filter(self, pred):
        return Table(self.columns, [r for r in self.rows if pred(r)])

    def map(self, fn, columns=None):
        line = caller_line()
        rows = []
        for r in self.rows:
            data = fn(r)
            rows.append(Row(data, r.sources, line))
        cols = list(columns) if columns is not None else (list(rows[0].data) if rows else list(self.columns))
        return Table(cols, rows)

    def with_column(self, name, fn):
        line = caller_line()
        rows = []
        for r in self.rows:
            data = dict(r.data)
            data[name] = fn(r)
            rows.append(Row(data, r.sources, line))
        cols = self.columns + ([name] if name not in self.columns else [])
        return Table(cols, rows)

    def select(self, *cols):
        self._need(*cols)
        return Table(cols, [Row({c: r[c] for c in cols}, r.sources, r.line) for r in self.rows])

    def rename(self, **new_by_old):
        self._need(*new_by_old)
        cols = [new_by_old.get(c, c) for c in self.columns]
        rows = [Row({new_by_old.get(c, c): v for c, v in r.data.items()}, r.sources, r.line) for r in self.rows]
        return Table(cols, rows)

    def sort(self, by, reverse=False):
        return Table(self.columns, sorted(self.rows, key=_key_fn(by), reverse=reverse))

    # --- combining ----------------------------------------------------------------------------------------
    def join(self, other, on, how="inner", right_on=None):
        """Rows of ``self`` matched with rows of ``other`` where the key columns are equal.

        ``how="inner"`` keeps matched rows only; ``"left"`` keeps every left row (right cells empty when
        unmatched). One left row matching several right rows yields several rows. Right columns that already
        exist on the left (other than the keys) are refused: rename first.
        """
        if how not in ("inner", "left"):
            raise TableError("join: how must be 'inner' or 'left', not %r" % (how,))
        left_keys = [on] if isinstance(on, str) else list(on)
        right_keys = left_keys if right_on is None else ([right_on] if isinstance(right_on, str) else list(right_on))
        self._need(*left_keys)
        other._need(*right_keys)
        extra = [c for c in other.columns if c not in right_keys]
        clash = [c for c in extra if c in self.columns]
        if clash:
            raise TableError("join: columns %s exist on both sides; rename one side" % (clash,))
        by_key = {}
        for r in other.rows:
            by_key.setdefault(tuple(plain(r[c]) for c in right_keys), []).append(r)
        line = caller_line()
        rows = []
        for left in self.rows:
            matches = by_key.get(tuple(plain(left[c]) for c in left_keys), [])
            for right in matches:
                data = dict(left.data)
                data.update({c: right[c] for c in extra})
                rows.append(Row(data, left.sources | right.sources, line))
            if not matches and how == "left":
                data = dict(left.data)
                data.update({c: "" for c in extra})
                rows.append(Row(data, left.sources, line))
        return Table(self.columns + extra, rows)

    def group_by(self, *keys):
        self._need(*keys)
        return GroupBy(self, list(keys))

    # --- aggregates ---------------------------------------------------------------------------------------
    def sum(self, col):
        """The Decimal sum of a column (blank cells count as nothing), citing every row of the table."""
        self._need(col)
        total = Decimal(0)
        for r in self.rows:
            total += _decimal_cell(r, col)
        return Tracked(total, self.sources, caller_line())

    def count(self):
        return Tracked(len(self.rows), self.sources, caller_line())


def _decimal_cell(r, col):
    raw = plain(r[col])
    if raw is None or raw == "":
        return Decimal(0)
    if isinstance(raw, (Decimal, int)):
        return Decimal(raw)
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation:
        raise TableError("column %r: %r is not a decimal number" % (col, raw)) from None


_AGGS = ("sum", "count", "min", "max", "first", "list")


class GroupBy:
    """Rows grouped by key columns, in order of first appearance."""

    def __init__(self, table, keys):
        self.table = table
        self.keys = keys

    def groups(self):
        """``[(key_tuple, Table)]`` in order of first appearance."""
        out = {}
        for r in self.table.rows:
            out.setdefault(tuple(plain(r[k]) for k in self.keys), []).append(r)
        return [(k, Table(self.table.columns, rs)) for k, rs in out.items()]

    def agg(self, **specs):
        """One row per group: the key columns then one column per spec, citing all rows of the group."""
        for name, spec in specs.items():
            if not callable(spec):
                col, how = spec
                self.table._need(col)
                if how not in _AGGS:
                    raise TableError("agg %r: unknown aggregate %r (one of %s)" % (name, how, ", ".join(_AGGS)))
        line = caller_line()
        rows = []
        for key, group in self.groups():
            data = dict(zip(self.keys, key))
            for name, spec in specs.items():
                data[name] = _aggregate(group, spec)
            rows.append(Row(data, group.sources, line))
        return Table(self.keys + list(specs), rows)


def _aggregate(group, spec):
    if callable(spec):
        return plain(spec(group))
    col, how = spec
    if how == "sum":
        return sum((_decimal_cell(r, col) for r in group.rows), Decimal(0))
    if how == "count":
        return len(group.rows)
    if how == "first":
        return plain(group.rows[0][col])
    if how == "list":
        return [plain(r[col]) for r in group.rows]
    values = [plain(r[col]) for r in group.rows]
    return min(values) if how == "min" else max(values)
