"""An independent checker of a built site, written from the letter of ../shared/data/README.md (site-build)
and sharing no code with the programs:

    site/ — a static site: one HTML file per manifest page at its `path`, plus the stylesheet at the theme's
    `stylesheet` path and `sitemap.xml`. Every page links the stylesheet and carries the full navigation;
    category pages link every product of their category; product pages show every spec of the manifest and
    link their related products; every internal link resolves; `sitemap.xml` lists all the pages.

plus the issue's "the stylesheet carrying the theme's colours" and "a complete sitemap.xml under the
manifest's base_url". Links are resolved the way a browser does from a file:// URL (urljoin against the
page's own URL), so a site that passes here works opened from disk.

``check_site(manifest, files)`` -> list of problems (empty when the site is right); ``files`` maps each
site path to its bytes.
"""
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

ROOT = "file:///site/"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs = []          # (tag, attr, url, inside nav, anchor index)
        self.anchor_text = {}   # index in refs -> text
        self.stylesheets = []
        self.texts = []
        self._nav = 0
        self._open_a = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav":
            self._nav += 1
        for attr in ("href", "src"):
            if a.get(attr) is not None and tag in ("a", "link", "img", "script", "area", "source", "iframe"):
                self.refs.append((tag, attr, a[attr], self._nav > 0))
                if tag == "a":
                    self._open_a = len(self.refs) - 1
                    self.anchor_text[self._open_a] = ""
        if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split():
            self.stylesheets.append(a.get("href") or "")

    def handle_endtag(self, tag):
        if tag == "nav":
            self._nav -= 1
        if tag == "a":
            self._open_a = None

    def handle_data(self, data):
        if data.strip():
            self.texts.append(" ".join(data.split()))
        if self._open_a is not None:
            self.anchor_text[self._open_a] += data


def _target(url, page_path):
    """The site path ``url`` on ``page_path`` leads to; None when external or a same-page fragment."""
    if not url or url.startswith("#"):
        return None
    absolute = urljoin(ROOT + page_path, url)
    parts = urlsplit(absolute)
    if parts.scheme != "file":
        return None
    path = unquote(parts.path)
    if not path.startswith("/site/"):
        return "<outside the site>" + path
    return path[len("/site/"):]


def _leaves(value):
    """The plain values of a theme entry (a nested object's or list's values, recursively)."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _value_text(value):
    return value if isinstance(value, str) else json.dumps(value)


def _category(page):
    return page.get("category") or page["path"].split("/")[0]


def _file(path):
    """A manifest path as a file of site/ (a path written from the root is the same file)."""
    path = path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def _files_of(manifest):
    """The manifest with every path as a file of site/."""
    m = json.loads(json.dumps(manifest))
    m["theme"]["stylesheet"] = _file(m["theme"]["stylesheet"])
    for item in m["navigation"]:
        item["path"] = _file(item["path"])
    for page in m["pages"]:
        page["path"] = _file(page["path"])
        if page.get("related"):
            page["related"] = [_file(r) for r in page["related"]]
    return m


def check_site(manifest, files):
    manifest = _files_of(manifest)
    problems = []
    pages = manifest["pages"]
    theme = manifest["theme"]
    css_path = theme["stylesheet"]
    nav = manifest["navigation"]
    by_path = {p["path"]: p for p in pages}

    for p in pages:
        if p["path"] not in files:
            problems.append("missing page %s" % p["path"])
    if css_path not in files:
        problems.append("missing stylesheet %s" % css_path)
    else:
        css = files[css_path].decode("utf-8").lower()
        for key, value in theme.items():
            if key == "stylesheet":
                continue
            for leaf in _leaves(value):
                if str(leaf).lower() not in css:
                    problems.append("stylesheet lacks theme %s %s" % (key, leaf))

    products_of = {}
    for p in pages:
        if p.get("kind") == "product":
            products_of.setdefault(_category(p), []).append(p["path"])

    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        parser = _Page()
        parser.feed(data.decode("utf-8"))
        parser.close()
        for tag, attr, url, _, in parser.refs:
            t = _target(url, path)
            if t is not None and t not in files:
                problems.append("%s: broken link %s=%r (-> %s)" % (path, attr, url, t))
        if path not in by_path:
            continue
        page = by_path[path]
        if not any(_target(h, path) == css_path for h in parser.stylesheets):
            problems.append("%s: does not link the stylesheet" % path)
        nav_links = {}
        for i, (tag, attr, url, in_nav) in enumerate(parser.refs):
            if tag == "a" and in_nav:
                nav_links[_target(url, path)] = " ".join(parser.anchor_text.get(i, "").split())
        for item in nav:
            if item["path"] not in nav_links:
                problems.append("%s: navigation lacks %s" % (path, item["path"]))
            elif nav_links[item["path"]] != " ".join(item["title"].split()):
                problems.append("%s: navigation link %s reads %r" % (path, item["path"], nav_links[item["path"]]))
        body_links = {_target(url, path) for tag, attr, url, in_nav in parser.refs if tag == "a" and not in_nav}
        if page.get("kind") == "category":
            for product in products_of.get(_category(page), []):
                if product not in body_links:
                    problems.append("%s: category does not link %s" % (path, product))
        if page.get("kind") == "product":
            texts = set(parser.texts)
            for name, value in (page.get("specs") or {}).items():
                if name not in texts or _value_text(value) not in texts:
                    problems.append("%s: spec %s=%s not shown" % (path, name, _value_text(value)))
            for related in page.get("related") or []:
                if related not in body_links:
                    problems.append("%s: related %s not linked" % (path, related))
        if " ".join(page["title"].split()) not in parser.texts:
            problems.append("%s: title %r not shown" % (path, page["title"]))

    if "sitemap.xml" not in files:
        problems.append("missing sitemap.xml")
    else:
        root = ET.fromstring(files["sitemap.xml"])
        ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
        locs = [unquote(el.text.strip()) for el in root.iter(ns + "loc")]
        base = manifest["base_url"] if manifest["base_url"].endswith("/") else manifest["base_url"] + "/"
        want = [base + p["path"] for p in pages]
        if sorted(locs) != sorted(want):
            missing = sorted(set(want) - set(locs))
            extra = sorted(set(locs) - set(want))
            problems.append("sitemap: %d locs for %d pages; missing %s; extra %s" % (
                len(locs), len(want), missing[:3], extra[:3]))
    expected = {p["path"] for p in pages} | {css_path, "sitemap.xml"}
    for path in files:
        if path not in expected:
            problems.append("unexpected file %s" % path)
    return problems
