"""Scores published deviations against a truth: F1 on (contract, clause, deviation), share of exact line
ranges among the matched rows."""


def excerpts_matching(rows, truth):
    """Share of matched rows whose excerpt is the planted deviating sentence (truth values with a 4th item)."""
    want = {(cid, clause, v[0]): " ".join(v[3].split()) for (cid, clause), v in truth.items() if len(v) > 3}
    pairs = [(" ".join(r["excerpt"].split()), want[k]) for r in rows
             for k in [(r["contract_id"], r["clause"], r["deviation"])] if k in want]
    return sum(1 for a, b in pairs if a == b) / len(pairs) if pairs else 1.0


def score(rows, truth):
    got = {(r["contract_id"], r["clause"], r["deviation"]): (int(r["line_start"]), int(r["line_end"])) for r in rows}
    want = {(cid, clause, v[0]): (v[1], v[2]) for (cid, clause), v in truth.items()}
    tp = set(got) & set(want)
    precision = len(tp) / len(got) if got else 1.0
    recall = len(tp) / len(want) if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    exact = sum(1 for k in tp if got[k] == want[k]) / len(tp) if tp else 1.0
    return {"f1": f1, "precision": precision, "recall": recall, "lines_exact": exact,
            "false_positives": sorted(set(got) - set(want)), "false_negatives": sorted(set(want) - set(got)),
            "wrong_lines": sorted((k, got[k], want[k]) for k in tp if got[k] != want[k])}
