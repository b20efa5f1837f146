"""validate_manifest: check the whole site manifest before any page is generated, and resolve every page's
cross-references into a self-contained page entry.

Input  `manifest`      (object.json, schema site.manifest): site, base_url, theme, navigation, pages.
Output `site_info`     (object.json, schema site.site_info): site name, base_url, home page, theme, navigation.
Output `page_manifest` (object.json, schema site.page_manifest): one entry per page with everything that page
                       needs and nothing else: its own fields, its specs in manifest order, its related
                       products and (for a category page) its products, each as {path, title}, and `entry`,
                       the JSON pointer of its manifest entry. A page step fanned out over `/pages` therefore
                       never needs another page's entry.

A manifest that cannot be built whole stops here with a non-zero exit and one line per problem naming the
pages (their index in `pages` and their path): a related product that is not a page of the manifest, two
pages with one path, a navigation entry without a page, a path that cannot be a file of the site, a missing
title, base URL or stylesheet, a theme value that cannot go into a stylesheet. Nothing is emitted then, so
nothing downstream runs and nothing is published half-built.
"""
import json as _json
import re
import sys

import writ
from writ.tracked import source

RESERVED = ("sitemap.xml",)
UNSAFE_CSS = re.compile(r"[;{}<>\\\n\r]|/\*|\*/")
URL = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


def path_problem(path):
    """Why ``path`` cannot be a file of a static site folder (None when it can)."""
    if not isinstance(path, str) or not path.strip():
        return "an empty path"
    if path != path.strip():
        return "a path with leading or trailing spaces"
    if path.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path):
        return "not a relative path"
    if "\\" in path or "?" in path or "#" in path:
        return "a path with '\\', '?' or '#'"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "a path with an empty, '.' or '..' segment"
    if path.endswith("/"):
        return "a folder, not a file"
    return None


def norm(path):
    """A site path as a file of the site folder: `/drills/x.html` and `./drills/x.html` are
    `drills/x.html`, a folder `/` or `drills/` is its `index.html`. Anything else is left for
    ``path_problem`` to judge."""
    if not isinstance(path, str) or not path.strip():
        return path
    while path.startswith("./"):
        path = path[2:]
    path = path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def normalize(manifest):
    """Every path of the manifest (pages, related products, navigation, stylesheet) as ``norm`` gives it,
    in place; how many changed."""
    changed = 0

    def fix(holder, key):
        nonlocal changed
        if isinstance(holder, dict) and isinstance(holder.get(key), str):
            new = norm(holder[key])
            changed += new != holder[key]
            holder[key] = new

    fix(manifest.get("theme"), "stylesheet")
    for item in manifest.get("navigation") or []:
        fix(item, "path")
    for page in manifest.get("pages") or []:
        fix(page, "path")
        if isinstance(page, dict) and isinstance(page.get("related"), list):
            for k, target in enumerate(page["related"]):
                if isinstance(target, str) and norm(target) != target:
                    page["related"][k] = norm(target)
                    changed += 1
    return changed


def theme_values(theme, prefix=""):
    """The theme's values other than the stylesheet path, nested objects flattened (`colors.primary`)."""
    out = []
    for key, value in theme.items():
        name = prefix + str(key)
        if name == "stylesheet":
            continue
        if isinstance(value, dict):
            out.extend(theme_values(value, name + "."))
        elif isinstance(value, list):
            out.extend(theme_values({str(i): v for i, v in enumerate(value)}, name + "."))
        else:
            out.append((name, value))
    return out


def spec_text(value):
    """A spec value as the page shows it: strings as they are, numbers and booleans as JSON writes them."""
    if isinstance(value, str):
        return value
    return _json.dumps(value, ensure_ascii=False)


def category_of(page):
    """The category a page belongs to or stands for: its `category`, else its path's first folder."""
    category = page.get("category")
    if isinstance(category, str) and category.strip():
        return category.strip()
    path = page.get("path")
    if isinstance(path, str) and "/" in path:
        return path.split("/", 1)[0]
    return None


