"""extract_rules: the job posting's eligibility requirements and scoring rule as structured rules.

Input `posting` (file.text). Output `rules` (object.json): every rule carries the posting line it comes from
(`line`, and provenance citing that line). Numbers, title terms, the meaning of "Present", the criteria and
their points are read from the posting; only general knowledge (what other names a technology goes by) is
written here. A rule the posting does not state stops the step with a message naming it.
"""
import re
import sys

import writ

# General knowledge: the names a technology goes by on resumes (never data values: no numbers, no points).
ALIASES = {
    "rust": ["Rust"],
    "go": ["Go", "Golang"],
    "postgresql": ["PostgreSQL", "Postgres", "psql"],
    "kubernetes": ["Kubernetes", "K8s", "EKS", "GKE", "AKS", "OpenShift"],
    "distributed systems": ["distributed systems", "distributed system", "distributed computing"],
    "consensus": ["consensus", "Raft", "Paxos"],
    "replication": ["replication"],
}
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                       "august", "september", "october", "november", "december"], start=1)}
WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10}

posting = writ.text("posting")
lines = posting.lines()


def fail(message):
    writ.log("extract_rules: " + message)
    sys.exit(2)


def cited(n, value):
    return posting.line(n, value)


def number(text):
    text = text.strip().lower()
    return WORD_NUMBERS[text] if text in WORD_NUMBERS else int(text)


def find(pattern, flags=re.I, start=1):
    for n, text in lines:
        if n >= start:
            m = re.search(pattern, text, flags)
            if m:
                return n, m
    return None, None


