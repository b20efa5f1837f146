"""Generates perturbed contract batches at test time, with their ground truth: the standard form's clauses
re-rendered with other heading styles (numbered, "Clause n:", "§ n", Markdown, roman, upper-case without
numbers, heading and body on one line), renamed headings, reordered later clauses, other line widths, no
blank lines between clauses, equivalent rewordings (not deviations) and planted deviations worded unlike the
shared data, with other numbers; plus a contract missing a clause, an empty file and a non-UTF-8 file.

Ground truth comes from the generator itself (what it planted, and the lines it wrote), not from the programs
or the oracle. Shares no code with the programs."""
import random
import re
import textwrap

# Which standard heading is which clause code (the generator's own reading of the README's clause list).
CODE_OF_HEADING = {"term": "TERM", "fees and payment": "PAYMENT", "price changes": "PRICE",
                   "confidentiality": "CONFIDENTIALITY", "data protection": "DATA_PROTECTION",
                   "intellectual property": "IP", "warranties": "WARRANTY", "indemnification": "INDEMNITY",
                   "limitation of liability": "LIABILITY", "termination": "TERMINATION",
                   "governing law": "GOVERNING_LAW", "assignment": "ASSIGNMENT", "insurance": "INSURANCE"}

RENAMES = {
    "TERM": ["Duration", "Term of Agreement", "Initial Term"],
    "PAYMENT": ["Payment Terms", "Invoicing and Payment", "Fees"],
    "PRICE": ["Pricing", "Fee Adjustments", "Price Adjustments"],
    "CONFIDENTIALITY": ["Non-Disclosure", "Confidential Information"],
    "DATA_PROTECTION": ["Privacy", "Personal Data", "Data Privacy"],
    "IP": ["Ownership of Deliverables", "Ownership", "IP Rights"],
    "WARRANTY": ["Warranty", "Performance Warranty"],
    "INDEMNITY": ["Indemnity", "Indemnities"],
    "LIABILITY": ["Liability", "Limits of Liability", "Liability Cap"],
    "TERMINATION": ["Termination Rights", "Ending the Agreement", "Cancellation"],
    "GOVERNING_LAW": ["Applicable Law", "Law and Jurisdiction", "Choice of Law"],
    "ASSIGNMENT": ["Transfer", "Assignment and Transfer"],
    "INSURANCE": ["Insurance Coverage", "Insurance Requirements"],
}

# Equivalent rewordings: the same substance as the standard form (its numbers, parties and law).
EQUIVALENT = {
    "TERM": "The term of this Agreement starts on the Effective Date and lasts twelve (12) months. This Agreement "
            "may be renewed only by a written amendment executed by both parties.",
    "PAYMENT": "Vendor will send Client an invoice each month in arrears, and Client will pay every undisputed "
               "invoice no later than thirty (30) days after receiving it.",
    "PRICE": "The fees stated in each Statement of Work do not change during the initial term unless the parties "
             "sign a written amendment.",
    "CONFIDENTIALITY": "Each party will hold the other party's Confidential Information in confidence and use it "
                       "solely to perform this Agreement, for a period of five (5) years following termination.",
    "DATA_PROTECTION": "Vendor will process Client personal data solely on Client's documented instructions and "
                       "will inform Client of any personal data breach within seventy-two (72) hours after "
                       "becoming aware of it.",
    "IP": "Client, upon payment, owns all deliverables that Vendor creates for Client under this Agreement and "
          "all intellectual property rights in those deliverables.",
    "WARRANTY": "Vendor warrants that it will perform the services in a professional and workmanlike manner, and "
                "that each deliverable will conform to its specification for ninety (90) days after acceptance.",
    "INDEMNITY": "Vendor will defend, indemnify and hold Client harmless against any third-party claim alleging "
                 "that the services or deliverables infringe any intellectual property right, and against any "
                 "claim arising out of Vendor's negligence or wilful misconduct.",
    "LIABILITY": "Other than for breaches of confidentiality and indemnification obligations, neither party's "
                 "total liability under this Agreement will exceed the fees paid or payable during the twelve "
                 "(12) months before the claim.",
    "TERMINATION": "Client may terminate this Agreement or any Statement of Work for convenience by giving thirty "
                   "(30) days' written notice. Either party may terminate this Agreement for a material breach "
                   "that is not cured within thirty (30) days of notice.",
    "GOVERNING_LAW": "The laws of the State of New York govern this Agreement, and the courts of New York County "
                     "have exclusive jurisdiction over any dispute.",
    "ASSIGNMENT": "No party may assign this Agreement without first obtaining the written consent of the other "
                  "party.",
    "INSURANCE": "For the term of this Agreement, Vendor will maintain commercial general liability insurance of "
                 "no less than two million dollars (USD 2,000,000) per occurrence.",
}

