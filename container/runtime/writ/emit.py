"""Emitting outputs: artifact files, their provenance, and ``out/emitted.json``.

``emit(slot, value, kind=None)`` writes, per docs/sandbox-protocol.md:
    Table      -> out/<slot>/<slot>.csv   (kind "table.csv"; header = the table's column order; kind
                                           "table.tsv" writes <slot>.tsv, refusing cells with tabs or breaks)
    dict/list  -> out/<slot>/<slot>.json  (kind "object.json"; Tracked leaves as their plain values, Decimals as
                                           strings exactly as the program rounded them, e.g. "12.50")
    str        -> out/<slot>/<slot>.md    (kind "report.markdown"; a kind naming text/txt, e.g. "file.text",
                                           writes <slot>.txt)
    Directory  -> out/<slot>/<path>...    (kind "web.bundle.static"; one file per path; provenance: the
                                           sources of each file under the pointer "/" + path, "/" as "~1")
Default kinds are the ids of catalog/kinds/artifact-kinds.toml; pass ``kind`` to declare another.
and ``out/<slot>.provenance.json``:
    rows    table outputs: the sources of data row i+1
    values  JSON pointer -> sources: every Tracked leaf of a JSON output, every Tracked cell of a table
            (``/<row>/<column>``, rows 1-based), every Row/Table nested in a JSON output
    code    {"rows": [program line per row], "values": {pointer: program line}}
Cells: Decimal as str, bool as true/false, None as empty, lists joined with ";".
Emitting the same slot twice is an ``EmitError``. ``_flush()`` writes ``out/emitted.json``.
"""
import csv
import json
import os
import re
from decimal import Decimal

from .code import caller_line, code_ref
from .table import Row, Table
from .tracked import Tracked, sources_json, sources_of

_SLOT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_emitted = {}


class EmitError(Exception):
    """An output that cannot be emitted as asked."""


def _out():
    return os.path.join(os.environ.get("WRIT_WORK", os.getcwd()), "out")


def _pointer_token(key):
    return str(key).replace("~", "~0").replace("/", "~1")


def _cell(v):
    if isinstance(v, Tracked):
        return _cell(v.value)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ";".join(_cell(x) for x in v)
    if isinstance(v, float):
        raise EmitError("floats are not exact; emit a Decimal (got %r)" % (v,))
    return str(v)


class Directory:
    """A directory artifact being built: relative path -> text, each file with its own sources."""

    def __init__(self):
        self.files = {}

    def add(self, path, content, sources=None):
        """Add the file ``path`` (relative, ``/``-separated, no ``..``) with ``content`` (str or bytes) and the
        sources it was made from (a Tracked, Row, source set or None)."""
        if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path \
                or any(part in ("", ".", "..") for part in path.split("/")):
            raise EmitError("invalid path %r in a directory artifact (relative, no '.' or '..')" % (path,))
        if path in self.files:
            raise EmitError("path %r added twice to a directory artifact" % (path,))
        if not isinstance(content, (str, bytes)):
            raise EmitError("file %r: content must be str or bytes, not %s" % (path, type(content).__name__))
        self.files[path] = (content, sources_of(sources) if sources is not None else frozenset(), caller_line())

    def __len__(self):
        return len(self.files)


class _Prov:
    def __init__(self, slot, kind, fallback_line):
        self.slot, self.kind, self.fallback = slot, kind, fallback_line
        self.rows, self.row_lines, self.values, self.value_lines = None, None, {}, {}

    def value(self, pointer, sources, line):
        self.values[pointer] = sources_json(sources)
        self.value_lines[pointer] = code_ref(line if line is not None else self.fallback)

    def to_json(self):
        doc = {"slot": self.slot, "kind": self.kind}
        if self.rows is not None:
            doc["rows"] = self.rows
        doc["values"] = self.values
        code = {}
        if self.row_lines is not None:
            code["rows"] = self.row_lines
        code["values"] = self.value_lines
        doc["code"] = code
        return doc