def main():
    manifest = writ.json("manifest")
    manifest_file = ([f.name for f in writ.files("manifest") if f.name.lower().endswith(".json")]
                     or [f.name for f in writ.files("manifest")])[0]

    def at(pointer, value=None):
        """``value`` (by default the manifest's value at ``pointer``) citing that manifest value."""
        if value is None:
            value = manifest
            for raw in pointer.lstrip("/").split("/"):
                key = raw.replace("~1", "/").replace("~0", "~")
                value = value[int(key)] if isinstance(value, list) else value[key]
        return writ.Tracked(value, {source("manifest", manifest_file, "pointer", pointer)})
    problems = []

    def problem(where, message, code="L1315"):
        # Codes are the pack's (src/codes.rs): L1300 path conflict, L1301 related missing, L1304 navigation,
        # L1315 a field the site needs.
        problems.append("%s %s: %s" % (code, where, message))

    def entry(i):
        page = pages[i]
        path = page.get("path") if isinstance(page, dict) else None
        return "/pages/%d (%s)" % (i, path if isinstance(path, str) else "no path")

    if not isinstance(manifest, dict):
        writ.log("site manifest invalid: the manifest is not a JSON object; no page was generated")
        sys.exit(1)
    changed = normalize(manifest)
    if changed:
        writ.log("note: %d paths written as folders or from the root were read as files of the site folder" % changed)
    site = manifest.get("site")
    if not isinstance(site, str) or not site.strip():
        problem("/site", "the site has no name")
    base_url = manifest.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip() or any(c.isspace() for c in base_url.strip()):
        problem("/base_url", "the base URL %r is not a URL; sitemap.xml needs one" % (base_url,))
    elif not URL.match(base_url.strip()):
        writ.log("warning: the base URL %r is not an absolute http(s) URL; sitemap.xml lists it as given"
                 % (base_url,))
    theme = manifest.get("theme")
    stylesheet = None
    if not isinstance(theme, dict):
        problem("/theme", "the theme is missing")
        theme = {}
    else:
        stylesheet = theme.get("stylesheet")
        why = path_problem(stylesheet)
        if why:
            problem("/theme/stylesheet", "the stylesheet path %r is %s" % (stylesheet, why))
            stylesheet = None
        for key, value in theme_values(theme):
            if isinstance(value, bool) or value is None or UNSAFE_CSS.search(str(value)):
                problem("/theme/" + key.replace(".", "/"), "the theme value %r cannot go into a stylesheet"
                        % (value,))

    pages = manifest.get("pages")
    if not isinstance(pages, list) or not pages:
        problem("/pages", "the manifest has no pages")
        pages = []
    navigation = manifest.get("navigation")
    if not isinstance(navigation, list):
        problem("/navigation", "the navigation is missing")
        navigation = []

    by_path = {}
    for i, page in enumerate(pages):
        if not isinstance(page, dict):
            problem("/pages/%d" % i, "the page entry is not an object")
            continue
        path = page.get("path")
        why = path_problem(path)
        if why:
            problem(entry(i), "the page path %r is %s" % (path, why), "L1300")
            continue
        by_path.setdefault(path, []).append(i)
        if path in RESERVED:
            problem(entry(i), "the path %r is reserved for the site's %s" % (path, path), "L1300")
        if stylesheet and path == stylesheet:
            problem(entry(i), "the page path is the theme's stylesheet path", "L1300")
        title = page.get("title")
        if not isinstance(title, str) or not title.strip():
            problem(entry(i), "the page has no title")
        specs = page.get("specs", {})
        if specs is not None and not isinstance(specs, dict):
            problem(entry(i), "the page's specs are not an object of name -> value")
        elif specs:
            for name, value in specs.items():
                if isinstance(value, (dict, list)):
                    problem(entry(i), "the spec %r is not a single value" % (name,))
        related = page.get("related", [])
        if related is not None and (not isinstance(related, list) or not all(isinstance(r, str) for r in related)):
            problem(entry(i), "the page's related products are not a list of page paths", "L1301")
    for path, indexes in by_path.items():
        if len(indexes) > 1:
            problem(", ".join("/pages/%d" % i for i in indexes),
                    "%d pages share the path %r (titles: %s)" % (
                        len(indexes), path, ", ".join(repr(pages[i].get("title")) for i in indexes)), "L1300")
    for i, page in enumerate(pages):
        if not isinstance(page, dict) or path_problem(page.get("path")):
            continue
        for k, target in enumerate(page.get("related") or []):
            if not isinstance(target, str):
                continue
            if target not in by_path:
                problem(entry(i), "related product /pages/%d/related/%d %r is not a page of the manifest"
                        % (i, k, target), "L1301")
            elif pages[by_path[target][0]].get("kind") != "product":
                writ.log("warning: %s: related %r is a %s page, not a product"
                         % (entry(i), target, pages[by_path[target][0]].get("kind")))
    for n, item in enumerate(navigation):
        if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item.get("title").strip():
            problem("/navigation/%d" % n, "the navigation entry has no title", "L1304")
            continue
        if item.get("path") not in by_path:
            problem("/navigation/%d" % n, "the navigation entry %r links %r, which is not a page of the manifest"
                    % (item.get("title"), item.get("path")), "L1304")

    if problems:
        summary = "site manifest invalid: %d problem%s; no page was generated" % (
            len(problems), "" if len(problems) == 1 else "s")
        writ.log(summary)
        for line in problems:
            writ.log("  " + line)
        writ.log(summary)
        sys.exit(1)

    homes = [i for i, p in enumerate(pages) if p.get("kind") == "home"]
    home = pages[homes[0]]["path"] if homes else ("index.html" if "index.html" in by_path else None)
    if home is None:
        writ.log("warning: the manifest has no home page; the site name will not link one")

    # Category -> its category page and its products, in manifest order.
    category_page = {}
    products = {}
    for i, page in enumerate(pages):
        cat = category_of(page)
        if page.get("kind") == "category" and cat is not None:
            if cat in category_page:
                writ.log("warning: /pages/%d: category %r already has the page %r"
                         % (i, cat, pages[category_page[cat]]["path"]))
            else:
                category_page[cat] = i
        elif page.get("kind") == "product" and cat is not None:
            products.setdefault(cat, []).append(i)
    for cat, members in products.items():
        if cat not in category_page:
            writ.log("warning: category %r has %d products and no category page" % (cat, len(members)))

    def link(i):
        return {"path": at("/pages/%d/path" % i),
                "title": at("/pages/%d/title" % i)}

    out_pages = []
    for i, page in enumerate(pages):
        here = "/pages/%d" % i
        item = {
            "entry": here,
            "path": at(here + "/path"),
            "kind": str(page.get("kind") or "page"),
            "title": at(here + "/title"),
            "body": at(here + "/body") if isinstance(page.get("body"), str) else "",
        }
        cat = category_of(page)
        if cat is not None:
            item["category"] = cat
            if page.get("kind") != "category" and cat in category_page:
                item["category_page"] = link(category_page[cat])
        item["specs"] = [{"name": key, "value": at("%s/specs/%s" % (here, key.replace("~", "~0").replace("/", "~1")),
                                                  spec_text(value))}
                         for key, value in (page.get("specs") or {}).items()]
        item["related"] = [link(by_path[target][0]) for target in (page.get("related") or [])]
        item["products"] = [link(j) for j in products.get(cat, [])] if page.get("kind") == "category" else []
        # The entry as a whole cites its manifest entry (each value inside cites its own manifest value).
        out_pages.append(writ.row(item, at(here)))

    info = {
        "site": at("/site"),
        "base_url": at("/base_url"),
        "home": home,
        "theme": dict([("stylesheet", stylesheet)] + [(k, v if isinstance(v, str) else spec_text(v))
                                                       for k, v in theme_values(theme)]),
        "navigation": [{"title": at("/navigation/%d/title" % n),
                        "path": at("/navigation/%d/path" % n)}
                       for n in range(len(navigation))],
        "pages": len(pages),
    }
    writ.emit("site_info", info)
    writ.emit("page_manifest", {"site": at("/site"), "pages": out_pages})


main()