# More equivalent rewordings, each one a trap for a careless rubric: a negated price increase, "promptly"
# beside the kept period, a negation near the convenience right, consent-conditioned assignment, law named
# as "New York law", an exclusion stated as "does not apply".
EQUIVALENT_MORE = {
    "PRICE": "Vendor may not increase the fees set out in a Statement of Work during the initial term except by "
             "a written amendment.",
    "DATA_PROTECTION": "Vendor shall process Client personal data only as Client instructs in writing, and shall "
                       "notify Client promptly, and in any event within seventy-two (72) hours of becoming aware, "
                       "of any personal data breach.",
    "TERMINATION": "Either party may terminate for a material breach that is not cured within thirty (30) days of "
                   "notice, and Client may also terminate this Agreement or any Statement of Work for convenience "
                   "on thirty (30) days' written notice.",
    "ASSIGNMENT": "Either party may assign this Agreement only with the prior written consent of the other party.",
    "GOVERNING_LAW": "This Agreement is governed by New York law, and the courts located in New York County have "
                     "exclusive jurisdiction.",
    "LIABILITY": "Each party's total liability under this Agreement shall not exceed the fees paid or payable in "
                 "the twelve (12) months preceding the claim. This limit does not apply to breaches of "
                 "confidentiality or to indemnification obligations.",
    "TERM": "This Agreement takes effect on the Effective Date and remains in force for one (1) year. It may be "
            "renewed only by a written amendment signed by both parties.",
}

