"""build_navigation: the site's navigation, as an artifact of its own that every page step binds.

Input  `site_info`  (object.json, schema site.site_info): site name, home page, the validated navigation.
Output `navigation` (web.navigation, schema site.navigation): {"site", "home": path or null, "items": [{"title",
                    "path"}]} in the manifest's order. Paths are site-relative; each page turns them into
                    links relative to its own folder, so the site works from a web server and from disk.
"""
import writ


def main():
    info = writ.json("site_info")
    items = []
    for n, item in enumerate(info["navigation"]):
        items.append({"title": writ.json_at("site_info", "/navigation/%d/title" % n),
                      "path": writ.json_at("site_info", "/navigation/%d/path" % n)})
    writ.emit("navigation", {
        "site": writ.json_at("site_info", "/site"),
        "home": writ.json_at("site_info", "/home"),
        "items": items,
    }, kind="web.navigation")


main()
