"""writ — the step runtime: what a step program imports inside the sandbox.

A step program (``program.py``) reads its contracted inputs by slot, computes, and emits its outputs by slot.
Everything it computes through this module remembers where it came from, so that every published row and
number names the input rows (and the program line) it was computed from. See docs/sandbox-protocol.md for
the files this module reads and writes.

Inputs (by the slot names of the step contract):
    writ.table(slot) -> Table     a CSV input; every row carries its source {"input", "file", "row"}
    writ.text(slot)  -> Text      a text input (a ``str``); ``lines()``, ``cite(n)``, ``line(n)``
    writ.json(slot)               a JSON input as plain Python values
    writ.json_at(slot, pointer)   one value of a JSON input as a ``Tracked`` citing {"input","file","pointer"}
    writ.files(slot)              the input's files as ``InputFile(name, path)``
    writ.documents(slot)          a batch input (one item per file) as ``Text``s sorted by name; ``.error``
                                  says why a file cannot be read (empty, not UTF-8, binary), never dropped

Provenance-tracked values:
    Table / Row                   filter, map, with_column, join, group_by(...).agg(...), sort, sum, count
    Tracked(value, sources)       a number (or any value) with its sources; + - * / min max quantize union them
    writ.money(x)                 Decimal rounded half-up to the cent (Tracked stays Tracked)

Outputs:
    writ.emit(slot, value, kind=None)   Table -> CSV, dict/list -> JSON, str -> Markdown, Directory -> files;
                                        writes provenance
    writ.Directory()                    a directory artifact: ``add(path, content, sources)`` per file
    writ.call_tool(name, args)          a governed platform tool over the bridge; raises ToolError on refusal
    writ.proof(verdict)                 the source naming an evaluator verdict's proof record: cite it in the
                                        rows the verdict decided, so their trace reaches the judgement
    writ.log(*parts)                    a line on stderr (the server keeps its tail)

``writ._flush()`` writes ``out/emitted.json``; ``writ_boot.py`` calls it when the program returns.
"""
from decimal import Decimal, ROUND_HALF_UP

from .bridge import ToolError, call_tool, log
from .emit import Directory, EmitError, _flush, emit
from .inputs import InputError, InputFile, Text, documents, files, json, json_at, table, text
from .table import GroupBy, Row, Table, TableError, row
from .tracked import Tracked, money, proof, sources_of, union

__all__ = [
    "Decimal", "ROUND_HALF_UP", "ToolError", "call_tool", "log", "Directory", "EmitError", "emit",
    "InputError", "InputFile", "Text", "documents", "files", "json", "json_at", "table", "text", "GroupBy", "Row", "Table",
    "TableError", "row", "Tracked", "money", "proof", "sources_of", "union",
]
