"""Perturbed workloads generated at test time from the shared resumes (never copied into the project).

- `resumes(src, dst, seed)`: every resume rewritten with its role dates in another format seen in the data
  (`Mon YYYY`, `MM/YYYY`, `YYYY-MM`) or a full month name, some with an en dash; other wordings of the
  same facts (labels, authorization, leadership, open source, degree abbreviations); its sections reordered,
  renamed (other heading styles) and its description lines bulleted; plus bad inputs: an empty file, a binary
  file, a file that is not UTF-8, a resume with one date that cannot be read and one with no date that can.
- `posting(src, dst)`: the posting with other numbers (minimum years, points, base, the month of "Present").
"""
import os
import random
import re

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December"]
DATE = r"(?:[A-Z][a-z]{2} \d{4}|\d{2}/\d{4}|\d{4}-\d{2}|Present)"
ROLE = re.compile(r"\((" + DATE + r") - (" + DATE + r")\)$")
HEADINGS = {
    "SUMMARY": ["SUMMARY", "Profile", "## Summary", "About Me"],
    "EXPERIENCE": ["EXPERIENCE", "Employment History", "Work History", "PROFESSIONAL EXPERIENCE:"],
    "Professional Experience": ["Professional Experience", "Career Experience"],
    "Work Experience": ["Work Experience", "Employment"],
    "SKILLS": ["SKILLS", "Core Skills", "Technologies", "Skills:"],
    "Skills & Tools": ["Skills & Tools", "Tools and Technologies"],
    "Technical Skills": ["Technical Skills", "TECHNICAL SKILLS"],
    "EDUCATION": ["EDUCATION", "Education & Training", "## Education"],
}


def to_ym(token):
    if token == "Present":
        return None
    m = re.fullmatch(r"([A-Z][a-z]{2}) (\d{4})", token)
    if m:
        return int(m.group(2)), MONTHS.index(m.group(1)) + 1
    m = re.fullmatch(r"(\d{2})/(\d{4})", token)
    if m:
        return int(m.group(2)), int(m.group(1))
    y, mo = token.split("-")
    return int(y), int(mo)


def fmt(ym, style, present_word):
    if ym is None:
        return present_word
    y, m = ym
    return {"mon": "%s %d" % (MONTHS[m - 1], y), "slash": "%02d/%d" % (m, y), "iso": "%d-%02d" % (y, m),
            "full": "%s %d" % (FULL[m - 1], y)}[style]


# Other wordings of the same facts (labels, authorization, leadership, open source, degrees).
WORDINGS = [
    ("Eligibility: ", ["Eligibility: ", "Work status: ", "Citizenship: "]),
    ("Work authorization: ", ["Work authorization: ", "Work Authorization - ", "Visa status: "]),
    ("US citizen.", ["US citizen.", "U.S. citizen", "Citizen of the United States."]),
    ("Permanent resident (green card).", ["Permanent resident (green card).", "Green card holder."]),
    ("Will need sponsorship to work in the US.", ["Will need sponsorship to work in the US.",
                                                  "Needs visa sponsorship to work in the US."]),
    ("Led a team of 6 engineers", ["Led a team of 6 engineers", "Led a team of 9 engineers"]),
    ("Managed four backend engineers", ["Managed four backend engineers", "Managed three platform engineers"]),
    ("Tech lead for a team of five engineers.", ["Tech lead for a team of five engineers.",
                                                 "Tech lead of a team of seven engineers."]),
    ("github.com/example/pgtools", ["github.com/example/pgtools", "gitlab.com/someone/queue-tools"]),
    ("BSc ", ["BSc ", "B.Sc. "]),
    ("M.S. ", ["M.S. ", "MSc "]),
    ("Ph.D. ", ["Ph.D. ", "PhD "]),
]


def reword(text, rng):
    for old, choices in WORDINGS:
        if old in text:
            text = text.replace(old, rng.choice(choices))
    return text


