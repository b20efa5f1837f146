"""extract_terms: the engagement letter's billing rules as structured data, each citing its section and line.

Input: letter (the engagement letter, text). Output: terms (JSON). Every number, date, code and phrase is
parsed from the letter's text; sections are recognised by what they say (not only by their number), and each
rule records the section number and the 1-based line it was read from. A rule that cannot be found stops the
step with a non-zero exit and a message naming it: an audit must not run on guessed terms.
"""
import re
import sys
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import writ

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a tenth": None}
FRACTION_WORDS = {"tenth": Decimal("0.1"), "quarter": Decimal("0.25"), "half": Decimal("0.5"),
                  "hundredth": Decimal("0.01"), "sixth": Decimal(1) / Decimal(6)}
SEPARATOR_WORDS = {"semicolon": ";", "comma": ",", "slash": "/", "pipe": "|", "dash": "-", "period": "."}
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"], start=1)}
NUM = r"(\d+(?:\.\d+)?)"


def fail(message):
    print("extract_terms: " + message, file=sys.stderr)
    sys.exit(2)


letter = writ.text("letter")
lines = letter.lines()

# --- sections: "N.M text" starts one; following non-blank lines continue it; a table belongs to the section
# --- that precedes it.
sections = []  # {"number", "line", "lines": [(n, text)], "table": [(n, text)]}
current = None
for n, raw in lines:
    text = raw.strip()
    start = re.match(r"^(\d+(?:\.\d+)+)\.?\s+(.*)$", text)
    if start:
        current = {"number": start.group(1), "line": n, "lines": [(n, start.group(2))], "table": []}
        sections.append(current)
    elif text.startswith("|") and current is not None:
        current["table"].append((n, text))
    elif not text or text.startswith("#"):
        if current is not None and current["lines"] and not current["table"]:
            current["closed"] = True
    elif current is not None and not current.get("closed"):
        current["lines"].append((n, text))
for s in sections:
    s["text"] = " ".join(t for _, t in s["lines"])
    s["flat"] = " ".join(s["text"].split())


def find(what, *patterns):
    """The one section whose text matches every pattern (case-insensitive)."""
    hits = [s for s in sections if all(re.search(p, s["flat"], re.I) for p in patterns)]
    if not hits:
        fail("cannot find the %s rule in the letter (looked for %s)" % (what, " + ".join(patterns)))
    if len(hits) > 1:
        fail("the %s rule is ambiguous: sections %s all match" % (what, ", ".join(h["number"] for h in hits)))
    return hits[0]


def line_of(section, pattern):
    """The line of ``section`` where ``pattern`` matches (the section's first line if it spans lines)."""
    for n, t in section["lines"]:
        if re.search(pattern, t, re.I):
            return n
    return section["line"]


def cite(section, value, pattern=None):
    """``value`` as a Tracked citing the letter line of ``section`` that states it."""
    n = line_of(section, pattern) if pattern else section["line"]
    return letter.line(n, value)


def must(section, what, pattern, flags=re.I):
    m = re.search(pattern, section["flat"], flags)
    if not m:
        fail("section %s: cannot find the %s (pattern %s)" % (section["number"], what, pattern))
    return m


def decimal(text, what):
    try:
        return Decimal(text.replace(",", "").replace("$", "").strip())
    except InvalidOperation:
        fail("%s: %r is not a number" % (what, text))


def count_word(text, what):
    text = text.lower()
    if text.isdigit():
        return int(text)
    if NUMBER_WORDS.get(text):
        return NUMBER_WORDS[text]
    fail("%s: %r is not a count" % (what, text))


def parse_date(text, what):
    text = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})", text) or re.fullmatch(r"([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4})", text)
    if m:
        a, b, y = m.groups()
        day, month = (a, b) if a.isdigit() else (b, a)
        if month.lower() in MONTHS:
            return date(int(y), MONTHS[month.lower()], int(day))
    fail("%s: %r is not a date" % (what, text))


DATE = r"(\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Z][a-z]+,?\s+\d{4}|[A-Z][a-z]+\s+\d{1,2},?\s+\d{4})"
sec_refs = lambda text: re.findall(r"\b(\d+\.\d+)\b", text)  # noqa: E731

