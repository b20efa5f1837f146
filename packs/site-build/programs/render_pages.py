"""render_pages: one HTML file per page entry (fanned out over `/pages` of the page manifest).

Input  `page_manifest`  (object.json, schema site.page_manifest): this shard's page entries. Each entry is
                        self-contained (its own fields, specs, related products and, for a category, its
                        products, each as {path, title}), so a page is generated from its own entry only.
Input  `navigation`     (object.json, schema site.navigation): the site's navigation, the same for every page.
Input  `asset_manifest` (web.asset_manifest): where the stylesheet is.
Output `pages`          (web.bundle.static): each page at its path; its provenance is its page entry (which
                        names its manifest entry), the navigation and the asset manifest.

Every link is relative to the page's own folder (`../saws/index.html` from `drills/x.html`), so the folder
works opened from disk (file://) as well as served under any base URL.
"""
import html
import posixpath
import re
from urllib.parse import quote

import writ
from writ.tracked import source


def cite(slot, pointer):
    """The source set citing the value at ``pointer`` of JSON input ``slot``."""
    files = writ.files(slot)
    name = ([f.name for f in files if f.name.lower().endswith(".json")] or [f.name for f in files])[0]
    return {source(slot, name, "pointer", pointer)}


def esc(text):
    """Text as HTML text: `<` and `>` escaped, and `&` unless a space or the end follows it (a bare `& ` is
    valid HTML and reads as itself, so "Cedar & Steel" stays as written in the page source)."""
    text = re.sub(r"&(?![\s]|$)", "&amp;", str(text))
    return text.replace("<", "&lt;").replace(">", "&gt;")


def attr(value):
    """A value for a double-quoted attribute."""
    return html.escape(str(value), quote=False).replace('"', "&quot;")


def href(target, page_path):
    """The relative URL of site path ``target`` from the page at site path ``page_path``."""
    start = posixpath.dirname(page_path) or "."
    return quote(posixpath.relpath(target, start), safe="/-._~!$&'()*+,;=@")


def main():
    manifest = writ.json("page_manifest")
    navigation = writ.json("navigation")
    assets = writ.json("asset_manifest")
    stylesheets = [f["path"] for f in assets["files"] if f.get("role") == "stylesheet"] or \
        [f["path"] for f in assets["files"] if f.get("media_type") == "text/css"]
    if not stylesheets:
        writ.log("the asset manifest lists no stylesheet")
        raise SystemExit(1)
    stylesheet = stylesheets[0]
    shared = writ.union(cite("navigation", ""), cite("asset_manifest", ""))
    site = navigation["site"]
    bundle = writ.Directory()
    for i, page in enumerate(manifest["pages"]):
        path = page["path"]
        bundle.add(path, render(page, navigation, stylesheet, site),
                   writ.union(cite("page_manifest", "/pages/%d" % i), shared))
    writ.emit("pages", bundle)


def render(page, navigation, stylesheet, site):
    path = page["path"]
    kind = page.get("kind") or "page"
    title = page["title"]
    link = lambda target: attr(href(target, path))  # noqa: E731
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title>" % (esc(title) if title == site else "%s | %s" % (esc(title), esc(site))),
        '<link rel="stylesheet" href="%s">' % link(stylesheet),
        "</head>",
        '<body class="page-%s">' % (re.sub(r"[^A-Za-z0-9_-]+", "-", kind) or "page"),
        '<header class="site-header">',
    ]
    home = navigation.get("home")
    if home:
        out.append('<a class="brand" href="%s">%s</a>' % (link(home), esc(site)))
    else:
        out.append('<span class="brand">%s</span>' % esc(site))
    out.append('<nav class="site-nav" aria-label="Main">')
    out.append("<ul>")
    for item in navigation["items"]:
        current = ' aria-current="page"' if item["path"] == path else ""
        out.append('<li><a href="%s"%s>%s</a></li>' % (link(item["path"]), current, esc(item["title"])))
    out.append("</ul>")
    out.append("</nav>")
    out.append("</header>")
    out.append("<main>")
    crumbs = []
    if home and home != path:
        crumbs.append('<a href="%s">%s</a>' % (link(home), esc(site)))
    category_page = page.get("category_page")
    if category_page and category_page["path"] != path:
        crumbs.append('<a href="%s">%s</a>' % (link(category_page["path"]), esc(category_page["title"])))
    if crumbs:
        out.append('<p class="breadcrumb">%s</p>' % " &rsaquo; ".join(crumbs))
    out.append("<h1>%s</h1>" % esc(title))
    if page.get("body"):
        out.append('<p class="intro">%s</p>' % esc(page["body"]))
    if page.get("specs"):
        out.append('<table class="specs">')
        out.append("<caption>Specifications</caption>")
        out.append("<tbody>")
        for spec in page["specs"]:
            out.append('<tr><th scope="row">%s</th><td>%s</td></tr>' % (esc(spec["name"]), esc(spec["value"])))
        out.append("</tbody>")
        out.append("</table>")
    if kind == "category" or page.get("products"):
        out.append('<section class="products-section">')
        out.append("<h2>Products</h2>")
        out.append('<ul class="products">')
        for product in page.get("products") or []:
            out.append('<li><a href="%s">%s</a></li>' % (link(product["path"]), esc(product["title"])))
        out.append("</ul>")
        out.append("</section>")
    if page.get("related"):
        out.append('<section class="related">')
        out.append("<h2>Related products</h2>")
        out.append("<ul>")
        for related in page["related"]:
            out.append('<li><a href="%s">%s</a></li>' % (link(related["path"]), esc(related["title"])))
        out.append("</ul>")
        out.append("</section>")
    out.append("</main>")
    out.append('<footer class="site-footer"><p>&copy; %s</p></footer>' % esc(site))
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


main()
