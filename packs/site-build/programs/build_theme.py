"""build_theme: the site's stylesheet, from the manifest's theme, as an artifact of its own.

Input  `site_info`      (object.json, schema site.site_info): the validated theme (stylesheet path, colours, font).
Output `theme_assets`   (web.bundle.static): one file, the stylesheet at the theme's `stylesheet` path.
Output `asset_manifest` (web.asset_manifest, schema site.asset_manifest): that file with its media type, role,
                        size and hash, and the theme values it carries. Page steps bind this manifest (not the
                        stylesheet itself): it tells them where the stylesheet is.

Every theme value (other than the path) becomes a CSS custom property `--<key>` with its value as written in
the manifest, so every colour of the theme is in the stylesheet verbatim. The rules use the well-known keys
when the theme has them (primary, accent, font, and background/text if given) and fall back otherwise.
"""
import hashlib
import re

import writ

# What each well-known theme key styles; a theme may carry others (they become custom properties only).
RULES = """
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; font-family: var(--font, var(--font-family, system-ui, sans-serif)); color: var(--text, #1d1d1f);
       background: var(--background, #ffffff); line-height: 1.5; }
a { color: var(--primary, #0b57d0); }
a:hover, a:focus { color: var(--accent, #b3261e); }
.site-header { background: var(--primary, #0b57d0); color: #ffffff; padding: 0.75rem 1.5rem; }
.site-header .brand { color: #ffffff; font-weight: 700; font-size: 1.25rem; text-decoration: none; }
.site-nav ul { list-style: none; margin: 0.5rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }
.site-nav a { color: #ffffff; text-decoration: none; border-bottom: 2px solid transparent; }
.site-nav a:hover, .site-nav a[aria-current="page"] { border-bottom-color: var(--accent, #b3261e); }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
h1 { color: var(--primary, #0b57d0); border-bottom: 3px solid var(--accent, #b3261e); padding-bottom: 0.25rem; }
.breadcrumb { font-size: 0.9rem; }
.products { columns: 2 16rem; }
.specs { border-collapse: collapse; margin: 1rem 0; }
.specs th, .specs td { border: 1px solid #d0d0d0; padding: 0.35rem 0.75rem; text-align: left; }
.specs th { background: #f4f4f4; font-weight: 600; }
.related h2 { color: var(--accent, #b3261e); font-size: 1.1rem; }
.site-footer { border-top: 4px solid var(--accent, #b3261e); padding: 1rem 1.5rem; font-size: 0.85rem; }
"""


def ident(key):
    """A theme key as a CSS custom property name: `primary_color` -> `primary-color`, `colors.bg` ->
    `colors-bg`; anything but letters, digits, `-` and `_` becomes `-`."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", key.replace("_", "-")).strip("-")
    return name or "theme"


ROLES = [("primary", ("primary", "brand", "main")), ("accent", ("accent", "secondary", "highlight")),
         ("font", ("font",)), ("background", ("background", "bg")), ("text", ("text", "foreground", "fg"))]


def main():
    info = writ.json("site_info")
    theme = info["theme"]
    path = theme["stylesheet"]
    cite = writ.json_at("site_info", "/theme")
    values = {key: value for key, value in theme.items() if key != "stylesheet"}
    props = ["  --%s: %s;" % (ident(key), value) for key, value in values.items()]
    # A theme that names its colours otherwise (primary_color, brand, secondary, bg...) still styles the
    # site: each role the rules use takes the first theme key that names it.
    for role, words in ROLES:
        if role in values:
            continue
        key = next((k for k in values if any(w in k.lower() for w in words)), None)
        if key is not None:
            props.append("  --%s: var(--%s);" % (role, ident(key)))
    css = "/* %s: theme stylesheet, generated from the site manifest's theme. */\n:root {\n%s\n}\n%s" % (
        info["site"].replace("*/", "* /"), "\n".join(props), RULES.lstrip("\n"))
    bundle = writ.Directory()
    bundle.add(path, css, cite)
    data = css.encode("utf-8")
    writ.emit("theme_assets", bundle)
    writ.emit("asset_manifest", {
        "files": [{
            "path": writ.Tracked(path, cite),
            "media_type": "text/css",
            "role": "stylesheet",
            "bytes": len(data),
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        }],
        "theme": {key: writ.Tracked(value, cite) for key, value in theme.items() if key != "stylesheet"},
    }, kind="web.asset_manifest")


main()