def terms_in(text, names):
    out = []
    for name in names:
        if re.search(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", text, re.I):
            for alias in ALIASES[name]:
                if alias not in out:
                    out.append(alias)
    return out


# A rule's text may wrap onto continuation lines: join each numbered requirement / bullet with its tail.
blocks = []  # (first line, joined text, kind)
for n, text in lines:
    s = text.strip()
    if re.match(r"^(R\d+[.:)]|[-*\u2022]\s)", s):
        blocks.append([n, s, "req" if s.startswith("R") else "bullet"])
    elif s and blocks and not s.startswith("#") and blocks[-1][0] + len(blocks[-1][1].split("\n")) == n:
        blocks[-1][1] += "\n" + s
    elif s.startswith("#") or not s:
        if blocks and blocks[-1][2] != "end":
            blocks.append([n, "", "end"])
blocks = [(n, t.replace("\n", " "), k) for n, t, k in blocks if k != "end"]

rules = {"source": posting.file}

# ---- R: backend experience --------------------------------------------------------------------------------
exp = next(((n, t) for n, t, k in blocks if k == "req" and re.search(r"years? of .*experience", t, re.I)), None)
if exp is None:
    fail("no experience requirement ('at least N years of ... experience') in the posting")
n, t = exp
m = re.search(r"at least (\d+(?:\.\d+)?) years?", t, re.I)
if not m:
    fail("line %d: the minimum years of experience cannot be read" % n)
min_years = m.group(1) if "." in m.group(1) else m.group(1) + ".0"
mt = re.search(r"title is an? (.+?) engineering role", t, re.I)
if not mt:
    fail("line %d: the role titles that count as experience cannot be read" % n)
title_terms = [x.strip().lower() for x in re.split(r",\s*(?:or\s+)?|\s+or\s+", mt.group(1)) if x.strip()]
pres_n, pm = find(r'"?present"?\s+means an end month of\s+([A-Za-z]+)\s+(\d{4})')
if pm is None or pm.group(1).lower() not in MONTHS:
    fail('the month "Present" stands for is not stated')
present = "%s-%02d" % (pm.group(2), MONTHS[pm.group(1).lower()])
end_exclusive = bool(re.search(r"not including,? its end month", t, re.I))
overlap_once = bool(re.search(r"count each month once", t, re.I))
rm = re.search(r"rounded (down|up|to nearest)?\s*to (one|two|\d) decimal", t, re.I)
rules["experience"] = {
    "id": "backend_years", "line": n, "text": cited(n, t),
    "min_years": cited(n, min_years),
    "title_terms": cited(n, title_terms),
    "role_word": cited(n, "engineering"),
    "present": cited(pres_n, present),
    "end_exclusive": cited(n, end_exclusive),
    "overlap_once": cited(n, overlap_once),
    "rounding": cited(n, (rm.group(1) or "down").lower() if rm else "down"),
    "decimals": cited(n, number(rm.group(2)) if rm else 1),
}

# ---- the other requirements ---------------------------------------------------------------------------
requirements = [{"id": "backend_years", "line": n, "min_years": cited(n, min_years)}]
for n, t, k in blocks:
    if k != "req" or (n, t) == exp:
        continue
    low = t.lower()
    if re.search(r"\brust\b|\bgo\b", t, re.I):
        requirements.append({"id": "rust_or_go", "line": n, "text": cited(n, t),
                             "terms": cited(n, terms_in(t, ["rust", "go"])), "where": ["skills", "roles"]})
    elif "postgres" in low:
        requirements.append({"id": "postgresql", "line": n, "text": cited(n, t),
                             "terms": cited(n, terms_in(t, ["postgresql"])), "where": ["skills", "roles"]})
    elif "authori" in low:
        cm = re.search(r"work in (?:the )?(.+?)(?: without| with|\.|$)", t, re.I)
        requirements.append({"id": "authorized", "line": n, "text": cited(n, t),
                             "country": cited(n, cm.group(1) if cm else "United States"),
                             "without_sponsorship": cited(n, "sponsorship" in low)})
    else:
        fail("line %d: a requirement this program cannot read: %s" % (n, t))
ids = [r["id"] for r in requirements]
for needed in ("rust_or_go", "postgresql", "authorized"):
    if needed not in ids:
        fail("the posting states no %s requirement" % needed)
rules["requirements"] = requirements

# ---- the score ----------------------------------------------------------------------------------------
bn, bm = find(r"start from (\d+) points")
if bm is None:
    fail("the base score ('Start from N points') is not stated")
criteria = []
experience_points = None
for n, t, k in blocks:
    if k != "bullet":
        continue
    pm_ = re.search(r"(\d+) points?", t, re.I)
    if not pm_:
        continue
    pts = int(pm_.group(1))
    low = t.lower()
    if re.search(r"per (?:full )?year", low):
        am = re.search(r"above (\d+) years?", low)
        cm = re.search(r"at most (\d+) points?", low)
        if not am or not cm:
            fail("line %d: the experience points rule lacks its threshold or cap" % n)
        experience_points = {"id": "experience", "line": n, "text": cited(n, t), "per_year": cited(n, pts),
                             "above_years": cited(n, int(am.group(1))), "cap": cited(n, int(cm.group(1))),
                             "full_years": cited(n, "full year" in low)}
    elif "kubernetes" in low:
        criteria.append({"id": "kubernetes", "points": cited(n, pts), "line": n, "text": cited(n, t),
                         "terms": cited(n, terms_in(t, ["kubernetes"])), "where": ["skills", "roles"]})
    elif "distributed" in low:
        terms = terms_in(t, ["distributed systems"])
        cm = re.search(r"\(([^)]*?) work counts\)", t, re.I)
        counts = []
        if cm:
            for part in re.split(r"\s+and\s+|,\s*", cm.group(1)):
                part = part.strip().lower()
                if part in ALIASES:
                    counts.extend(a for a in ALIASES[part] if a not in counts)
        criteria.append({"id": "distributed_systems", "points": cited(n, pts), "line": n, "text": cited(n, t),
                         "terms": cited(n, terms + counts), "where": ["skills", "roles"],
                         "interest_excluded": cited(n, bool(re.search(r"interest in learning", low)))})
    elif "open-source" in low or "open source" in low:
        criteria.append({"id": "open_source", "points": cited(n, pts), "line": n, "text": cited(n, t),
                         "repository_link": cited(n, "link" in low and "repositor" in low),
                         "maintained_projects": cited(n, "maintain" in low)})
    elif "degree" in low:
        fm = re.search(r"degree in (.+?) \(", t, re.I) or re.search(r"degree in (.+?)(?:;|,|$)", t, re.I)
        fields = [f.strip().lower() for f in re.split(r"\s+or\s+|,\s*", fm.group(1))] if fm else []
        lm = re.search(r"\(([a-z' ]+?) or higher\)", t, re.I)
        criteria.append({"id": "cs_degree", "points": cited(n, pts), "line": n, "text": cited(n, t),
                         "fields": cited(n, fields),
                         "min_level": cited(n, (lm.group(1).lower().replace("'s", "") if lm else "bachelor"))})
    elif re.search(r"\bled\b|\blead\b|manag", low):
        criteria.append({"id": "led_team", "points": cited(n, pts), "line": n, "text": cited(n, t)})
    else:
        fail("line %d: a scoring rule this program cannot read: %s" % (n, t))
if experience_points is None:
    fail("the posting states no points per year of experience")
for needed in ("kubernetes", "distributed_systems", "open_source", "cs_degree", "led_team"):
    if needed not in [c["id"] for c in criteria]:
        fail("the posting states no %s scoring rule" % needed)
inel_n, im = find(r"ineligible candidates score (\d+)")
rank_n, rkm = find(r"rank eligible candidates by score,\s*(highest|lowest) first")
tie_n, tm = find(r"ties are broken by candidate id,?\s*(ascending|descending)")
if im is None or rkm is None:
    # the sentence may wrap: search the joined paragraph
    joined = " ".join(t for _, t in lines)
    if im is None:
        fail("the score of ineligible candidates is not stated")
if rkm is None or tm is None:
    joined = " ".join(t.strip() for _, t in lines)
    rkm = rkm or re.search(r"rank eligible candidates by score,\s*(highest|lowest) first", joined, re.I)
    tm = tm or re.search(r"ties are broken by candidate id,?\s*(ascending|descending)", joined, re.I)
    rank_n = rank_n or inel_n
    tie_n = tie_n or rank_n
if rkm is None or tm is None:
    fail("the ranking order or its tie-break is not stated")
rules["score"] = {"base": cited(bn, int(bm.group(1))), "base_line": bn, "experience": experience_points,
                  "criteria": criteria, "ineligible": cited(inel_n, int(im.group(1))), "ineligible_line": inel_n}
rules["ranking"] = {"order": cited(rank_n, "score_desc" if rkm.group(1).lower() == "highest" else "score_asc"),
                    "ties": cited(tie_n, "candidate_id_" + ("asc" if tm.group(1).lower() == "ascending" else "desc")),
                    "line": rank_n}
writ.emit("rules", rules)
