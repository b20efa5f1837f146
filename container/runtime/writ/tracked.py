"""Tracked values: a value plus the set of input rows (sources) it was computed from.

A source is a hashable tuple ``(input, file, unit, n)``: ``unit`` is ``"row"`` (1-based data row of a table),
``"line"`` (1-based line of a text) or ``"pointer"`` (a JSON pointer into a JSON input, ``n`` a str). It
serialises as ``{"input", "file", "row"|"line"|"pointer"}``. A verdict of the governed evaluator is a source
too (``proof(verdict)``): ``(tool, "", "proof", hash)``, serialised as ``{"input": tool, "proof": hash}``, so a
value decided by a judgement traces to the judgement's proof record.

Arithmetic between Tracked values (and plain numbers) unions the sources: ``a + b``, ``a - b``, ``a * b``,
``a / b``, ``-a``, ``a.min(b)``, ``a.max(b)``, ``a.quantize("0.01")``, and ``sum([...])``. Comparisons compare
the values. Use ``a.min(b)`` rather than the builtin ``min(a, b)``: the builtin keeps only one side's sources.
Each result records the program line that computed it (see ``writ.code``).
"""
from decimal import Decimal, ROUND_HALF_UP

from .code import caller_line

CENT = Decimal("0.01")


def source(input, file, unit, n):
    return (input, file, unit, n)


def source_json(src):
    input, file, unit, n = src
    if unit == "proof":
        return {"input": input, "proof": n}
    return {"input": input, "file": file, unit: n}


def proof(result, tool="evaluator.judge"):
    """The source naming the proof record of a governed evaluator's verdict (``result`` as ``call_tool``
    returned it); ``None`` when the answer carries no proof (a local test serving built-in tools)."""
    hash = result.get("proof") if isinstance(result, dict) else None
    return (tool, "", "proof", hash) if isinstance(hash, str) and hash else None


def _sort_key(src):
    input, file, unit, n = src
    return (input, file or "", unit, (0, n, "") if isinstance(n, int) else (1, 0, str(n)))


def sources_json(sources):
    """Sources as the sorted list of JSON objects the provenance file holds."""
    return [source_json(s) for s in sorted(sources, key=_sort_key)]


def sources_of(*things):
    """The union of the sources of Tracked values, Rows, Tables, source tuples or iterables of those."""
    out = set()
    for thing in things:
        if thing is None or isinstance(thing, (str, bytes, int, float, Decimal)):
            continue
        got = getattr(thing, "sources", None)
        if got is not None:
            out.update(got)
        elif isinstance(thing, tuple) and len(thing) == 4 and thing[2] in ("row", "line", "pointer", "proof"):
            out.add(thing)
        elif isinstance(thing, (list, tuple, set, frozenset)) or hasattr(thing, "__iter__"):
            for item in thing:
                out.update(sources_of(item))
    return frozenset(out)


union = sources_of


def plain(x):
    """The bare value of a Tracked (anything else unchanged)."""
    return x.value if isinstance(x, Tracked) else x


def _num(x):
    x = plain(x)
    if isinstance(x, float):
        raise TypeError("writ: floats are not exact; use Decimal (got %r)" % (x,))
    return x


class Tracked:
    """A value with its sources and the program line that computed it."""

    __slots__ = ("value", "sources", "line")

    def __init__(self, value, sources=(), line=None):
        self.value = plain(value)
        self.sources = frozenset(sources_of(sources, value))
        self.line = line if line is not None else caller_line()

    def _op(self, other, fn):
        return Tracked(fn(_num(self), _num(other)), sources_of(self, other), caller_line())

    def __add__(self, o): return self._op(o, lambda a, b: a + b)
    def __radd__(self, o): return self._op(o, lambda a, b: b + a)
    def __sub__(self, o): return self._op(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._op(o, lambda a, b: b - a)
    def __mul__(self, o): return self._op(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._op(o, lambda a, b: b * a)
    def __truediv__(self, o): return self._op(o, lambda a, b: Decimal(a) / Decimal(b))
    def __rtruediv__(self, o): return self._op(o, lambda a, b: Decimal(b) / Decimal(a))
    def __neg__(self): return Tracked(-_num(self), self.sources, caller_line())

    def min(self, other):
        """The lesser value, citing the sources of both (both were needed to decide)."""
        return self._op(other, lambda a, b: b if b < a else a)

    def max(self, other):
        """The greater value, citing the sources of both."""
        return self._op(other, lambda a, b: b if b > a else a)

    def quantize(self, exp=CENT, rounding=ROUND_HALF_UP):
        """Round a Decimal to ``exp`` (default: the cent, half up)."""
        return Tracked(Decimal(_num(self)).quantize(Decimal(exp), rounding=rounding), self.sources, caller_line())

    def with_sources(self, *more):
        """The same value citing additional sources."""
        return Tracked(self.value, sources_of(self, *more), caller_line())

    def __lt__(self, o): return _num(self) < _num(o)
    def __le__(self, o): return _num(self) <= _num(o)
    def __gt__(self, o): return _num(self) > _num(o)
    def __ge__(self, o): return _num(self) >= _num(o)
    def __eq__(self, o): return self.value == plain(o)
    def __ne__(self, o): return self.value != plain(o)
    def __hash__(self): return hash(self.value)
    def __bool__(self): return bool(self.value)
    def __int__(self): return int(self.value)
    def __str__(self): return str(self.value)
    def __format__(self, spec): return format(self.value, spec)

    def __repr__(self):
        return "Tracked(%r, %d sources)" % (self.value, len(self.sources))


def money(x):
    """``x`` as a Decimal rounded half up to the cent; a Tracked stays Tracked with the same sources."""
    if isinstance(x, Tracked):
        return Tracked(Decimal(_num(x)).quantize(CENT, rounding=ROUND_HALF_UP), x.sources, caller_line())
    return Decimal(_num(x)).quantize(CENT, rounding=ROUND_HALF_UP)
