"""screen: one shard of resumes (fan-out over `resumes`, kind file.batch) screened against the posting's rules.

For every resume of the shard, in file-name order:
1. extract, each with the resume line it comes from: the roles (title and start/end dates, parsed to months;
   a date that cannot be read is named with its line, never guessed), the lines of the skills sections and of
   the roles' descriptions, the work-authorization lines, the education lines, the leadership lines and the
   open-source lines;
2. call the governed evaluator ONCE for the candidate (`evaluator.judge`, rubric `resume-screening.candidate`)
   with that evidence bundle and the posting's rules; the evaluator judges every requirement and every point
   of the score and cites the evidence items it used;
3. write the candidate's proof card (cards/<candidate_id>.json: the evidence, the judgement, every point with
   its resume line) and the candidate's row.
Then rank the shard's eligible candidates (the batch ranking).

An unreadable resume (empty, binary, not UTF-8, or with no date that can be parsed) is still judged and kept:
it is a row marked ineligible with the reason, and the shard goes on with the others.

Outputs: `screened` (table.csv, one row per resume of the shard with the reason), `batch_ranking` (table.csv,
the shard's ranking) and `cards` (file.batch, one JSON proof card per candidate).
"""
import json
import re
import sys

import writ

RUBRIC = "resume-screening.candidate"
FIELDS = ["rust_or_go", "postgresql", "authorized", "kubernetes", "distributed_systems", "open_source",
          "cs_degree", "led_team"]

MONTHS = {}
for i, names in enumerate([("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
                           ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
                           ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
                           ("dec", "december")], start=1):
    for name in names:
        MONTHS[name] = i
PRESENT_WORDS = ("present", "current", "now", "today", "to date", "ongoing", "date")

Y = r"(?:19|20)\d{2}"
TOKEN = (r"(?:[A-Za-z]{3,9}\.?,?\s+'?" + Y + r"|[A-Za-z]{3,9}\.?\s*'\d{2}|Q[1-4]\s*" + Y + r"|\d{1,2}\s*[/.\-]\s*" + Y
         + r"|" + Y + r"\s*[/.\-]\s*\d{1,2}(?!\d)|" + Y + r"(?!\d)|present|current|now|today|to date|ongoing)")
RANGE = re.compile(r"(?P<start>" + TOKEN + r")\s*(?:-|–|—|−|~|\bto\b|\buntil\b|\bthrough\b|\bthru\b)\s*(?P<end>"
                   + TOKEN + r")", re.I)
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
# a role header's trailing dates that are not a readable range: "(Spring 2019 - Present)", "| 2015 - 2019"
DATED_TAIL = re.compile(r"(?:\((?P<dates>[^()]*(?<!\d)(?:19|20)\d{2}(?!\d)[^()]*)\)"
                        r"|[|,–—]\s*(?P<dates2>[^|,–—()]*(?<!\d)(?:19|20)\d{2}(?!\d)[^|,()]*))\s*$")

HEADINGS = [
    ("experience", r"experience|employment|work history|career|positions|professional background"),
    ("skills", r"skill|technolog|tools|tech stack|stack|competenc|expertise|proficienc|toolbox|frameworks|"
               r"programming languages"),
    ("education", r"education|academic|degrees?$|qualifications?"),
    ("summary", r"summary|profile|about|objective|overview|introduction"),
    ("other", r"certific|project|open.?source|authori[sz]ation|eligibility|languages|interests|awards|"
              r"publications|volunteer|additional|leadership|references|contact|personal"),
]
INLINE_SKILLS = re.compile(r"^\s*(?:[-*•]\s*)?(?:technical skills|skills(?: & tools| and tools)?|tech stack|"
                           r"technologies|tools|core skills|languages & tools)\s*:\s*(?=\S)", re.I)
AUTH = re.compile(r"authori[sz]|eligib|citizen|sponsor|visa|green card|permanent resident|work permit|"
                  r"right to work|work status|immigration|h-?1b", re.I)
LEAD = re.compile(r"\bled\b|\blead\b|\bleading\b|\bmanag|\bsupervis|\bhead of\b|\bmentor|\bdirect(ed|or)\b|"
                  r"\bran a team\b|\bowned a team\b", re.I)
OSS = re.compile(r"open[- ]?source|github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|sr\.ht|"
                 r"\bmaintainer\b|\bcontributor\b|\bcommitter\b", re.I)
DEGREE = re.compile(r"\b(?:B\.?\s?S\.?c?|B\.?A\.?|B\.?\s?Eng|B\.?E\.?|B\.?Tech|Bachelor|M\.?\s?S\.?c?|M\.?\s?Eng|"
                    r"M\.?A\.?|M\.?Tech|Master|Ph\.?\s?D|D\.?Phil|Doctor|Associate|A\.?S\.?|Diploma|Degree)\b", re.I)


def heading_kind(text):
    s = text.strip().strip("#=*_-: \t").strip()
    if ":" in s or "." in s or re.search(r"\s[-–—|]\s*\S", s):  # "Label: content", "Label - content"
        return None
    if not s or len(s) > 40 or text[:1] in (" ", "\t") or s.endswith(".") or len(s.split()) > 5:
        return None
    if RANGE.search(s) or YEAR.search(s) or "@" in s or "," in s:
        return None
    low = s.lower()
    for kind, pattern in HEADINGS:
        if re.search(pattern, low):
            return kind
    return None


def parse_month(token):
    """('YYYY-MM', None) or (None, why it cannot be read); ('present', None) for Present."""
    t = token.strip().lower().rstrip(".")
    if t in PRESENT_WORDS:
        return "present", None
    m = re.fullmatch(r"([a-z]{3,9})\.?,?\s+(\d{4})", t)
    if m:
        if m.group(1) in MONTHS:
            return "%s-%02d" % (m.group(2), MONTHS[m.group(1)]), None
        return None, "%r is not a month" % m.group(1)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{4})", t) or None
    if m:
        month, year = int(m.group(1)), m.group(2)
    else:
        m = re.fullmatch(r"(\d{4})\s*[/.\-]\s*(\d{1,2})", t)
        if not m:
            return None, "no month and year in %r" % token.strip()
        year, month = m.group(1), int(m.group(2))
    if not 1 <= month <= 12:
        return None, "month %d does not exist" % month
    return "%s-%02d" % (year, month), None