# --- 2.1 staffing ------------------------------------------------------------------------------------------
staffing = find("staffing", r"staffing list")
staffing_rule = {
    "section": staffing["number"], "line": staffing["line"], "code": "UNAPPROVED_TIMEKEEPER",
    "from_column": cite(staffing, must(staffing, "start column", r"from their `(\w+)`").group(1), r"`approved_from`|from their"),
    "to_column": cite(staffing, must(staffing, "end column", r"to their `(\w+)`").group(1), r"to their"),
    "inclusive": cite(staffing, bool(re.search(r"both inclusive|inclusive", staffing["flat"], re.I)), r"inclusive"),
    "empty_to_means_open": cite(staffing, bool(re.search(r"empty `?\w+`? means no end date", staffing["flat"], re.I)),
                                r"no end date"),
}

# --- 2.2 closed matters ------------------------------------------------------------------------------------
closed = find("closed matter", r"closing date")
closed_rule = {"section": closed["number"], "line": closed["line"], "code": "CLOSED_MATTER",
               "column": cite(closed, must(closed, "closing column", r"`(\w+)`").group(1)),
               "after_closing_excluded": cite(closed, bool(re.search(r"after the matter's closing date", closed["flat"], re.I)))}

# --- 3.1 rates: the table ----------------------------------------------------------------------------------
rates_section = next((s for s in sections if s["table"] and re.search(r"rate", s["flat"], re.I)), None)
if rates_section is None:
    fail("cannot find the rate table (a Markdown table after a section about rates)")
table_rows = [(n, [c.strip() for c in t.strip().strip("|").split("|")]) for n, t in rates_section["table"]]
table_rows = [(n, cells) for n, cells in table_rows if not all(re.fullmatch(r":?-+:?", c) for c in cells if c)]
if len(table_rows) < 2:
    fail("section %s: the rate table has no rows" % rates_section["number"])
header_line, header = table_rows[0]
periods = []
for col, h in enumerate(header[1:], start=1):
    since = re.search(r"(?:from|after|on and after|effective)\s+" + DATE, h, re.I)
    until = re.search(r"(?:until|through|to|before|up to)\s+" + DATE, h, re.I)
    start = parse_date(since.group(1), "rate column %r" % h) if since else None
    end = parse_date(until.group(1), "rate column %r" % h) if until else None
    if since and re.search(r"after\s+" + DATE, h, re.I) and not re.search(r"on and after", h, re.I):
        start += timedelta(days=1)
    if until and re.search(r"before\s+" + DATE, h, re.I):
        end -= timedelta(days=1)
    if start is None and end is None and len(header) > 2:
        fail("section %s: rate column %r names no effective date" % (rates_section["number"], h))
    periods.append((col, start, end))
rate_table = []
for n, cells in table_rows[1:]:
    role = cells[0]
    if not role:
        fail("line %d: a rate row without a role" % n)
    for col, start, end in periods:
        if col >= len(cells) or not cells[col]:
            fail("line %d: no rate for %s in column %r" % (n, role, header[col]))
        rate_table.append({"role": letter.line(n, role),
                           "from": letter.line(header_line, start.isoformat() if start else None),
                           "to": letter.line(header_line, end.isoformat() if end else None),
                           "rate": letter.line(n, decimal(cells[col], "rate of %s" % role).quantize(Decimal("0.01"))),
                           "line": n})
rates_rule = {"section": rates_section["number"], "line": rates_section["line"], "table_line": header_line,
              "unit": cite(rates_section, "USD/hour"), "table": rate_table}

# --- 3.2 travel ---------------------------------------------------------------------------------------------
travel = find("travel rate", r"travel", NUM + r"\s*%")
travel_rule = {"section": travel["number"], "line": travel["line"], "code": "TRAVEL_RATE",
               "activity": cite(travel, must(travel, "travel activity", r"activity `(\w+)`").group(1)),
               "percent": cite(travel, Decimal(must(travel, "travel percentage", NUM + r"\s*%").group(1)), r"%"),
               "rounding": cite(travel, "cent" if re.search(r"rounded to the cent", travel["flat"], re.I) else fail(
                   "section %s: travel rounding not stated" % travel["number"]))}

# --- 3.3 rate mismatch -------------------------------------------------------------------------------------
mismatch = find("rate mismatch", r"any rate other than")
mismatch_rule = {"section": mismatch["number"], "line": mismatch["line"], "code": "RATE",
                 "payable_at": cite(mismatch, "applicable" if re.search(r"payable only at the applicable rate", mismatch["flat"], re.I)
                                    else fail("section %s: what a mismatched rate pays is not stated" % mismatch["number"]))}

# --- 4.1 increments ----------------------------------------------------------------------------------------
increment = find("time increment", r"increments? of")
inc_m = re.search(r"increments? of[^(.]*\(\s*" + NUM + r"\s*\)", increment["flat"], re.I)
if inc_m:
    step = Decimal(inc_m.group(1))