def _json_value(x, pointer, prov):
    """The plain JSON form of ``x``, recording provenance of Tracked leaves and nested Rows/Tables."""
    if isinstance(x, Tracked):
        prov.value(pointer, x.sources, x.line)
        return _json_value(x.value, pointer, _Prov(None, None, None))
    if isinstance(x, Row):
        prov.value(pointer, x.sources, x.line)
        x = x.data
    if isinstance(x, Table):
        return [_json_value(r, "%s/%d" % (pointer, i), prov) for i, r in enumerate(x.rows)]
    if isinstance(x, dict):
        return {str(k): _json_value(v, "%s/%s" % (pointer, _pointer_token(k)), prov) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_value(v, "%s/%d" % (pointer, i), prov) for i, v in enumerate(x)]
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, float):
        raise EmitError("floats are not exact; emit a Decimal (got %r at %s)" % (x, pointer or "/"))
    if x is None or isinstance(x, (str, int, bool)):
        return x
    raise EmitError("cannot emit a %s at %s" % (type(x).__name__, pointer or "/"))


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def emit(slot, value, kind=None):
    """Write output ``slot`` and its provenance; see the module doc for formats."""
    if not isinstance(slot, str) or not _SLOT.match(slot) or slot == "emitted":
        raise EmitError("invalid output slot name %r" % (slot,))
    if slot in _emitted:
        raise EmitError("output slot %r was already emitted; each slot is emitted once" % (slot,))
    line = caller_line()
    folder = os.path.join(_out(), slot)
    if isinstance(value, Table):
        kind = kind or "table.csv"
        prov = _Prov(slot, kind, line)
        tsv = kind == "table.tsv"
        name = slot + (".tsv" if tsv else ".csv")
        with_buffer = _Lines()
        writer = csv.writer(with_buffer, lineterminator="\n", delimiter="\t" if tsv else ",")
        writer.writerow(value.columns)
        prov.rows, prov.row_lines = [], []
        for i, r in enumerate(value.rows, start=1):
            cells = [_cell(r.get(c)) for c in value.columns]
            if tsv and any(("\t" in x or "\n" in x or "\r" in x) for x in cells):
                raise EmitError("row %d holds a tab or a line break, which TSV cannot carry" % i)
            writer.writerow(cells)
            prov.rows.append(sources_json(r.sources))
            prov.row_lines.append(code_ref(r.line if r.line is not None else line))
            for c in value.columns:
                cell = r.get(c)
                if isinstance(cell, Tracked) and cell.sources:
                    prov.value("/%d/%s" % (i, _pointer_token(c)), cell.sources, cell.line)
        rows_text = with_buffer.text()
        _write(os.path.join(folder, name), rows_text)
    elif isinstance(value, Directory):
        kind = kind or "web.bundle.static"
        prov = _Prov(slot, kind, line)
        names = sorted(value.files)
        for path in names:
            content, sources, at = value.files[path]
            target = os.path.join(folder, *path.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content.encode("utf-8") if isinstance(content, str) else content)
            prov.value("/" + _pointer_token(path), sources, at)
        _write(os.path.join(_out(), slot + ".provenance.json"),
               json.dumps(prov.to_json(), separators=(",", ":")) + "\n")
        _emitted[slot] = {"kind": kind, "files": names}
        return folder
    elif isinstance(value, (dict, list, tuple, Tracked, Row)):
        kind = kind or "object.json"
        prov = _Prov(slot, kind, line)
        name = slot + ".json"
        doc = _json_value(value, "", prov)
        _write(os.path.join(folder, name), json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    elif isinstance(value, str):
        kind = kind or "report.markdown"
        prov = _Prov(slot, kind, line)
        name = slot + (".txt" if kind.endswith(("txt", "text")) else ".md")
        _write(os.path.join(folder, name), str(value))
    else:
        raise EmitError("cannot emit a %s for slot %r (Table, Directory, dict/list or str)" % (type(value).__name__, slot))
    _write(os.path.join(_out(), slot + ".provenance.json"), json.dumps(prov.to_json(), separators=(",", ":")) + "\n")
    _emitted[slot] = {"kind": kind, "files": [name]}
    return os.path.join(folder, name)


class _Lines:
    def __init__(self):
        self.parts = []

    def write(self, s):
        self.parts.append(s)

    def text(self):
        return "".join(self.parts)


def _flush():
    """Write ``out/emitted.json`` (``writ_boot`` calls this when the program returns)."""
    _write(os.path.join(_out(), "emitted.json"), json.dumps(_emitted, indent=2, sort_keys=True) + "\n")
