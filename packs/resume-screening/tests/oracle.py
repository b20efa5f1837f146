"""An independent oracle for resume screening, written from the letter of ../shared/data/README.md and the job
posting, sharing no code with the programs or the evaluator.

oracle(posting_text, {file_name: bytes}) -> {candidate_id: row} with the candidates.csv columns (strings), and
ranking(rows) -> [(rank, candidate_id, score)].

Reading of the posting (numbers are read from it; the wording is the posting's): backend roles are roles whose
title names backend / server-side / platform / infrastructure (as listed on the posting's R1 line) and is an
engineering role; a role covers [start month, end month); "Present" is the posting's month; months overlapping
count once; years = floor(months * 10 / 12) / 10. Skills count when they are in a skills section line or a
role's description (a parenthetical qualifier of another skill does not count), an interest in learning does
not. Ineligible candidates score 0.
"""
import re

MON = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
       "oct": 10, "nov": 11, "dec": 12, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
       "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12}


def posting_rules(text):
    flat = " ".join(text.split())
    r = {}
    r["min_months"] = round(float(re.search(r"At least ([\d.]+) years", flat).group(1)) * 12)
    titles = re.search(r"title is an? (.*?) engineering role", flat).group(1)
    r["titles"] = [t.strip().lower() for t in re.split(r",|\bor\b", titles) if t.strip()]
    mname, year = re.search(r'means an end month of (\w+) (\d{4})', flat).groups()
    r["present"] = int(year) * 12 + MON[mname.lower()] - 1
    r["base"] = int(re.search(r"Start from (\d+) points", flat).group(1))
    m = re.search(r"(\d+) points per full year of backend experience above (\d+) years, at most (\d+) points", flat)
    r["per_year"], r["above"], r["cap"] = (int(x) for x in m.groups())
    r["k8s"] = int(re.search(r"(\d+) points for Kubernetes", flat).group(1))
    r["dist"] = int(re.search(r"(\d+) points for distributed systems", flat).group(1))
    r["oss"] = int(re.search(r"(\d+) points for open-source", flat).group(1))
    r["degree"] = int(re.search(r"(\d+) points for a degree", flat).group(1))
    r["lead"] = int(re.search(r"(\d+) points for having led", flat).group(1))
    return r


def month_of(tok):
    tok = tok.strip().rstrip(".")
    m = re.fullmatch(r"([A-Za-z]+)\.? (\d{4})", tok)
    if m and m.group(1).lower() in MON:
        return int(m.group(2)) * 12 + MON[m.group(1).lower()] - 1
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{4})", tok)
    if m and 1 <= int(m.group(1)) <= 12:
        return int(m.group(2)) * 12 + int(m.group(1)) - 1
    m = re.fullmatch(r"(\d{4})[/.-](\d{1,2})", tok)
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)) * 12 + int(m.group(2)) - 1
    return None


ROLE = re.compile(r"^(?P<head>\S.*?)\s*[(|,]?\s*\(?(?P<a>[A-Za-z]{3,9}\.? \d{4}|\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2})"
                  r"\s*(?:-|–|—|to)\s*(?P<b>[A-Za-z]{3,9}\.? \d{4}|\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}|Present|Current|Now)\)?\s*$",
                  re.I)
SECTION_WORDS = [("exp", ("experience", "employment", "work history")), ("skills", ("skills", "tools", "technologies")),
                 ("edu", ("education",)), ("summary", ("summary", "profile", "about"))]


def section_of(line):
    s = line.strip().strip("#:").strip().lower()
    if not s or len(s) > 30 or line.startswith((" ", "\t")) or s.endswith("."):
        return None
    for name, words in SECTION_WORDS:
        if any(w in s for w in words):
            return name
    return None


def heads(line):
    """The list items of a line with every parenthetical removed, lower case."""
    depth, out, cur = 0, [], ""
    for ch in line:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch == ",":
            out.append(cur)
            cur = ""
        elif depth == 0:
            cur += ch
    out.append(cur)
    return [h.strip() for h in out if h.strip()]


def interest(line):
    return bool(re.search(r"interest|learning more|want to learn|hope to", line, re.I))