def rewrite(text, rng):
    lines = reword(text, rng).rstrip("\n").split("\n")
    style = rng.choice(["mon", "slash", "iso", "full"])
    dash = rng.choice([" - ", " – ", " to "])
    present_word = rng.choice(["Present", "Present", "Current"])
    out = []
    for line in lines:
        m = ROLE.search(line)
        if m:
            a, b = to_ym(m.group(1)), to_ym(m.group(2))
            line = line[:m.start()] + "(" + fmt(a, style, present_word) + dash + fmt(b, style, present_word) + ")"
        elif line.startswith("  ") and rng.random() < 0.5:
            line = "  - " + line.strip()
        out.append(line)
    # blocks: header, then one block per heading (a heading starts a block), the trailing paragraphs stay put
    blocks, cur = [], []
    for line in out:
        if line.strip() in HEADINGS and cur:
            blocks.append(cur)
            cur = []
        cur.append(line)
    blocks.append(cur)
    header, body = blocks[0], blocks[1:]
    tail = []
    # the last block (EDUCATION) ends with the authorization paragraph: keep it last
    if body and body[-1] and body[-1][0].strip() == "EDUCATION":
        edu = body[-1]
        cut = max(i for i, l in enumerate(edu) if not l.strip()) if "" in edu[1:] else len(edu)
        body[-1], tail = edu[:cut], edu[cut:]
    rng.shuffle(body)
    renamed = []
    for block in body:
        name = block[0].strip()
        block = [rng.choice(HEADINGS[name])] + block[1:]
        while block and not block[-1].strip():
            block.pop()
        renamed.append("\n".join(block))
    tail_text = "\n".join(tail).strip("\n")
    return "\n".join(header).rstrip("\n") + "\n\n" + "\n\n".join(renamed) + ("\n\n" + tail_text if tail_text else "") + "\n"


def resumes(src, dst, seed=11, limit=None):
    rng = random.Random(seed)
    os.makedirs(dst, exist_ok=True)
    names = sorted(os.listdir(src))[:limit]
    for name in names:
        with open(os.path.join(src, name), encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(dst, name), "w", encoding="utf-8") as f:
            f.write(rewrite(text, rng))
    last = int(names[-1][2:7])
    bad = {}
    bad["C-%05d.txt" % (last + 1)] = b""
    bad["C-%05d.txt" % (last + 2)] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    bad["C-%05d.txt" % (last + 3)] = "Jos\u00e9 Pe\u00f1a\nBackend Engineer, X (01/2015 - Present)\n".encode("latin-1")
    # one role with a date that cannot be read; the other roles stand
    with open(os.path.join(src, names[3]), encoding="utf-8") as f:
        text = f.read()
    m = [l for l in text.split("\n") if ROLE.search(l)]
    text = text.replace(m[-1], ROLE.sub("(Spring 2014 - Present)", m[-1]), 1)
    bad["C-%05d.txt" % (last + 4)] = text.encode()
    # no date that can be read at all
    with open(os.path.join(src, names[4]), encoding="utf-8") as f:
        text = f.read()
    text = ROLE.sub(lambda m: "(2015 - 2019)", "\n".join(ROLE.sub("(2015 - 2019)", l) for l in text.split("\n")))
    bad["C-%05d.txt" % (last + 5)] = text.encode()
    for name, data in bad.items():
        with open(os.path.join(dst, name), "wb") as f:
            f.write(data)
    return sorted(bad)


def posting(src, dst):
    with open(src, encoding="utf-8") as f:
        text = f.read()
    for old, new in [("At least 5.0 years", "At least 4.0 years"), ("November 2026", "December 2026"),
                     ("Start from 50 points", "Start from 40 points"),
                     ("- 2 points per full year of backend experience above 5 years, at most 10 points;",
                      "- 3 points per full year of backend experience above 4 years, at most 9 points;"),
                     ("- 10 points for Kubernetes", "- 12 points for Kubernetes"),
                     ("- 8 points for distributed", "- 6 points for distributed"),
                     ("- 5 points for a degree", "- 7 points for a degree")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
