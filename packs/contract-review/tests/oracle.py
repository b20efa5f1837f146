"""The independent oracle: the deviations of a contract batch derived from the data README's definitions
alone, sharing no code with the programs or the evaluator.

Method (deliberately different from the programs): a contract is cut into blank-line paragraphs; a paragraph
whose first line is a short heading is a clause, its other lines the body. The heading names the clause by
its words. A clause deviates when, against the standard clause of the same name, the README's definition of
a change of substance holds: a number differs (every figure written in digits, the way both the standard and
the contracts state them in parentheses), the governing law's place differs, a party's right changes
(ownership retained by the vendor, a unilateral right to assign, a mutual indemnity, no termination for
convenience), or an obligation is added (automatic renewal, interest on late payment, a price increase, a
disclaimer, a narrowed indemnity, carve-outs brought under the cap)."""
import re

HEADING_CODES = [("limitation of liability", "LIABILITY"), ("termination", "TERMINATION"), ("term", "TERM"),
                 ("fees and payment", "PAYMENT"), ("price", "PRICE"), ("confidential", "CONFIDENTIALITY"),
                 ("data protection", "DATA_PROTECTION"), ("intellectual property", "IP"),
                 ("warrant", "WARRANTY"), ("indemn", "INDEMNITY"), ("governing law", "GOVERNING_LAW"),
                 ("assign", "ASSIGNMENT"), ("insurance", "INSURANCE")]


def code_of(heading):
    h = heading.lower()
    for key, code in HEADING_CODES:
        if re.search(r"\b" + key, h):
            return code
    return None


def clauses(text):
    """{code: (line_start, line_end, body)} from blank-line paragraphs."""
    out = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        block = lines[i:j]
        if len(block) >= 2 and len(block[0]) < 60:
            code = code_of(block[0])
            if code and code not in out:
                out[code] = (i + 2, j, " ".join(l.strip() for l in block[1:]))
        i = j
    return out


def figures(text):
    return {x.replace(",", "") for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


def capitals(text):
    skip = {"This", "The", "Agreement", "State", "County", "Each", "Any"}
    return {w for w in re.findall(r"\b[A-Z][a-z]+\b", text) if w not in skip}


def deviation(code, body, standard):
    low, std_low = body.lower(), standard.lower()
    numbers_differ = figures(body) != figures(standard)
    if code == "TERM":
        return "AUTO_RENEWAL" if ("automatic" in low or numbers_differ) else None
    if code == "PAYMENT":
        if "interest" in low or "late" in low:
            return "LATE_FEES"
        return "PAYMENT_TERMS" if (numbers_differ or "advance" in low) else None
    if code == "PRICE":
        return "PRICE_INCREASE" if ("increase" in low or "adjust" in low or numbers_differ) else None
    if code == "CONFIDENTIALITY":
        return "CONFIDENTIALITY_TERM" if numbers_differ else None
    if code == "DATA_PROTECTION":
        return "BREACH_NOTICE" if numbers_differ else None
    if code == "IP":
        return "IP_OWNERSHIP" if ("retain" in low or "licen" in low) else None
    if code == "WARRANTY":
        if '"as is"' in low or "disclaim" in low:
            return "WARRANTY_DISCLAIMER"
        return "WARRANTY_PERIOD" if numbers_differ else None
    if code == "INDEMNITY":
        if low.startswith("each party") or "mutual" in low:
            return "INDEMNITY_MUTUAL"
        return "INDEMNITY_NARROWED" if (numbers_differ or "patent" in low) else None
    if code == "LIABILITY":
        if numbers_differ:
            return "LIABILITY_CAP"
        kept = ("except" in low or "save for" in low) and "including" not in low
        return None if kept else "LIABILITY_CARVEOUT"
    if code == "TERMINATION":
        if "convenience" not in low or re.search(r"neither party may terminate[^.]*convenience", low):
            return "NO_TERMINATION_FOR_CONVENIENCE"
        return "TERMINATION_NOTICE" if numbers_differ else None
    if code == "GOVERNING_LAW":
        return "GOVERNING_LAW" if capitals(body) != capitals(standard) else None
    if code == "ASSIGNMENT":
        return "ASSIGNMENT" if re.search(r"\b(vendor|client) may assign", low) else None
    if code == "INSURANCE":
        return "INSURANCE_LIMIT" if numbers_differ else None
    return None


def standard_clauses(standard_text):
    out = {}
    lines = standard_text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^\d+\.\s+(.+)$", line)
        if m and code_of(m.group(1)):
            body = []
            for l in lines[i + 1:]:
                if not l.strip():
                    break
                body.append(l.strip())
            out.setdefault(code_of(m.group(1)), " ".join(body))
    return out


def expected(standard_text, contracts):
    """``contracts``: {contract_id: text}. Returns {(contract_id, clause): (deviation, line_start, line_end)}."""
    std = standard_clauses(standard_text)
    out = {}
    for cid, text in contracts.items():
        for code, (a, b, body) in clauses(text).items():
            dev = deviation(code, body, std[code])
            if dev:
                out[(cid, code)] = (dev, a, b)
    return out