def screen(text, rules):
    lines = text.splitlines()
    sec = None
    roles, skill_lines, other = [], [], []
    last_role = None
    bad_dates = 0
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        s = section_of(line)
        if s:
            sec, last_role = s, None
            continue
        m = ROLE.match(line.strip())
        if m and sec == "exp":
            a = month_of(m.group("a"))
            b_tok = m.group("b")
            b = rules["present"] if b_tok.lower() in ("present", "current", "now") else month_of(b_tok)
            head = m.group("head").strip().rstrip("(").strip()
            title = head.rsplit(",", 1)[0] if "," in head else head
            if a is None or b is None:
                bad_dates += 1
            else:
                roles.append((title, a, b))
            last_role = n
            continue
        if sec == "exp" and re.search(r"\b(19|20)\d\d\b", line) and not line.startswith((" ", "\t")):
            bad_dates += 1
            continue
        if sec == "skills" or (sec == "exp" and last_role):
            skill_lines.append(line)
        other.append((sec, line))
    months = set()
    for title, a, b in roles:
        t = title.lower().replace("back-end", "backend").replace("back end", "backend")
        if any(re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", t) for w in rules["titles"]) and \
                re.search(r"engineer|developer|programmer", t):
            months.update(range(a, b))
    items = [h for l in skill_lines if not interest(l) for h in heads(l)]

    def has(pattern, flags=re.I):
        return any(re.search(pattern, h, flags) for h in items)

    rust_go = has(r"\brust\b") or has(r"\bGo\b", 0) or has(r"\bgolang\b")
    pg = has(r"\bpostgres(ql)?\b")
    k8s = has(r"\bkubernetes\b|\bk8s\b")
    dist = has(r"distributed systems?|consensus|replication|\braft\b|paxos")
    auth = False
    neg = False
    for _, l in other:
        low = l.lower()
        if re.search(r"sponsor", low) and not re.search(r"no sponsorship|without sponsorship", low):
            neg = True
        elif "only" in low and re.search(r"authori[sz]ed", low):
            neg = True
        elif re.search(r"us citizen|u\.s\. citizen|citizen of the united states|permanent resident|green card|authori[sz]ed to work in the (us|u\.s\.|united states)", low):
            auth = True
    auth = auth and not neg
    degree = any(sec == "edu" and re.search(r"\b(B\.S\.|BSc|B\.Sc|BS|BA|B\.A\.|BEng|Bachelor|M\.S\.|MSc|MS|MEng|"
                                            r"Master|Ph\.D\.|PhD|Doctor)", l)
                 and re.search(r"computer science|software engineering", l, re.I)
                 and not re.search(r"minor|associate|expected", l, re.I) for sec, l in other)
    lead = any(sec != "skills" and (re.search(r"tech lead|team lead|engineering manager", l, re.I) or
                                    (re.search(r"\b(led|managed|manage|supervised)\b", l, re.I)
                                     and re.search(r"engineers?|developers|team", l, re.I)))
               and not interest(l) for sec, l in other)
    oss = any(re.search(r"open[- ]source", l, re.I) and re.search(r"contribut|maintain", l, re.I)
              or re.search(r"(github|gitlab)\.com/[\w.-]+/[\w.-]+", l) for _, l in other)
    count = len(months)
    years10 = count * 10 // 12
    readable = bool(roles)
    eligible = readable and count >= rules["min_months"] and rust_go and pg and auth
    score = 0
    if eligible:
        score = rules["base"] + min(rules["cap"], max(0, count // 12 - rules["above"]) * rules["per_year"])
        score += rules["k8s"] * k8s + rules["dist"] * dist + rules["oss"] * oss + rules["degree"] * degree \
            + rules["lead"] * lead
    b = lambda x: "true" if x else "false"
    return {"backend_years": "%d.%d" % (years10 // 10, years10 % 10), "rust_or_go": b(rust_go),
            "postgresql": b(pg), "authorized": b(auth), "kubernetes": b(k8s), "distributed_systems": b(dist),
            "open_source": b(oss), "cs_degree": b(degree), "led_team": b(lead), "eligible": b(eligible),
            "score": str(score)}


EMPTY = {"backend_years": "0.0", "rust_or_go": "false", "postgresql": "false", "authorized": "false",
         "kubernetes": "false", "distributed_systems": "false", "open_source": "false", "cs_degree": "false",
         "led_team": "false", "eligible": "false", "score": "0"}


def oracle(posting_text, files):
    rules = posting_rules(posting_text)
    out = {}
    for name in sorted(files):
        cid = name.rsplit(".", 1)[0]
        data = files[name]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or not text.strip() or "\x00" in text:
            out[cid] = dict(EMPTY, candidate_id=cid)
            continue
        out[cid] = dict(screen(text, rules), candidate_id=cid)
    return out


def ranking(rows):
    el = [r for r in rows.values() if r["eligible"] == "true"]
    el.sort(key=lambda r: (-int(r["score"]), r["candidate_id"]))
    return [(str(i), r["candidate_id"], r["score"]) for i, r in enumerate(el, start=1)]