def role_title(prefix):
    s = prefix.strip().strip("|,:;()[]–—-•* \t").strip()
    for sep in (" at ", " @ "):
        if sep in s:
            return s.split(sep)[0].strip()
    for sep in (" | ", " — ", " – ", " - ", "\t"):
        if sep in s:
            return s.split(sep)[0].strip()
    if "," in s:
        return s.rsplit(",", 1)[0].strip()
    return s


def extract(doc):
    """The evidence items of one readable resume (without the rules item), and the problems found."""
    lines = doc.lines()
    section = "header"
    items, problems = [], []
    role_of_line = {}
    current_role = None
    prev_text = None
    for n, raw in lines:
        text = raw.rstrip()
        if not text.strip():
            continue
        kind = heading_kind(text)
        if kind:
            section, current_role, prev_text = kind, None, None
            continue
        stripped = text.strip()
        m = RANGE.search(stripped)
        is_role = False
        bullet = stripped.startswith(("-", "*", "•", "·"))
        indented = text[:1].isspace()
        if m and not bullet and section != "education" and (section in ("experience", "header") or not indented) \
                and not (indented and current_role is not None):
            is_role = True
        elif section == "experience" and not indented and not bullet and not stripped.endswith(".") \
                and DATED_TAIL.search(stripped):
            is_role = True  # a role header whose dates are not a range this program can read
        if is_role:
            item = {"kind": "role", "line": n, "text": stripped}
            if m:
                prefix, suffix = stripped[:m.start()], stripped[m.end():]
                title = role_title(prefix) or role_title(suffix)
                if not title and prev_text is not None:
                    title = role_title(prev_text[1])
                    item["title_line"] = prev_text[0]
                item.update({"title": title, "start": m.group("start").strip(), "end": m.group("end").strip()})
                for side in ("start", "end"):
                    month, why = parse_month(item[side])
                    item[side + "_month"] = month
                    if why:
                        problems.append({"line": n, "text": stripped, "date": item[side], "why": why})
            else:
                tail = DATED_TAIL.search(stripped)
                item.update({"title": role_title(stripped[:tail.start()]), "start": None, "end": None,
                             "start_month": None, "end_month": None})
                dates = (tail.group("dates") or tail.group("dates2") or "").strip()
                problems.append({"line": n, "text": stripped, "date": dates,
                                 "why": "no start and end month in %r" % dates})
            items.append(item)
            current_role = n
            prev_text = None
            continue
        inline = INLINE_SKILLS.match(stripped)
        if section == "skills" or inline:
            items.append({"kind": "skills", "line": n, "text": stripped})
        elif section == "experience" and current_role is not None:
            items.append({"kind": "description", "line": n, "text": stripped, "role_line": current_role})
        if AUTH.search(stripped):
            items.append({"kind": "authorization", "line": n, "text": stripped})
        if section == "education" or DEGREE.search(stripped) and re.search(r"scien|engineer|studies|math|arts",
                                                                           stripped, re.I):
            if not AUTH.search(stripped):
                items.append({"kind": "education", "line": n, "text": stripped})
        if LEAD.search(stripped) and section != "skills":
            items.append({"kind": "leadership", "line": n, "text": stripped})
        if OSS.search(stripped):
            items.append({"kind": "open_source", "line": n, "text": stripped})
        prev_text = (n, stripped)
    # role titles may state leadership too ("Tech Lead", "Engineering Manager")
    for item in list(items):
        if item["kind"] == "role" and item.get("title") and LEAD.search(item["title"]):
            items.append({"kind": "leadership", "line": item["line"], "text": item["text"]})
    return items, problems