# Planted deviations: (code, text, index of the deviating sentence).
DEVIATIONS = {
    "TERM": [("AUTO_RENEWAL", "This Agreement starts on the Effective Date and runs for an initial term of twelve "
              "(12) months, after which it is extended automatically for further periods of twelve (12) months "
              "unless either party objects in writing.", 0),
             ("AUTO_RENEWAL", "The Agreement has an initial term of twelve (12) months. It then renews for successive "
              "one-year terms unless either party gives notice of non-renewal.", 1)],
    "PAYMENT": [("PAYMENT_TERMS", "Vendor shall invoice Client monthly in arrears. Client shall pay each undisputed "
                 "invoice within forty-five (45) days of receipt.", 1),
                ("LATE_FEES", "Vendor shall invoice Client monthly in arrears. Client shall pay each undisputed "
                 "invoice within thirty (30) days of receipt. Late payments incur a late fee of two percent (2%) "
                 "of the amount due.", 2)],
    "PRICE": [("PRICE_INCREASE", "Vendor may raise the fees in any Statement of Work each year in line with the "
               "consumer price index.", 0),
              ("PRICE_INCREASE", "Vendor may revise the rates in any Statement of Work once a year on written "
               "notice to Client.", 0)],
    "CONFIDENTIALITY": [("CONFIDENTIALITY_TERM", "Each party shall keep the other party's Confidential "
                         "Information confidential and use it only to perform this Agreement. These obligations "
                         "survive for three (3) years after termination.", 1)],
    "DATA_PROTECTION": [("BREACH_NOTICE", "Vendor shall process Client personal data only on Client's documented "
                         "instructions and shall notify Client of any personal data breach within seven (7) days "
                         "of becoming aware of it.", 0)],
    "IP": [("IP_OWNERSHIP", "Vendor owns all deliverables and all intellectual property rights in them. Client "
            "receives a right to use the deliverables for its internal purposes.", 0),
           ("IP_OWNERSHIP", "Ownership of all deliverables and of the intellectual property rights in them remains "
            "with Vendor.", 0)],
    "WARRANTY": [("WARRANTY_PERIOD", "Vendor warrants that the services will be performed in a professional and "
                  "workmanlike manner and that deliverables will conform to their specifications for sixty (60) "
                  "days after acceptance.", 0),
                 ("WARRANTY_DISCLAIMER", "Vendor makes no warranties of any kind, express or implied, about the "
                  "services or the deliverables.", 0)],
    "INDEMNITY": [("INDEMNITY_NARROWED", "Vendor shall defend and indemnify Client only against third-party claims "
                   "that the deliverables infringe a registered copyright.", 0),
                  ("INDEMNITY_MUTUAL", "Each party shall defend, indemnify and hold harmless the other party "
                   "against any third-party claim arising from the indemnifying party's negligence, wilful "
                   "misconduct or infringement of intellectual property rights.", 0),
                  ("INDEMNITY_MUTUAL", "The parties shall indemnify each other against third-party claims arising "
                   "from their own negligence or wilful misconduct.", 0)],
    "LIABILITY": [("LIABILITY_CAP", "Except for breaches of confidentiality and indemnification obligations, "
                   "each party's total liability under this Agreement shall not exceed the fees paid or payable in "
                   "the six (6) months preceding the claim.", 0),
                  ("LIABILITY_CARVEOUT", "Each party's aggregate liability under this Agreement, for any cause "
                   "whatsoever, shall not exceed the fees paid or payable in the twelve (12) months preceding the "
                   "claim.", 0),
                  ("LIABILITY_CARVEOUT", "Each party's total liability under this Agreement shall not exceed the "
                   "fees paid or payable in the twelve (12) months preceding the claim. The limit applies to all "
                   "claims, including confidentiality breaches and indemnities.", 1)],
    "TERMINATION": [("TERMINATION_NOTICE", "Client may terminate this Agreement or any Statement of Work for "
                     "convenience on ninety (90) days' written notice. Either party may terminate for material "
                     "breach not cured within thirty (30) days of notice.", 0),
                    ("NO_TERMINATION_FOR_CONVENIENCE", "Either party may terminate this Agreement for material "
                     "breach not cured within thirty (30) days of notice. This Agreement may not be terminated "
                     "for convenience.", 1),
                    ("NO_TERMINATION_FOR_CONVENIENCE", "Client may terminate this Agreement only for cause, on "
                     "thirty (30) days' written notice of a material breach that remains uncured.", 0)],
    "GOVERNING_LAW": [("GOVERNING_LAW", "This Agreement is governed by the laws of the State of Texas, and the "
                       "courts of Travis County have exclusive jurisdiction.", 0)],
    "ASSIGNMENT": [("ASSIGNMENT", "Vendor may freely assign or subcontract this Agreement. Client may not assign "
                    "this Agreement without Vendor's consent.", 0)],
    "INSURANCE": [("INSURANCE_LIMIT", "Vendor shall maintain commercial general liability insurance of at least "
                   "one million five hundred thousand dollars (USD 1,500,000) per occurrence for the term of this "
                   "Agreement.", 0)],
}


