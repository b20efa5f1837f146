"""review_contracts: per contract of the batch (a fan-out shard of ``contracts``, kind ``file.batch``), locate
each of the standard form's clauses whatever its heading style, line width or order, extract its body's line
range, sentences and terms, and ask the governed evaluator ONCE PER CONTRACT to classify the deviations.

Inputs: contracts (file.batch: one text file per contract), standard_clauses (JSON from segment_standard).
Outputs:
    clauses     (CSV) contract_id, clause, heading, line_start, line_end, text — every clause located
    clause_deviations (CSV) contract_id, clause, deviation, line_start, line_end, excerpt — one row per deviating
                clause; line_start/line_end are the clause BODY's lines in the contract file, excerpt the
                deviating sentence as the evaluator named it (a sentence of that body)
    clause_exceptions (CSV) contract_id, file, clause, reason — a file that cannot be read (empty, not UTF-8: one
                row naming the file), a clause that cannot be located (one row per clause), an evaluator
                refusal; never dropped, never failing the other contracts
The merge step orders and publishes the last two (deviations.csv, exceptions.csv).
Every row cites the contract lines it comes from; the deviation rows also cite what the evaluator judged.
"""
import os
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


RUBRIC = "contract-review.deviation"
GAP_SIMILARITY = 0.15
QUESTION = ("For each clause of this vendor contract, does the found text deviate in substance from the standard "
            "clause? Equivalent wording is not a deviation; a change of substance is (a number, a period, a "
            "party's right, the governing law, an added obligation). Name the deviation code and the deviating "
            "sentence.")


def locate(doc_lines, standard, others=()):
    """Map the document's sections to the standard's clause codes: {code: section}. Heading words and body
    similarity together; one section per clause and one clause per section, best pairs first. The standard's
    other sections (definitions, services) compete too, so that their copies are not taken for clauses. A
    clause still unplaced then takes the best remaining section on a weaker match (a renamed heading over a
    rewritten body)."""
    secs = sections(doc_lines)
    headings = {c["clause"]: c["heading"] for c in standard}
    targets = [(c["clause"], c["heading"], c["text"]) for c in standard]
    targets += [("OTHER:%d" % i, o["heading"], o["text"]) for i, o in enumerate(others)]
    line_of = {c["clause"]: c.get("heading_line", 0) for c in standard}
    line_of.update({"OTHER:%d" % i: o.get("heading_line", 0) for i, o in enumerate(others)})
    in_order = sorted(line_of, key=lambda code: line_of[code])
    sim = weighted_similarity([text for _, _, text in targets])
    scored = []
    for si, sec in enumerate(secs):
        if not sec["body"]:
            continue
        body = " ".join(t for _, t in sec["body"])
        by_heading = clause_of_heading(sec["heading"], headings)
        for code, heading, text in targets:
            if code.startswith("OTHER:"):
                mine, theirs = set(content_stems(sec["heading"])), set(content_stems(heading))
                h = len(mine & theirs) / max(len(mine), len(theirs)) if mine and theirs else 0.0
            else:
                h = by_heading.get(code, 0.0)
            b = sim(body, text)
            scored.append((h + b, h, b, si, code))
    order = {code: k for k, (code, _, _) in enumerate(targets)}
    scored.sort(key=lambda p: (-p[0], p[3], order[p[4]]))
    sims = {(si, code): b for _, _, b, si, code in scored}
    best = {}
    for _, _, b, si, code in sorted(scored, key=lambda p: -p[2]):
        best.setdefault(si, code)
    used, found = set(), {}
    for strong in (True, False):
        for score, h, b, si, code in scored:
            if si in used or code in found:
                continue
            if strong and not (h >= 0.5 or b >= 0.45 or (h > 0 and h + b >= 0.6)):
                continue
            if not strong:
                if code.startswith("OTHER:"):
                    continue
                open_best = max((c for c in order if c not in found), key=lambda c: sims.get((si, c), 0.0))
                if open_best != code or score + body_hint(secs[si], code) < 0.4:
                    continue
            used.add(si)
            found[code] = dict(secs[si], score=round(score, 3), index=si)
        if strong:
            fill_gaps(secs, in_order, found, used, lambda si, code: sims.get((si, code), 0.0))
    return {code: sec for code, sec in found.items() if not code.startswith("OTHER:")}