def cite_lines(doc, lines, value, judgement=None):
    """``value`` citing its resume lines and, when the evaluator decided it, the verdict's proof record."""
    return writ.Tracked(value, [doc.source(n) for n in lines if n] + [judgement])


def main():
    rules_doc = writ.json("rules")
    docs = writ.documents("resumes")
    if not docs:
        writ.log("screen: no resumes in this shard")
    batch = "%s..%s" % (docs[0].file.rsplit(".", 1)[0], docs[-1].file.rsplit(".", 1)[0]) if docs else ""
    rows, cards = [], writ.Directory()
    for doc in docs:
        cid = doc.file.rsplit(".", 1)[0]
        problems = []
        if doc.error:
            items = []
            header = {"kind": "document", "file": doc.file, "error": doc.error}
        else:
            items, problems = extract(doc)
            header = {"kind": "document", "file": doc.file, "error": None, "lines": len(doc.lines())}
            if problems:
                header["unreadable_dates"] = problems
        evidence = [{"kind": "rules", "rules": rules_doc}, header] + items
        try:
            verdict = writ.call_tool("evaluator.judge", {
                "rubric": RUBRIC, "item": cid,
                "question": "Does the candidate meet every requirement of the posting, and what is the score by "
                            "its scoring rule? Judge each requirement and each point from the evidence lines.",
                "evidence": evidence})
        except writ.ToolError as e:
            writ.log("screen: the evaluator refused %s: %s" % (cid, e))
            sys.exit(3)
        row, card = build(doc, cid, batch, evidence, verdict, problems)
        rows.append(row)
        cards.add(cid + ".json", json.dumps(card, indent=2, ensure_ascii=False) + "\n",
                  {doc.source(n) for n in card["cited_lines"]} | {writ.proof(verdict)} - {None} or None)
    columns = ["candidate_id", "backend_years"] + FIELDS + ["eligible", "score", "status", "reason", "batch"]
    table = writ.Table(columns, rows)
    writ.emit("screened", table)
    order = rules_doc.get("ranking", {})
    eligible = [r for r in rows if plain(r["eligible"]) is True]
    desc = order.get("order", "score_desc") != "score_asc"
    ties_desc = order.get("ties", "candidate_id_asc") == "candidate_id_desc"
    eligible.sort(key=lambda r: r["candidate_id"], reverse=ties_desc)
    eligible.sort(key=lambda r: int(plain(r["score"])), reverse=desc)
    ranking = [writ.row({"batch": batch, "batch_rank": i, "candidate_id": r["candidate_id"], "score": r["score"]}, r)
               for i, r in enumerate(eligible, start=1)]
    writ.emit("batch_ranking", writ.Table(["batch", "batch_rank", "candidate_id", "score"], ranking))
    writ.emit("cards", cards, kind="file.batch")


