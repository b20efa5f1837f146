"""publish_site: publish the assembled site as the `site/` artifact (behind the approval gate).

Input  `site_draft`    (web.bundle.static): the assembled site (pages, stylesheet, sitemap.xml).
Input  `site_info`     (object.json, schema site.site_info): the stylesheet path.
Input  `page_manifest` (object.json, schema site.page_manifest): every page entry.
Output `site`          (web.bundle.static, published as `site/`): the same files; each page cites its page
                       entry (and through it its manifest entry) and its draft file.

This step runs only after an authorised person approved it (the template's gate). It checks once more that
the draft is whole — every page of the manifest, the stylesheet, sitemap.xml — and refuses otherwise, so that
a half-built site is never published.
"""
import sys

import writ
from writ.tracked import source


def token(path):
    return "/" + path.replace("~", "~0").replace("/", "~1")


def cite(slot, pointer):
    files = writ.files(slot)
    name = ([f.name for f in files if f.name.lower().endswith(".json")] or [f.name for f in files])[0]
    return {source(slot, name, "pointer", pointer)}


def main():
    draft = {f.name: f.path for f in writ.files("site_draft")}
    info = writ.json("site_info")
    entries = writ.json("page_manifest")["pages"]
    entry_of = {page["path"]: i for i, page in enumerate(entries)}
    needed = list(entry_of) + [info["theme"]["stylesheet"], "sitemap.xml"]
    missing = [path for path in needed if path not in draft]
    if missing:
        writ.log("the site draft is not whole; nothing is published. Missing: %s" % ", ".join(missing))
        sys.exit(1)
    site = writ.Directory()
    for path in sorted(draft):
        with open(draft[path], "rb") as f:
            content = f.read()
        sources = {source("site_draft", path, "pointer", token(path))}
        if path in entry_of:
            sources = writ.union(sources, cite("page_manifest", "/pages/%d" % entry_of[path]))
        site.add(path, content, sources)
    writ.emit("site", site)


main()
