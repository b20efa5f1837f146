"""profile_batch: profile the batch of contracts before anything is read for substance: how many files, which
cannot be read (empty, not UTF-8 — each named with its reason), their line counts and widths, and the heading
styles they use (numbered, "Section n.", "ARTICLE n -", unnumbered...).

Input: contracts (file.batch). Output: batch_profile (JSON):
    {"files", "readable", "unreadable": [{"file", "reason"}], "heading_styles": {style: files},
     "line_width": {"min", "max"}, "documents": [{"file", "lines", "max_width", "headings", "style", "error"}]}
"""
import re

import writ

# --- shared: msa text analysis (identical in segment_standard.py and review_contracts.py; a test holds them equal)
import re as _re

# What each clause code of the review is about (the README's vocabulary): words a heading of that clause uses.
CLAUSE_WORDS = {
    "TERM": ["term", "duration", "renewal", "commencement"],
    "PAYMENT": ["fees", "payment", "invoicing", "invoices", "compensation", "charges"],
    "PRICE": ["price", "pricing", "changes", "adjustment", "increases"],
    "CONFIDENTIALITY": ["confidentiality", "confidential", "non-disclosure", "secrecy"],
    "DATA_PROTECTION": ["data", "protection", "privacy", "personal"],
    "IP": ["intellectual", "property", "ownership", "proprietary", "rights", "deliverables"],
    "WARRANTY": ["warranties", "warranty", "representations"],
    "INDEMNITY": ["indemnification", "indemnity", "indemnities", "harmless"],
    "LIABILITY": ["limitation", "liability", "limits", "damages"],
    "TERMINATION": ["termination", "cancellation", "terminate"],
    "GOVERNING_LAW": ["governing", "law", "jurisdiction", "venue", "disputes"],
    "ASSIGNMENT": ["assignment", "transfer", "assign", "successors", "assigns"],
    "INSURANCE": ["insurance", "coverage", "insured"],
}
CLAUSES = list(CLAUSE_WORDS)

STOP = set("""a an the and or of to in on for by with without within from at as is are be been being this that these
those it its any all each either neither other such under upon into than then there their them they which who whom
shall will may must not no nor only per if unless until after before during so do does""".split())

_SUFFIXES = ("ations", "ation", "ities", "ings", "ing", "ity", "ies", "ed", "es", "s", "e", "y")


def stem(word):
    w = word.lower()
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def content_stems(text):
    return [stem(w) for w in _re.findall(r"[A-Za-z][A-Za-z'-]*", text) if w.lower() not in STOP and len(w) > 1]


_ROMAN = r"(?:[IVXLC]+)"
_NUM = r"(?:\d+(?:\.\d+)*\.?|\(\d+\)|" + _ROMAN + r"\.?|[A-Z]\.)"
_HEAD = _re.compile(r"^\s{0,3}(?:#{1,6}\s*)?(?:\*\*)?\s*(?:(?i:section|article|clause|part|§)\s*)?"
                    r"(?:(?P<num>" + _NUM + r")(?=\s|[:)\-–—]|$))?\s*(?:[:)\-–—]\s*)?(?P<rest>.*?)\s*$")
_SMALL = {"of", "and", "the", "for", "to", "&", "on", "in", "a"}


def _titleish(title):
    words = title.replace("&", " and ").split()
    if not words or len(words) > 8 or len(title) > 60:
        return False
    if not title[0].isalpha() or not title[0].isupper():
        return False
    if _re.search(r"[,;.\"()]", title):
        return False
    return all(w[0].isupper() or w.lower() in _SMALL or not w[0].isalpha() for w in words)


