"""Parse the dates people write in documents (resumes, letters, ledgers) into datetime.date.

Accepts ISO dates, day-first and month-first numeric forms when unambiguous, month names ("Mar 2021",
"March 2021", "2021 March"), "MM/YYYY" and "YYYY-MM". Month-only dates fall on the 1st. "Present"/"Current"
map to `today`, which the caller passes in (skills never read the clock).
"""

import datetime
import re

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ]
    )
    for name in names
}


def parse_date(text, today=None):
    """Return a datetime.date for `text`, or raise ValueError naming the text."""
    s = text.strip().lower().rstrip(".")
    if s in ("present", "current", "now", "today"):
        if today is None:
            raise ValueError(f"{text!r} needs `today`")
        return today
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        return datetime.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", s)
    if m:
        return datetime.date(int(m[1]), int(m[2]), 1)
    m = re.fullmatch(r"(\d{1,2})[/.](\d{4})", s)
    if m:
        return datetime.date(int(m[2]), int(m[1]), 1)
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", s)
    if m:
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        if a > 12:
            return datetime.date(year, b, a)
        if b > 12 or a == b:
            return datetime.date(year, a, b)
        raise ValueError(f"{text!r} is ambiguous between day-first and month-first")
    m = re.fullmatch(r"([a-z]+)\.?,?\s+(\d{4})", s)
    if m and m[1] in _MONTHS:
        return datetime.date(int(m[2]), _MONTHS[m[1]], 1)
    m = re.fullmatch(r"(\d{4}),?\s+([a-z]+)", s)
    if m and m[2] in _MONTHS:
        return datetime.date(int(m[1]), _MONTHS[m[2]], 1)
    m = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})", s)
    if m and m[2] in _MONTHS:
        return datetime.date(int(m[3]), _MONTHS[m[2]], int(m[1]))
    m = re.fullmatch(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})", s)
    if m and m[1] in _MONTHS:
        return datetime.date(int(m[3]), _MONTHS[m[1]], int(m[2]))
    raise ValueError(f"{text!r} is not a date this parser knows")
