"""Reading the step's contracted inputs by slot, as listed in ``<work>/inputs.json``.

Only the slots of the manifest exist; asking for another is an ``InputError`` (the step contract, not the
program, decides what a step may read). Sources name the slot, the file and the 1-based data row (CSV, the
header is not a row), line (text) or JSON pointer (JSON).
"""
import csv
import io
import json as _json
import os
from collections import namedtuple

from .code import caller_line
from .table import Row, Table
from .tracked import Tracked, source

InputFile = namedtuple("InputFile", "name path")


class InputError(Exception):
    """An input slot that is not in the manifest, or a file that does not have the expected shape."""


_manifest = None


def _work():
    return os.environ.get("WRIT_WORK", os.getcwd())


def manifest():
    """The parsed ``inputs.json``."""
    global _manifest
    if _manifest is None:
        path = os.path.join(_work(), "inputs.json")
        try:
            with open(path, encoding="utf-8") as f:
                _manifest = _json.load(f)
        except FileNotFoundError:
            _manifest = {}
    return _manifest


def files(slot):
    """The files of input ``slot`` as ``InputFile(name, absolute path)``, in manifest order."""
    entry = manifest().get(slot)
    if entry is None:
        raise InputError("no input slot %r in this step's contract (slots: %s)"
                         % (slot, ", ".join(sorted(manifest())) or "none"))
    return [InputFile(f["name"], os.path.join(_work(), f["path"])) for f in entry.get("files", [])]


def _one_file(slot, suffixes):
    fs = files(slot)
    preferred = [f for f in fs if f.name.lower().endswith(suffixes)]
    chosen = preferred or fs
    if len(chosen) != 1:
        raise InputError("input %r: expected one %s file, found %s" % (slot, "/".join(suffixes), [f.name for f in fs]))
    return chosen[0]


def _read(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    return text[1:] if text.startswith("\ufeff") else text


def table(slot):
    """Input ``slot`` (a CSV, or a TSV for kind ``table.tsv``) as a Table of string cells; row ``n`` cites
    ``{"input": slot, "file", "row": n}``."""
    tsv = manifest().get(slot, {}).get("kind") == "table.tsv"
    f = _one_file(slot, (".tsv", ".tab") if tsv else (".csv",))
    reader = csv.reader(io.StringIO(_read(f.path)), delimiter="\t" if tsv else ",")
    header = next(reader, None)
    if header is None:
        raise InputError("input %r: %s is empty (no header)" % (slot, f.name))
    header = [h.strip() for h in header]
    line = caller_line()
    rows = []
    for n, cells in enumerate(reader, start=1):
        if not cells:
            continue
        if len(cells) != len(header):
            raise InputError("input %r: %s data row %d has %d cells, header has %d"
                             % (slot, f.name, n, len(cells), len(header)))
        rows.append(Row(dict(zip(header, cells)), {source(slot, f.name, "row", n)}, line))
    return Table(header, rows)


_LINE_TEXT = object()


class Text(str):
    """A text input: a ``str`` that knows its slot and file and cites 1-based lines.

    ``error`` is None for a readable text; for a document of a batch that cannot be read (empty, not UTF-8)
    it is the reason, and the text is empty (see ``documents``)."""

    def __new__(cls, content, slot, name, error=None):
        self = super().__new__(cls, content)
        self.slot = slot
        self.file = name
        self.error = error
        return self

    def lines(self):
        """``(line_no, text)`` for every line, 1-based, without line endings."""
        return list(enumerate(self.splitlines(), start=1))

    def cite(self, line_no):
        """The source of line ``line_no``: ``{"input", "file", "line"}``."""
        return {"input": self.slot, "file": self.file, "line": line_no}

    def source(self, line_no):
        """The source tuple of line ``line_no`` (what Tracked/Row take)."""
        return source(self.slot, self.file, "line", line_no)

    def line(self, line_no, value=_LINE_TEXT):
        """A Tracked value (the line's text unless ``value`` is given) citing line ``line_no``."""
        text = self.splitlines()[line_no - 1] if value is _LINE_TEXT else value
        return Tracked(text, {self.source(line_no)}, caller_line())


def text(slot):
    """Input ``slot`` as ``Text``."""
    f = _one_file(slot, (".md", ".txt", ".text"))
    return Text(_read(f.path), slot, f.name)


def _document(slot, f):
    with open(f.path, "rb") as fh:
        data = fh.read()
    if not data.strip():
        return Text("", slot, f.name, "%s is empty" % f.name)
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Text("", slot, f.name, "%s is not UTF-8 text (invalid byte at offset %d)" % (f.name, e.start))
    if "\x00" in content:
        return Text("", slot, f.name, "%s is binary (it contains NUL bytes)" % f.name)
    content = content[1:] if content.startswith("\ufeff") else content
    return Text(content, slot, f.name)


def documents(slot):
    """Input ``slot`` (a batch of documents, kind ``file.batch``: one item per file) as a list of ``Text``,
    sorted by file name. A file that cannot be read is not dropped: its ``Text`` is empty and carries the
    reason in ``error``, so the program can report it for that item and go on with the others."""
    return [_document(slot, f) for f in sorted(files(slot), key=lambda f: f.name)]


def _json_file(slot):
    return _one_file(slot, (".json",))


def json(slot):
    """Input ``slot`` parsed as JSON (plain Python values)."""
    with open(_json_file(slot).path, encoding="utf-8") as f:
        return _json.load(f)


def json_at(slot, pointer):
    """The value at JSON ``pointer`` of input ``slot`` as a Tracked citing ``{"input","file","pointer"}``."""
    f = _json_file(slot)
    value = json(slot)
    if pointer not in ("", "/"):
        for raw in pointer.lstrip("/").split("/"):
            key = raw.replace("~1", "/").replace("~0", "~")
            try:
                value = value[int(key)] if isinstance(value, list) else value[key]
            except (KeyError, IndexError, ValueError, TypeError):
                raise InputError("input %r: no value at %s" % (slot, pointer)) from None
    return Tracked(value, {source(slot, f.name, "pointer", pointer)}, caller_line())