def body_hint(sec, code):
    """0.25 when the body uses a word that names this clause and no other (e.g. "warranty" for WARRANTY)."""
    own = {stem(w) for w in CLAUSE_WORDS[code]}
    others = {stem(w) for c, words in CLAUSE_WORDS.items() if c != code for w in words}
    body = set(content_stems(" ".join(t for _, t in sec["body"])))
    return 0.25 if body & (own - others) else 0.0


def weighted_similarity(texts):
    """Cosine similarity of content-word stems weighted by their rarity across ``texts`` (the standard's
    sections): words every clause uses (party, agreement) count little, a clause's own words much."""
    import math
    from collections import Counter
    docs = [set(content_stems(t)) for t in texts]
    n = len(docs)

    def idf(word):
        df = sum(1 for d in docs if word in d)
        return math.log((n + 1) / (df + 1)) + 1.0

    weights = {}

    def vector(text):
        v = Counter(content_stems(text))
        out = {}
        for w, c in v.items():
            if w not in weights:
                weights[w] = idf(w)
            out[w] = c * weights[w]
        return out

    cache = {}

    def sim(a, b):
        if b not in cache:
            cache[b] = vector(b)
        va, vb = vector(a), cache[b]
        if not va or not vb:
            return 0.0
        dot = sum(x * vb[k] for k, x in va.items() if k in vb)
        na = sum(x * x for x in va.values()) ** 0.5
        nb = sum(x * x for x in vb.values()) ** 0.5
        return dot / (na * nb)

    return sim


def fill_gaps(secs, codes, found, used, sim_of):
    """A clause not placed whose neighbours in the standard's order (``codes``: every section of the standard,
    reviewed or not, in order) are placed: when exactly one section with a body lies unclaimed between theirs,
    it is the only section missing between them, and its body is closer to this clause than to any other
    section of the standard not yet placed, it is that clause (a renamed heading over a rewritten body, in the
    part of the contract that keeps the standard's order)."""
    for i, code in enumerate(codes):
        if code in found or code.startswith("OTHER:"):
            continue
        before = [c for c in codes[:i] if c in found]
        after = [c for c in codes[i + 1:] if c in found]
        if not before or not after:
            continue
        lo, hi = found[before[-1]]["index"], found[after[0]]["index"]
        missing_between = [c for c in codes[codes.index(before[-1]) + 1:codes.index(after[0])] if c not in found]
        free = [si for si in range(lo + 1, hi) if si not in used and secs[si]["body"]]
        if not (lo < hi and len(missing_between) == 1 and len(free) == 1):
            continue
        si = free[0]
        open_codes = [c for c in codes if c not in found]
        nearest = max(open_codes, key=lambda c: sim_of(si, c))
        if nearest == code and sim_of(si, code) >= GAP_SIMILARITY:
            used.add(si)
            found[code] = dict(secs[si], score=0.0, index=si)


def evidence_for(code, std, sec, file):
    item = {"clause": code,
            "standard": {"heading": std["heading"], "section": std["section"], "line_start": std["line_start"],
                         "line_end": std["line_end"], "text": std["text"], "terms": std["terms"],
                         "sentences": [{"text": s["text"], "terms": s["terms"]} for s in std["sentences"]]}}
    if sec is None:
        item["found"] = None
        return item
    sents = sentences(sec["body"])
    text = " ".join(s["text"] for s in sents)
    item["found"] = {"file": file, "heading": sec["heading"], "line_start": sec["line_start"],
                     "line_end": sec["line_end"], "text": text, "terms": terms(text),
                     "sentences": [dict(s, terms=terms(s["text"])) for s in sents]}
    return item