def heading_of(line, prev_blank, next_nonblank):
    """(title, inline_body_col) if ``line`` is a clause heading, else None. ``inline_body_col`` is the column
    where body text starts on the heading line itself (``3. Term. This Agreement ...``), or None."""
    raw = line.rstrip()
    if not raw.strip() or len(raw) > 200:
        return None
    m = _HEAD.match(raw)
    if not m:
        return None
    num, rest = m.group("num"), m.group("rest").strip().strip("*").strip()
    keyword = _re.match(r"^\s{0,3}(?:#{1,6}\s*)?(?:\*\*)?\s*(section|article|clause|part|§)", raw, _re.I)
    if num and len(num.rstrip(".")) == 1 and num.rstrip(".").isalpha() and not keyword and not num.endswith("."):
        return None
    numbered = bool(num) or bool(keyword)
    title = rest.rstrip(":").rstrip(".").strip()
    if numbered and _titleish(title):
        return title, None
    if numbered:
        # inline: "3. Term. This Agreement begins ..." / "Section 3 - Term: This Agreement ..."
        im = _re.match(r"^(?P<t>[^.:;]{1,60}?)\s*[.:]\s+(?P<b>\S.*)$", rest)
        if im and _titleish(im.group("t")) and im.group("b")[0].isupper():
            return im.group("t").strip(), raw.index(im.group("b"), raw.index(rest))
        return None
    # unnumbered: an upper-case line, or a short Title Case line standing alone before its body
    letters = [c for c in title if c.isalpha()]
    if letters and prev_blank and _titleish(title) and not raw.rstrip().endswith((".", ",", ";")):
        if all(c.isupper() for c in letters) or (next_nonblank and len(title.split()) <= 5):
            return title, None
    return None


def sections(lines):
    """Sections of a document given as a list of line strings: dicts with heading, heading_line, line_start,
    line_end (1-based, the body's first and last non-blank lines) and body (list of (line_no, text))."""
    heads = []
    n = len(lines)
    for i, line in enumerate(lines):
        prev_blank = i == 0 or not lines[i - 1].strip()
        next_nonblank = i + 1 < n and bool(lines[i + 1].strip())
        h = heading_of(line, prev_blank, next_nonblank)
        if h:
            heads.append((i, h[0], h[1]))
    out = []
    for k, (i, title, col) in enumerate(heads):
        stop = heads[k + 1][0] if k + 1 < len(heads) else n
        body = []
        if col is not None:
            body.append((i + 1, lines[i][col:]))
        j = i + 1
        # first paragraph
        while j < stop and not lines[j].strip() and not body:
            j += 1
        while j < stop and lines[j].strip():
            body.append((j + 1, lines[j]))
            j += 1
        # further paragraphs belong to the clause only when another heading follows them
        if k + 1 < len(heads):
            while j < stop:
                if lines[j].strip():
                    body.append((j + 1, lines[j]))
                j += 1
        body = [(no, text) for no, text in body]
        while body and not body[-1][1].strip():
            body.pop()
        out.append({"heading": title, "heading_line": i + 1,
                    "line_start": body[0][0] if body else None, "line_end": body[-1][0] if body else None,
                    "body": body})
    return out


_ABBREV = {"inc", "ltd", "llc", "co", "corp", "no", "e.g", "i.e", "u.s", "mr", "ms", "dr", "st", "vs", "etc"}


