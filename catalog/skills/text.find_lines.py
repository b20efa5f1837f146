"""Find where text occurs in a document, by 1-based line numbers, so findings can cite their lines.

Matching ignores case and runs of whitespace, so a sentence wrapped at a different line width is still found.
"""

import re


def _squash(s):
    return re.sub(r"\s+", " ", s).strip().lower()


def find_lines(document, needle):
    """Return [(line_start, line_end)] of every occurrence of `needle` in `document` (both 1-based, inclusive)."""
    lines = document.split("\n")
    # Offsets of each line in the squashed text, so a match can be mapped back to line numbers.
    squashed, starts = [], []
    pos = 0
    for line in lines:
        part = _squash(line)
        starts.append(pos)
        squashed.append(part)
        pos += len(part) + 1
    text = " ".join(squashed)
    target = _squash(needle)
    if not target:
        return []
    out = []
    begin = text.find(target)
    while begin >= 0:
        end = begin + len(target) - 1
        first = max(i for i, s in enumerate(starts) if s <= begin)
        last = max(i for i, s in enumerate(starts) if s <= end)
        out.append((first + 1, last + 1))
        begin = text.find(target, begin + 1)
    return out