def plain(x):
    return x.value if isinstance(x, writ.Tracked) else x


def build(doc, cid, batch, evidence, verdict, problems):
    """The candidate's row (cells citing their resume lines) and proof card from the evaluator's judgement."""
    criteria = {c.get("id"): c for c in (verdict.get("criteria") or []) if isinstance(c, dict)}
    judgement = writ.proof(verdict)  # every judged cell cites the verdict's proof record beside its lines

    def lines_of(c):
        out = []
        for i in (c or {}).get("evidence") or []:
            if isinstance(i, int) and 0 <= i < len(evidence):
                n = evidence[i].get("line")
                if n:
                    out.append(n)
                    if evidence[i].get("title_line"):
                        out.append(evidence[i]["title_line"])
        return sorted(set(out))

    status = "unreadable" if verdict.get("verdict") == "unreadable" else "ok"
    eligible = verdict.get("verdict") == "eligible"
    reasons = [r for r in verdict.get("reasons") or [] if isinstance(r, str)]
    years = criteria.get("backend_years", {}).get("value", "0.0")
    data = {"candidate_id": cid,
            "backend_years": cite_lines(doc, lines_of(criteria.get("backend_years")), years, judgement)}
    for f in FIELDS:
        c = criteria.get(f, {})
        data[f] = cite_lines(doc, lines_of(c) if c.get("met") else [], bool(c.get("met")), judgement)
    points, score_lines = [], set()
    total = 0
    if eligible:
        base = criteria.get("base", {})
        total = int(base.get("points", 0))
        points.append({"criterion": "base", "points": total, "rule_line": base.get("rule_line"),
                       "resume_lines": [], "why": base.get("reason", "")})
        for key in ["experience"] + FIELDS:
            c = criteria.get(key, {})
            p = int(c.get("points") or 0)
            if p:
                ls = lines_of(c)
                score_lines.update(ls)
                total += p
                points.append({"criterion": key, "points": p, "rule_line": c.get("rule_line"),
                               "resume_lines": [{"line": n, "text": doc.lines()[n - 1][1].strip()} for n in ls],
                               "why": c.get("reason", "")})
        if "score" in verdict and int(verdict["score"]) != total:
            writ.log("screen: %s: the evaluator's score %s differs from the sum of its points %d"
                     % (cid, verdict["score"], total))
    req_lines = set()
    for key in ["backend_years", "rust_or_go", "postgresql", "authorized"]:
        req_lines.update(lines_of(criteria.get(key)))
    data["eligible"] = cite_lines(doc, req_lines, eligible, judgement)
    data["score"] = cite_lines(doc, score_lines | req_lines if eligible else req_lines, total, judgement)
    data["status"] = status
    failed = [r for r in verdict.get("failed") or [] if isinstance(r, str)]
    reason = "" if eligible else "; ".join(failed or reasons) or "not eligible"
    dates = [r for r in verdict.get("unreadable_dates") or [] if isinstance(r, str)]
    if dates:
        reason = "; ".join(([reason] if reason else []) + dates)
    if doc.error:
        reason = "unreadable: " + doc.error
    data["reason"] = reason
    data["batch"] = batch
    row = writ.row(data, *[doc.source(n) for n in sorted(score_lines | req_lines)], judgement)
    cited = sorted(score_lines | req_lines | {p["line"] for p in problems})
    card = {"candidate_id": cid, "file": doc.file, "status": status, "eligible": eligible, "score": total,
            "backend_years": years, "reason": reason,
            "fields": {f: bool(criteria.get(f, {}).get("met")) for f in FIELDS},
            "points": points,
            "requirements": [{"requirement": k, "met": bool(criteria.get(k, {}).get("met")),
                              "rule_line": criteria.get(k, {}).get("rule_line"),
                              "resume_lines": lines_of(criteria.get(k)), "why": criteria.get(k, {}).get("reason", "")}
                             for k in ["backend_years", "rust_or_go", "postgresql", "authorized"]],
            "unreadable_dates": problems,
            "judgement": {k: verdict.get(k) for k in ("verdict", "score", "reasons", "failed", "unreadable_dates",
                                                     "criteria", "judged_by", "proof")
                          if k in verdict},
            "evidence": evidence[1:],
            "cited_lines": cited}
    return row, card


main()