# Third phrasings, again unlike the shared data: no "renew" word, no "late" word, a negation after the right...
MORE_DEVIATIONS = {
    "TERM": ("AUTO_RENEWAL", "This Agreement begins on the Effective Date and continues for an initial term of twelve "
             "(12) months and from year to year thereafter until terminated by either party.", 0),
    "PAYMENT": ("PAYMENT_TERMS", "Vendor shall invoice Client monthly in arrears. Client shall pay each invoice "
                "immediately upon receipt.", 1),
    "WARRANTY": ("WARRANTY_DISCLAIMER", "Vendor provides the services and deliverables without warranty of any "
                 "kind.", 0),
    "TERMINATION": ("NO_TERMINATION_FOR_CONVENIENCE", "Either party may terminate for material breach not cured "
                    "within thirty (30) days of notice. Termination for convenience is not permitted.", 1),
    "ASSIGNMENT": ("ASSIGNMENT", "Vendor may transfer this Agreement to any purchaser of its business on notice to "
                   "Client.", 0),
    "GOVERNING_LAW": ("GOVERNING_LAW", "This Agreement is governed by the laws of the Commonwealth of "
                      "Massachusetts, and the courts of Suffolk County have exclusive jurisdiction.", 0),
    "INDEMNITY": ("INDEMNITY_NARROWED", "Vendor shall defend Client against third-party claims that the "
                  "deliverables infringe any patent, up to a maximum of USD 25,000.", 0),
}
for _code, _dev in MORE_DEVIATIONS.items():
    DEVIATIONS[_code].append(_dev)


# Headings that share no word with the clause's usual names: only the body (and the standard's order) tell.
EXOTIC = {"TERM": "How Long This Lasts", "PAYMENT": "Settlement of Accounts", "PRICE": "Commercial Schedule",
          "CONFIDENTIALITY": "Secrets", "DATA_PROTECTION": "Handling Information About People",
          "IP": "Work Product", "WARRANTY": "Quality Promise", "INDEMNITY": "Third-Party Claims",
          "LIABILITY": "Exposure", "TERMINATION": "Exit", "GOVERNING_LAW": "Forum",
          "ASSIGNMENT": "Change of Parties", "INSURANCE": "Cover"}

EXTRA_CLAUSES = [
    ("Non-Solicitation", "During the term and for twelve (12) months after it, neither party shall solicit for "
     "employment any employee of the other party who worked on the services."),
    ("Notices", "Notices under this Agreement must be in writing and delivered by hand, by courier or by e-mail "
     "to the addresses each party designates."),
    ("Force Majeure", "Neither party is liable for a failure to perform caused by events beyond its reasonable "
     "control, provided it notifies the other party promptly."),
]


def roman(n):
    out = ""
    for v, s in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


STYLES = {
    "upper": lambda n, t: "%d. %s" % (n, t.upper()),
    "section": lambda n, t: "Section %d. %s" % (n, t),
    "article": lambda n, t: "ARTICLE %s - %s" % (roman(n), t),
    "clause": lambda n, t: "Clause %d: %s" % (n, t),
    "paren": lambda n, t: "%d) %s" % (n, t),
    "sign": lambda n, t: "§ %d %s" % (n, t),
    "markdown": lambda n, t: "## %d. %s" % (n, t),
    "roman": lambda n, t: "%s. %s" % (roman(n), t),
    "bare": lambda n, t: t.upper(),
    "inline": lambda n, t: "%d. %s." % (n, t),
    "parens": lambda n, t: "(%d) %s" % (n, t),
}


def parse_standard(text):
    """[(heading, body_text)] of the standard form: numbered headings "N. Title", body up to a blank line."""
    lines = text.split("\n")
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\d+)\.\s+(.+)$", lines[i])
        if m:
            body = []
            i += 1
            while i < len(lines) and lines[i].strip():
                body.append(lines[i].strip())
                i += 1
            out.append((m.group(2).strip(), " ".join(body)))
        i += 1
    return out


def sentences_of(text):
    return [s for s in re.split(r"(?<=\.)\s+(?=[A-Z])", text) if s]