else:
    words = must(increment, "increment", r"increments? of (?:one )?(?:a )?(\w+) of an hour").group(1).lower()
    step = FRACTION_WORDS.get(words) or fail("section %s: unknown increment %r" % (increment["number"], words))
if step <= 0:
    fail("section %s: increment must be positive" % increment["number"])
increment_rule = {"section": increment["number"], "line": increment["line"], "code": "INCREMENT",
                  "increment": cite(increment, step, r"increments? of"),
                  "rounding": cite(increment, "down" if re.search(r"down to the next lower", increment["flat"], re.I)
                                   else fail("section %s: the rounding of odd hours is not stated" % increment["number"]),
                                   r"down")}

# --- 4.2 daily cap -----------------------------------------------------------------------------------------
daily = find("daily hours cap", r"calendar day")
daily_rule = {"section": daily["number"], "line": daily["line"], "code": "DAILY_CAP",
              "hours": cite(daily, Decimal(must(daily, "daily hours", r"more than " + NUM + r" hours").group(1)), r"more than"),
              "scope": cite(daily, "timekeeper_day_all_matters" if re.search(r"across all matters", daily["flat"], re.I)
                            else "timekeeper_day_matter"),
              "travel_included": cite(daily, bool(re.search(r"travel included", daily["flat"], re.I))),
              "after_section": cite(daily, (re.search(r"after the reduction of (\d+\.\d+)", daily["flat"], re.I) or [None, None])[1],
                                    r"after the reduction"),
              "remove_from": cite(daily, "highest_entry_first" if re.search(r"highest entry number", daily["flat"], re.I)
                                  else fail("section %s: the order of removal is not stated" % daily["number"]),
                                  r"highest"),
              "not_counted_sections": cite(daily, sec_refs((re.search(r"not payable at all \(([^)]*)\)", daily["flat"], re.I)
                                                            or fail("section %s: which entries do not count is not stated" % daily["number"])).group(1)),
                                           r"not payable at all")}

# --- 4.3 arithmetic ----------------------------------------------------------------------------------------
arith = find("arithmetic check", r"amount charged", r"multiplied by the rate charged")
arith_rule = {"section": arith["number"], "line": arith["line"], "code": "ARITHMETIC",
              "rounding": cite(arith, "cent" if re.search(r"rounded to the cent", arith["flat"], re.I)
                               else fail("section %s: arithmetic rounding not stated" % arith["number"])),
              "every_entry": cite(arith, bool(re.search(r"every entry", arith["flat"], re.I)), r"every entry")}

# --- 5.1 non-billable task codes ---------------------------------------------------------------------------
nonbill = find("non-billable task codes", r"task codes?\s+[A-Z]\d{3}")
codes = re.findall(r"\b[A-Z]\d{3}\b", nonbill["flat"])
nonbill_rule = {"section": nonbill["number"], "line": nonbill["line"], "code": "NON_BILLABLE",
                "task_codes": cite(nonbill, sorted(set(codes)), r"[A-Z]\d{3}")}

# --- 5.2 duplicates ----------------------------------------------------------------------------------------
dup = find("duplicate", r"repeats an earlier entry|is a duplicate")
field_names = {"timekeeper": "timekeeper_id", "date": "date", "matter": "matter_id", "task code": "task_code",
               "hours": "hours", "description": "description", "activity": "activity", "rate": "rate",
               "amount": "amount"}
same = must(dup, "duplicate fields", r"\(same ([^)]*)\)").group(1)
fields = [f.strip() for f in re.split(r",|\band\b", same) if f.strip()]
unknown = [f for f in fields if f not in field_names]
if unknown:
    fail("section %s: unknown duplicate fields %s" % (dup["number"], unknown))
dup_rule = {"section": dup["number"], "line": dup["line"], "code": "DUPLICATE",
            "fields": cite(dup, [field_names[f] for f in fields], r"\(same"),
            "keep": cite(dup, "lowest_entry_number" if re.search(r"earliest|lowest entry number", dup["flat"], re.I)
                         else fail("section %s: which duplicate is payable is not stated" % dup["number"]), r"earliest|lowest")}