def sentences(body):
    """Split a body (list of (line_no, text)) into sentences: dicts with text (whitespace-normalised),
    line_start, line_end."""
    chars, where = [], []
    for no, text in body:
        t = " ".join(text.split())
        if not t:
            continue
        if chars and not (chars[-1] == "-" and len(chars) > 1 and chars[-2].isalpha() and t[0].isalpha()):
            chars.append(" ")
            where.append(no)
        for c in t:
            chars.append(c)
            where.append(no)
    s = "".join(chars)
    out, start = [], 0
    for m in _re.finditer(r"[.!?](?:[\"')\]]*)\s+(?=[\"'(]?[A-Z])", s):
        before = s[start:m.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        end = m.end()
        piece = s[start:end].strip()
        if piece:
            out.append({"text": piece, "line_start": where[start],
                        "line_end": where[start + len(s[start:end].rstrip()) - 1]})
        start = end
    piece = s[start:].strip()
    if piece:
        out.append({"text": piece, "line_start": where[start], "line_end": where[len(s) - 1]})
    return out


_UNITS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                       "fourteen fifteen sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1000000, "billion": 1000000000}
_FRACTIONS = {"half": "0.5", "one-half": "0.5", "quarter": "0.25", "one-quarter": "0.25"}


def _words_to_numbers(text):
    """Number words as digits: 'one hundred and twenty' -> '120', 'one and one-half' -> '1.5'."""
    tokens = _re.split(r"(\s+|(?<=[a-z])-(?=[a-z]))", text)
    out, run, total, current, seen = [], [], 0, 0, False

    def flush():
        nonlocal run, total, current, seen
        if seen:
            while run and run[-1].strip().lower() in ("and", "-", ""):
                tail = run.pop()
                flush_tail.append(tail)
            out.append(str(total + current))
        else:
            out.extend(run)
        run, total, current, seen = [], 0, 0, False

    flush_tail = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        low = tok.lower()
        if low in _UNITS or low in _TENS:
            current += _UNITS.get(low, _TENS.get(low, 0))
            run.append(tok)
            seen = True
        elif low in _SCALES and seen:
            scale = _SCALES[low]
            if scale == 100:
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * scale
                current = 0
            run.append(tok)
        elif seen and (tok.strip() == "" or low == "-" or low == "and"):
            # "one and one-half"
            rest = "".join(tokens[i:i + 6]).lower()
            fm = _re.match(r"\s*and\s+(a\s+half|one-half|one half|a\s+quarter|one-quarter)", rest) if low == "and" else None
            if fm:
                frac = "0.5" if "half" in fm.group(1) else "0.25"
                value = total + current
                out.append(str(value) + frac[1:])
                run, total, current, seen = [], 0, 0, False
                consumed = len(fm.group(0))
                acc = ""
                while acc.__len__() < consumed and i < len(tokens):
                    acc += tokens[i]
                    i += 1
                continue
            run.append(tok)
        else:
            if seen:
                flush()
                out.extend(flush_tail)
                flush_tail.clear()
            else:
                out.extend(run)
                run = []
            out.append(tok)
        i += 1
    if seen:
        flush()
        out.extend(flush_tail)
    else:
        out.extend(run)
    return "".join(out)


_N = r"\d[\d,]*(?:\.\d+)?"
_UNIT_WORDS = {"hour": "hour", "day": "day", "week": "week", "month": "month", "year": "year"}


def _num(s):
    return s.replace(",", "")


def _fmt(v):
    v = float(v)
    return str(int(v)) if v == int(v) else ("%g" % v)


def quantities(text):
    """The quantities a text states, normalised: '30 day', '10 business_day', '12 month' (years as months),
    '7 %', 'USD 2000000'. Words and digits alike ('twelve (12) months' is one '12 month')."""
    t = _words_to_numbers(" ".join(text.split()))
    # "2000000 dollars (USD 2,000,000)" / "12 (12)" / "7 percent (7%)": keep the parenthesised form
    t = _re.sub(r"(" + _N + r")\s*(?:percent|per cent|dollars|%)?\s*\(\s*((?:USD|US\$|\$|EUR|GBP|£|€)?\s*" + _N +
                r"\s*%?)\s*\)", lambda m: m.group(2), t)
    found = []
    for m in _re.finditer(r"(?:(USD|US\$|\$|EUR|€|GBP|£)\s*(" + _N + r")(?:\s*(million|thousand))?|(" + _N +
                          r")\s*(million|thousand)?\s*(?:US\s+)?(dollars|USD|euros|EUR|pounds|GBP))", t):
        cur = m.group(1) or m.group(6)
        value = float(_num(m.group(2) or m.group(4)))
        scale = m.group(3) or m.group(5)
        if scale:
            value *= _SCALES[scale.lower()]
        cur = {"$": "USD", "US$": "USD", "dollars": "USD", "€": "EUR", "euros": "EUR", "£": "GBP",
               "pounds": "GBP"}.get(cur, cur.upper())
        found.append("%s %s" % (cur, _fmt(value)))
    for m in _re.finditer(r"(" + _N + r")\s*(?:%|percent\b|per cent\b)", t):
        found.append("%s %%" % _fmt(_num(m.group(1))))
    for m in _re.finditer(r"(" + _N + r")[\s-]*(?:\)\s*)?(business|calendar|working)?[\s-]*"
                          r"(hour|day|week|month|year)s?\b", t, _re.I):
        value = float(_num(m.group(1)))
        kind = m.group(2).lower() if m.group(2) else ""
        unit = m.group(3).lower()
        if unit == "year":
            value, unit = value * 12, "month"
        if unit == "week":
            value, unit = value * 7, "day"
        if kind in ("business", "working"):
            unit = "business_day"
        found.append("%s %s" % (_fmt(value), unit))
    seen, out = set(), []
    for q in found:
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


_PLACE = _re.compile(r"(?:laws?|State|Commonwealth|Province|Republic|Kingdom|courts?|located|sitting|seated|venue)"
                     r"\s+(?:of|in|at)\s+(?:the\s+)?((?:[A-Z][\w.'-]*)(?:\s+(?:of|and|upon|on|[A-Z][\w.'-]*))*)")
_PLACE_NOISE = {"State", "States", "County", "City", "Commonwealth", "Province", "Republic", "Kingdom", "Courts",
                "Court", "The", "of", "and", "upon", "on", "District", "Agreement", "This", "Laws", "Law", "Any",
                "All", "Each", "Governing", "Applicable", "Federal", "These", "Its", "Such"}


_PLACE_LAW = _re.compile(r"((?:[A-Z][\w.'-]*)(?:\s+(?:and\s+)?[A-Z][\w.'-]*)*)\s+(?:law|laws)\b")


def places(text):
    """Place names a text names for law or courts: 'New York', 'California', 'England', 'Wales'."""
    t = " ".join(text.split())
    names = []
    runs = [m.group(1) for m in _PLACE.finditer(t)] + [m.group(1) for m in _PLACE_LAW.finditer(t)]
    for run in runs:
        words = [w.strip(".,;") for w in run.split()]
        words = [w for w in words if w and w not in _PLACE_NOISE]
        for w in words:
            if w not in names:
                names.append(w)
    return names


def terms(text):
    """A text's substance as structured terms: its quantities and the places it names."""
    return {"quantities": quantities(text), "places": places(text)}
def clause_of_heading(title, standard_headings=None):
    """How well a heading names each clause code: {code: score in [0, 1]} from the code's words and, when
    given, the standard form's own heading for that code ({code: heading})."""
    words = {stem(w) for w in _re.findall(r"[A-Za-z][A-Za-z-]*", title) if w.lower() not in STOP}
    scores = {}
    if not words:
        return scores
    for code, vocab in CLAUSE_WORDS.items():
        names = [vocab]
        if standard_headings and standard_headings.get(code):
            names.append(_re.findall(r"[A-Za-z][A-Za-z-]*", standard_headings[code]))
        best = 0.0
        for name in names:
            target = {stem(w) for w in name if w.lower() not in STOP}
            if not target:
                continue
            hit = len(words & target)
            if name is vocab:
                score = hit / len(words)
            else:
                score = hit / max(len(words), len(target))
            best = max(best, score)
        if best > 0:
            scores[code] = best
    return scores


def similarity(a, b):
    """Cosine similarity of two texts' content-word stems."""
    from collections import Counter
    ca, cb = Counter(content_stems(a)), Counter(content_stems(b))
    if not ca or not cb:
        return 0.0
    dot = sum(ca[k] * cb[k] for k in ca if k in cb)
    na = sum(v * v for v in ca.values()) ** 0.5
    nb = sum(v * v for v in cb.values()) ** 0.5
    return dot / (na * nb)
# --- end shared


def style_of(line):
    s = line.strip()
    m = re.match(r"^(#{1,6}\s*)?(\*\*)?\s*(section|article|clause|part|§)?\s*([0-9]+(?:\.[0-9]+)*|[IVXLC]+)?\s*([.:)\-–—])?",
                 s, re.I)
    if not m or not (m.group(3) or m.group(4)):
        return "unnumbered" + (" upper-case" if s.upper() == s else "")
    keyword = (m.group(3) or "").capitalize()
    if keyword and keyword.upper() == s[:len(keyword)]:
        keyword = keyword.upper()
    num = m.group(4) or ""
    kind = "I" if re.fullmatch(r"[IVXLC]+", num) else ("1" if num else "")
    return " ".join(x for x in [keyword, kind + (m.group(5) or "")] if x)


docs = []
styles = {}
widths = []
unreadable = []
for doc in writ.documents("contracts"):
    if doc.error:
        unreadable.append({"file": doc.file, "reason": writ.Tracked(doc.error, {doc.source(1)})})
        docs.append({"file": doc.file, "lines": 0, "max_width": 0, "headings": 0, "style": "", "error": doc.error})
        continue
    lines = doc.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    secs = sections(lines)
    counted = {}
    for sec in secs:
        st = style_of(lines[sec["heading_line"] - 1])
        counted[st] = counted.get(st, 0) + 1
    style = max(counted, key=lambda k: counted[k]) if counted else ""
    styles[style] = styles.get(style, 0) + 1
    width = max((len(l) for l in lines), default=0)
    widths.append(width)
    docs.append({"file": doc.file, "lines": len(lines), "max_width": width, "headings": len(secs), "style": style,
                 "error": None})
writ.emit("batch_profile", {"files": len(docs), "readable": len(docs) - len(unreadable), "unreadable": unreadable,
                            "heading_styles": dict(sorted(styles.items())),
                            "line_width": {"min": min(widths, default=0), "max": max(widths, default=0)},
                            "documents": docs})
