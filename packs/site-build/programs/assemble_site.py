"""assemble_site: the whole site — every page, the stylesheet and sitemap.xml — once every page has passed.

Input  `pages`          (web.bundle.static): the rendered pages (merged from every shard).
Input  `theme_assets`   (web.bundle.static): the stylesheet.
Input  `site_info`      (object.json, schema site.site_info): the base URL for sitemap.xml.
Input  `page_manifest`  (object.json, schema site.page_manifest): every page entry (the sitemap's order).
Input  `verdicts`       (table.csv, schema site.verdicts): the per-page verdicts of verify_pages.
Output `site_draft`     (web.bundle.static): the site as it will be published (not published: publish_site,
                        behind the approval gate, does that).

Refuses (non-zero exit naming the pages) when a page of the manifest has no file, no verdict, or a verdict
other than `pass`, or when a file would be written twice: a site is assembled whole or not at all.
sitemap.xml lists every page as <base_url><path> (the base URL with a trailing `/`, the path percent-encoded),
in manifest order.
"""
import sys
from urllib.parse import quote
from xml.sax.saxutils import escape

import writ
from writ.tracked import source


def token(path):
    return "/" + path.replace("~", "~0").replace("/", "~1")


def cite(slot, pointer):
    files = writ.files(slot)
    name = ([f.name for f in files if f.name.lower().endswith(".json")] or [f.name for f in files])[0]
    return {source(slot, name, "pointer", pointer)}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    pages = {f.name: f.path for f in writ.files("pages")}
    theme = {f.name: f.path for f in writ.files("theme_assets")}
    info = writ.json("site_info")
    entries = writ.json("page_manifest")["pages"]
    verdicts = {}
    for r in writ.table("verdicts").rows:
        verdicts[r["path"]] = r
    problems = []
    for i, page in enumerate(entries):
        path = page["path"]
        verdict = verdicts.get(path)
        if path not in pages:
            problems.append("/pages/%d (%s): no page was generated" % (i, path))
        elif verdict is None:
            problems.append("/pages/%d (%s): the page has no verdict" % (i, path))
        elif verdict["verdict"] != "pass":
            problems.append("/pages/%d (%s): verdict %s (%s): %s" % (
                i, path, verdict["verdict"], verdict["failed"], verdict["reasons"]))
    for path in sorted(set(theme) & set(pages)):
        problems.append("%s is both a page and a theme asset" % path)
    if "sitemap.xml" in pages or "sitemap.xml" in theme:
        problems.append("sitemap.xml is already a file of the bundle")
    if problems:
        writ.log("the site cannot be assembled: %d problem%s" % (len(problems), "" if len(problems) == 1 else "s"))
        for line in problems:
            writ.log("  " + line)
        sys.exit(1)

    site = writ.Directory()
    for i, page in enumerate(entries):
        path = page["path"]
        site.add(path, read(pages[path]), writ.union({source("pages", path, "pointer", token(path))},
                                                     cite("page_manifest", "/pages/%d" % i),
                                                     verdicts[path]))
    for path in sorted(theme):
        site.add(path, read(theme[path]), {source("theme_assets", path, "pointer", token(path))})
    base = info["base_url"].strip()
    base = base if base.endswith("/") else base + "/"
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in entries:
        lines.append("  <url><loc>%s</loc></url>" % escape(base + quote(page["path"], safe="/-._~!$&'()*+,;=:@")))
    lines.append("</urlset>")
    site.add("sitemap.xml", "\n".join(lines) + "\n", writ.union(cite("site_info", "/base_url"),
                                                                cite("page_manifest", "/pages")))
    writ.emit("site_draft", site)


main()