# --- 6.1 monthly caps --------------------------------------------------------------------------------------
cap = find("monthly fee cap", r"monthly cap")
cap_rule = {"section": cap["number"], "line": cap["line"],
            "column": cite(cap, must(cap, "cap column", r"`(\w+)`").group(1), r"`\w+`"),
            "period": cite(cap, "calendar_month" if re.search(r"calendar month", cap["flat"], re.I) else "month"),
            "after_entry_adjustments": cite(cap, bool(re.search(r"after every entry-level adjustment", cap["flat"], re.I)),
                                            r"after every")}

# --- 7.1 block billing -------------------------------------------------------------------------------------
block = find("block billing", r"block billing")
sep_m = must(block, "separator", r"separated by (?:a |an )?(?:`([^`]+)`|(\w+?))s?\b[ ,]")
separator = sep_m.group(1) or SEPARATOR_WORDS.get(sep_m.group(2).lower()) or fail(
    "section %s: unknown separator %r" % (block["number"], sep_m.group(2)))
block_rule = {"section": block["number"], "line": block["line"], "code": "BLOCK_BILLING",
              "separator": cite(block, separator, r"separated by"),
              "min_tasks": cite(block, count_word(must(block, "task count", r"(\w+) or more distinct tasks").group(1), "task count")),
              "hours_threshold": cite(block, Decimal(must(block, "hours threshold", r"more than " + NUM + r" hours").group(1)),
                                      r"more than")}

# --- 7.2 vague descriptions --------------------------------------------------------------------------------
vague = find("vague description", r"vague")
phrases = re.findall(r"[\"“]([^\"”]+)[\"”]", vague["flat"])
if not phrases:
    fail("section %s: no generic phrases found" % vague["number"])
vague_rule = {"section": vague["number"], "line": vague["line"], "code": "VAGUE",
              "min_words": cite(vague, count_word(must(vague, "minimum word count", r"fewer than (\w+) words").group(1), "min words"),
                                r"fewer than"),
              "generic_phrases": cite(vague, phrases, r"generic phrases|\"")}
applies = re.search(r"Flags apply to every entry that is not excluded in full under ((?:\d+\.\d+(?:,\s*|\s+or\s+|\s+and\s+)?)+)", vague["flat"], re.I)
flags_scope = {"section": vague["number"], "line": line_of(vague, r"Flags apply"),
               "not_for_sections": cite(vague, sec_refs(applies.group(1)) if applies else
                                        fail("section %s: which entries the flags apply to is not stated" % vague["number"]),
                                        r"Flags apply")}

# --- 8.1 payable amount and precedence ---------------------------------------------------------------------
payable = find("payable amount", r"lesser of")
order_m = must(payable, "order of precedence", r"first of:\s*(.*?)(?:,? and no finding|\.\s|\.$|$)")
code_by_section = {staffing["number"]: "UNAPPROVED_TIMEKEEPER", closed["number"]: "CLOSED_MATTER",
                   nonbill["number"]: "NON_BILLABLE", dup["number"]: "DUPLICATE"}
order = []
for ref in sec_refs(order_m.group(1)):
    if ref not in code_by_section:
        fail("section %s: precedence names section %s, which is not an exclusion rule" % (payable["number"], ref))
    order.append(code_by_section[ref])
if sorted(order) != sorted(code_by_section.values()):
    fail("section %s: the precedence order %s does not name all four exclusion rules" % (payable["number"], order))
suppressed = re.search(r"no finding under sections? (.*?) is recorded", payable["flat"], re.I)
payable_rule = {"section": payable["number"], "line": payable["line"],
                "amount": cite(payable, "lesser_of_charged_and_payable_hours_times_applicable_rate", r"lesser of"),
                "rounding": cite(payable, "cent" if re.search(r"rounded to the cent", payable["flat"], re.I)
                                 else fail("section %s: rounding not stated" % payable["number"]), r"rounded"),
                "precedence": cite(payable, order, r"first of"),
                "precedence_sections": [s for s in sec_refs(order_m.group(1))],
                "suppressed_sections": cite(payable, re.findall(r"\b\d+(?:\.\d+)?\b", suppressed.group(1))
                                               if suppressed else [], r"no finding")}

terms = {
    "source": {"input": "letter", "file": letter.file},
    "staffing": staffing_rule, "closed_matter": closed_rule, "rates": rates_rule, "travel": travel_rule,
    "rate_mismatch": mismatch_rule, "increment": increment_rule, "daily_cap": daily_rule,
    "arithmetic": arith_rule, "non_billable": nonbill_rule, "duplicates": dup_rule, "monthly_cap": cap_rule,
    "block_billing": block_rule, "vague": vague_rule, "flags_scope": flags_scope, "payable": payable_rule,
}
writ.emit("terms", terms)