def render(cid, clauses, rng, style, width, compact, spaced=False, indent=""):
    """The contract text and, per clause code, the 1-based (line_start, line_end) of its body."""
    lines = ["MASTER SERVICES AGREEMENT", "", "Agreement number: %s" % cid,
             'Between Northwind Holdings, Inc. ("Client") and Example Vendor %s LLC ("Vendor").' % cid[-4:], ""]
    spans = {}
    for n, (code, heading, body) in enumerate(clauses, start=1):
        head = STYLES[style](n, heading)
        if style == "inline":
            wrapped = textwrap.wrap(head + " " + body, width)
            start = len(lines) + 1
            lines.extend(wrapped)
        else:
            lines.append(head)
            if spaced:
                lines.append("")
            start = len(lines) + 1
            lines.extend(indent + l for l in textwrap.wrap(body, width))
        if code:
            spans[code] = (start, len(lines))
        if not compact:
            lines.append("")
    if compact:
        lines.append("")
    lines += ["IN WITNESS WHEREOF the parties have signed this Agreement.", "", "Northwind Holdings, Inc.",
              "Example Vendor %s LLC" % cid[-4:]]
    return "\n".join(lines) + "\n", spans


def batch(standard_text, n=60, seed=11):
    """Perturbed contracts and their truth: (files [(name, bytes)], truth {"deviations": {(cid, clause):
    (code, line_start, line_end, excerpt)}, "missing": {(cid, clause)}, "unreadable": {cid}})."""
    rng = random.Random(seed)
    std = parse_standard(standard_text)
    files, deviations, missing, unreadable = [], {}, set(), set()
    styles = sorted(STYLES)
    for k in range(1, n + 1):
        cid = "VC-%04d" % (9000 + k)
        style = styles[k % len(styles)]
        width = rng.choice([48, 60, 72, 80, 96, 110])
        compact = style not in ("bare",) and rng.random() < 0.15
        clauses = []
        planted = rng.sample(sorted(DEVIATIONS), rng.choice([0, 1, 2, 3, 4]))
        for heading, body in std:
            code = CODE_OF_HEADING.get(heading.lower())
            title = heading
            if code and rng.random() < 0.4:
                title = rng.choice(RENAMES[code])
            if code and k % 5 == 3 and rng.random() < 0.15:
                title = EXOTIC[code]
            text = body
            if code in planted:
                dev, text, at = rng.choice(DEVIATIONS[code])
                deviations[(cid, code)] = [dev, None, None, sentences_of(text)[at]]
            elif code and rng.random() < 0.5:
                options = [EQUIVALENT[code]] + ([EQUIVALENT_MORE[code]] if code in EQUIVALENT_MORE else [])
                text = rng.choice(options)
            elif rng.random() < 0.3:
                text = text.replace("shall", "will")
            clauses.append((code, title, text))
        # later clauses in another order
        if rng.random() < 0.5:
            head, tail = clauses[:5], clauses[5:]
            rng.shuffle(tail)
            clauses = head + tail
        if k == 7 or k % 9 == 4:
            # a clause the standard does not have: not a clause of the review, never a substitute for one
            extra = rng.choice(EXTRA_CLAUSES)
            clauses.insert(rng.randrange(5, len(clauses)), (None, extra[0], extra[1]))
        if k == 7:
            gone = [c for c in clauses if c[0] and c[0] not in planted][3]
            clauses.remove(gone)
            missing.add((cid, gone[0]))
        layout = k % 6
        spaced = layout == 1 and style != "inline"
        indent = "    " if layout == 2 and style != "inline" else ""
        text, spans = render(cid, clauses, rng, style, width, compact and not spaced, spaced, indent)
        if layout == 3:
            text = text.replace("\n", "\r\n")
        for (c, code), truth in deviations.items():
            if c == cid:
                truth[1], truth[2] = spans[code]
        files.append((cid + ".txt", text.encode("utf-8")))
    files.append(("VC-9998.txt", b""))
    files.append(("VC-9999.txt", "Agreement ".encode("utf-8") + b"\xff\xfe caf\xe9\n"))
    unreadable |= {"VC-9998", "VC-9999"}
    return files, {"deviations": {k: tuple(v) for k, v in deviations.items()}, "missing": missing,
                   "unreadable": unreadable}