def review(doc, standard, others, clause_rows, deviation_rows, exception_rows):
    contract_id = os.path.splitext(doc.file)[0]
    if doc.error:
        exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file, "clause": "",
                                        "reason": doc.error}, doc.source(1)))
        return
    lines = doc.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [l.rstrip("\r") for l in lines]
    found = locate(lines, standard, others)
    evidence = []
    for std in standard:
        code = std["clause"]
        sec = found.get(code)
        evidence.append(evidence_for(code, std, sec, doc.file))
        if sec is None:
            exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file, "clause": code,
                                            "reason": "clause %s (standard section %s, %s) not located in %s"
                                            % (code, std["section"], std["heading"], doc.file)},
                                           doc.source(1)))
            continue
        src = [doc.source(n) for n in range(sec["line_start"], sec["line_end"] + 1)]
        clause_rows.append(writ.row({"contract_id": contract_id, "clause": code, "heading": sec["heading"],
                                     "line_start": sec["line_start"], "line_end": sec["line_end"],
                                     "text": evidence[-1]["found"]["text"]}, *src))
    try:
        verdict = writ.call_tool("evaluator.judge", {"rubric": RUBRIC, "item": contract_id, "question": QUESTION,
                                                     "evidence": evidence})
    except writ.ToolError as e:
        exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file, "clause": "",
                                        "reason": "evaluator refused %s: %s %s" % (doc.file, e.code, e)},
                                       doc.source(1)))
        return
    criteria = verdict.get("criteria") if isinstance(verdict, dict) else None
    if not isinstance(criteria, list):
        exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file, "clause": "",
                                        "reason": "the evaluator's verdict on %s has no per-clause criteria"
                                        % doc.file}, doc.source(1)))
        return
    judged_by = verdict.get("judged_by", "")
    judgement = writ.proof(verdict)  # the deviation rows cite the verdict's proof record beside the lines
    for crit in criteria:
        if not isinstance(crit, dict):
            continue
        code = crit.get("deviation")
        i = crit.get("evidence")
        if not isinstance(i, int) and crit.get("clause") in [e["clause"] for e in evidence]:
            i = [e["clause"] for e in evidence].index(crit.get("clause"))
        if not code or not isinstance(i, int) or not 0 <= i < len(evidence) or evidence[i]["found"] is None:
            continue
        found_ev = evidence[i]["found"]
        if not isinstance(code, str) or not re.fullmatch(r"[A-Z][A-Z_]*", code):
            exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file,
                                            "clause": evidence[i]["clause"],
                                            "reason": "the evaluator named no deviation code for %s in %s: %r"
                                            % (evidence[i]["clause"], doc.file, code)},
                                           doc.source(found_ev["line_start"])))
            continue
        k = crit.get("sentence")
        sents = found_ev["sentences"]
        sent = sents[k] if isinstance(k, int) and 0 <= k < len(sents) else None
        if sent is None and isinstance(crit.get("excerpt"), str):
            # a model may quote the sentence instead of numbering it
            quote = " ".join(crit["excerpt"].split())
            sent = next((x for x in sents if quote and (quote in x["text"] or x["text"] in quote)), None)
        if sent is None and sents:
            # the verdict names the deviation but not its sentence: the sentence least like any of the
            # standard's is the one that changed
            std_sents = [x["text"] for x in evidence[i]["standard"]["sentences"]]
            sent = min(sents, key=lambda x: max((similarity(x["text"], t) for t in std_sents), default=0.0))
            writ.log("%s %s: the evaluator named no sentence; took the one least like the standard"
                     % (contract_id, evidence[i]["clause"]))
        if sent is None:
            exception_rows.append(writ.row({"contract_id": contract_id, "file": doc.file,
                                            "clause": evidence[i]["clause"],
                                            "reason": "evaluator named no sentence of the clause for %s" % code},
                                           doc.source(found_ev["line_start"])))
            continue
        body_src = [doc.source(n) for n in range(found_ev["line_start"], found_ev["line_end"] + 1)]
        excerpt = writ.Tracked(sent["text"], [doc.source(n) for n in range(sent["line_start"], sent["line_end"] + 1)]
                               + [judgement])
        deviation_rows.append(writ.row({"contract_id": contract_id, "clause": evidence[i]["clause"],
                                        "deviation": code, "line_start": found_ev["line_start"],
                                        "line_end": found_ev["line_end"], "excerpt": excerpt,
                                        "judged_by": judged_by, "reason": crit.get("reason", "")}, *body_src,
                                       judgement))


segmented = writ.json("standard_clauses")
standard = segmented["clauses"]
others = segmented.get("others", [])
clause_rows, deviation_rows, exception_rows = [], [], []
for doc in writ.documents("contracts"):
    review(doc, standard, others, clause_rows, deviation_rows, exception_rows)

writ.emit("clauses", writ.Table(["contract_id", "clause", "heading", "line_start", "line_end", "text"], clause_rows))
writ.emit("clause_deviations", writ.Table(["contract_id", "clause", "deviation", "line_start", "line_end", "excerpt"],
                                   deviation_rows))
writ.emit("clause_exceptions", writ.Table(["contract_id", "file", "clause", "reason"], exception_rows))
