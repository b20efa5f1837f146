"""verify_pages: a verdict per page from the governed evaluator (fanned out over the rendered pages).

Input  `pages`          (web.bundle.static): this shard's rendered pages (the fan-out's items are its files).
Input  `page_manifest`  (object.json, schema site.page_manifest): every page entry (the shard's entries by
                        path, and the paths of the site's pages).
Input  `navigation`     (object.json, schema site.navigation).
Input  `asset_manifest` (web.asset_manifest): the stylesheet (a file of the site besides the pages).
Output `verdicts`       (table.csv, schema site.verdicts): path,kind,verdict,failed,reasons,judged_by — one row
                        per page file, in path order; each row cites the page file, its page entry, the
                        navigation and the asset manifest (the evidence it was judged on).

Each shard reads only its own pages: verifying page 47 needs page 47, its entry, the navigation and the
asset manifest, nothing of pages 1-46. A page that was never rendered has no row; `site.verdicts_cover_pages`
and assemble_site catch that.

For each page the program assembles an evidence bundle and asks `evaluator.judge` (rubric `site.page_review`):
  0 the page's entry (what the page must show and link), 1 the navigation, 2 the stylesheet path,
  3 the page's HTML as rendered, 4 which of the site paths the page links are files of the site (a page of
  the page manifest or a file of the asset manifest) and which are not.
The evaluator reads the HTML itself; the program only says which files exist. Under the built-in profile the
pack's Rust evaluator judges (no model); under a model profile a model does, with the same evidence.
"""
import posixpath
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import writ
from writ.tracked import source

RUBRIC = "site.page_review"
QUESTION = ("Does this page link the site's stylesheet, carry every navigation entry, link only files that exist "
            "in the site, and show everything its page entry lists: title, every spec with its value, every "
            "related product and, for a category page, every product of the category?")


class Links(HTMLParser):
    """Every URL a page references (a/link href, img/script/source src)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and ((name == "href" and tag in ("a", "link", "area"))
                                      or (name == "src" and tag in ("img", "script", "source", "iframe"))):
                self.urls.append(value)


def target(url, page_path):
    """The site path a URL of the page at ``page_path`` leads to, or None for external and page-local URLs."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    if parts.path.startswith("/"):
        return posixpath.normpath(unquote(parts.path)).lstrip("/")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_path), unquote(parts.path)))
    return joined


def cite(slot, pointer):
    files = writ.files(slot)
    name = ([f.name for f in files if f.name.lower().endswith(".json")] or [f.name for f in files])[0]
    return {source(slot, name, "pointer", pointer)}


def main():
    shard = {f.name: f.path for f in writ.files("pages")}
    manifest = writ.json("page_manifest")
    navigation = writ.json("navigation")
    assets = writ.json("asset_manifest")
    entries = {page["path"]: i for i, page in enumerate(manifest["pages"])}
    # The files of the site: every page of the page manifest (that each has its file is checked by the
    # verdicts' coverage and again, on the real files, before publishing) and the asset manifest's files.
    site_files = set(entries) | {f["path"] for f in assets["files"]} | set(shard)
    stylesheet = ([f["path"] for f in assets["files"] if f.get("role") == "stylesheet"] or [None])[0]
    shared = writ.union(cite("navigation", ""), cite("asset_manifest", ""))
    rows = []
    for path in sorted(shard):
        sources = writ.union(shared, {source("pages", path, "pointer", "/" + path.replace("~", "~0")
                                             .replace("/", "~1"))})
        if path not in entries:
            rows.append(writ.row({"path": path, "kind": "", "verdict": "fail", "failed": "page_entry",
                                  "reasons": "%s is no page of the page manifest" % path,
                                  "judged_by": "verify_pages"}, sources))
            continue
        i = entries[path]
        page = manifest["pages"][i]
        sources = writ.union(sources, cite("page_manifest", "/pages/%d" % i))
        with open(shard[path], encoding="utf-8") as f:
            text = f.read()
        parser = Links()
        parser.feed(text)
        parser.close()
        linked = sorted({t for t in (target(u, path) for u in parser.urls) if t is not None})
        evidence = [
            dict(page, type="page_entry"),
            {"type": "navigation", "home": navigation.get("home"), "items": navigation["items"]},
            {"type": "assets", "stylesheet": stylesheet},
            {"type": "page_html", "path": path, "html": text},
            {"type": "site_files", "present": [t for t in linked if t in site_files],
             "absent": [t for t in linked if t not in site_files]},
        ]
        result = writ.call_tool("evaluator.judge", {"rubric": RUBRIC, "item": path, "question": QUESTION,
                                                    "evidence": evidence})
        failed = [c.get("id", "") for c in result.get("criteria", []) if c.get("label") == "fail"]
        rows.append(writ.row({
            "path": path,
            "kind": page.get("kind", ""),
            "verdict": result.get("verdict", ""),
            "failed": ";".join(failed),
            "reasons": " | ".join(result.get("reasons", [])),
            "judged_by": result.get("judged_by", ""),
        }, sources))
    writ.emit("verdicts", writ.Table(["path", "kind", "verdict", "failed", "reasons", "judged_by"], rows))


main()
