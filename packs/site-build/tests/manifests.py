"""Site manifests generated at test time: other sizes, themes, base URLs and nested paths than the shared
one, and bad ones (a related product that is no page, two pages with one path)."""
import json
import random

WORDS = ["Compact", "Heavy-Duty", "Precision", "Cordless", "Brushless", "Pro", "Lite", "Titan", "Nova", "Ember"]


def generate(seed=1, categories=5, products=40, base_url="https://shop.example.org/catalog/", nested=False,
             theme=None, odd=False, rooted=False, extras=False):
    """A valid manifest of 1 + ``categories`` + ``products`` pages (``nested``: one more page deep down;
    ``extras``: a category without products, a product whose category has no page, an "about" page;
    ``rooted``: every path written from the root, `/drills/x.html`)."""
    rng = random.Random(seed)
    names = ["Widgets", "Gadgets", "Sprockets", "Gizmos", "Doohickeys", "Thingamajigs", "Whatsits", "Contraptions",
             "Apparatus", "Devices", "Implements", "Utensils"]
    if odd:
        names[0] = "Nuts & Bolts <M8>"
        names[1] = 'Caf\u00e9 "Tools"'
    cats = []
    for c in range(categories):
        slug = "cat-%d-%s" % (c, names[c % len(names)].lower().split()[0].strip('"<>&'))
        folder = ("shop/dept-%d/%s" % (c % 2, slug)) if nested else slug
        cats.append({"slug": slug, "title": names[c % len(names)] + ("" if c < len(names) else " %d" % c),
                     "path": folder + "/index.html"})
    pages = [{"path": "index.html", "kind": "home", "title": "Test Site %d" % seed,
              "body": "Welcome & enjoy <everything>." if odd else "Welcome."}]
    for c in cats:
        pages.append({"path": c["path"], "kind": "category", "title": c["title"], "category": c["slug"],
                      "body": "All %s." % c["title"]})
    prods = []
    for k in range(products):
        c = cats[rng.randrange(len(cats))]
        title = "%s %s %d" % (rng.choice(WORDS), c["title"].split()[0], k)
        folder = c["path"].rsplit("/", 1)[0]
        name = "%s-%d.html" % (title.lower().replace(" ", "-").replace("&", "and").replace('"', ""), k)
        if odd and k % 7 == 3:
            name = "item %d (special).html" % k
        specs = {"sku": "T-%05d" % k, "weight_kg": round(rng.uniform(0.1, 9.9), 2), "stock": rng.randrange(0, 500)}
        if k % 3 == 0:
            specs["colour"] = rng.choice(["red", "blue", "green & gold" if odd else "black"])
        if k % 4 == 0:
            specs["price_eur"] = round(rng.uniform(1, 999), 2)
        prods.append({"path": folder + "/" + name, "kind": "product", "title": title, "category": c["slug"],
                      "specs": specs, "body": "The %s." % title, "related": []})
    for p in prods:
        others = [q["path"] for q in prods if q is not p]
        p["related"] = rng.sample(others, min(len(others), rng.randrange(0, 4)))
    pages.extend(prods)
    if nested:
        pages.append({"path": "about/company/history/index.html", "kind": "page", "title": "Our history",
                      "body": "Since 1901."})
    navigation = [{"title": c["title"], "path": c["path"]} for c in cats]
    if nested:
        navigation.append({"title": "History", "path": "about/company/history/index.html"})
    if extras:
        pages.append({"path": "empty/index.html", "kind": "category", "title": "Coming soon", "category": "empty",
                      "body": "Nothing yet."})
        pages.append({"path": "misc/thing.html", "kind": "product", "title": "Loose thing", "category": "misc",
                      "specs": {"sku": "L-1", "flag": True, "note": None}, "related": [prods[0]["path"]]})
        pages.append({"path": "about.html", "kind": "about", "title": "About us", "body": "Who we are."})
        navigation.append({"title": "About", "path": "about.html"})
    manifest = {
        "site": "Test Site %d" % seed,
        "base_url": base_url,
        "theme": theme or {"stylesheet": "static/css/site.css", "primary": "#112233", "accent": "#AbCdEf",
                           "font": "Georgia, serif"},
        "navigation": navigation,
        "pages": pages,
    }
    if rooted:
        manifest["theme"]["stylesheet"] = "/" + manifest["theme"]["stylesheet"]
        for item in navigation:
            item["path"] = "/" + item["path"]
        for page in pages:
            page["path"] = "/" + page["path"]
            page["related"] = ["/" + r for r in page.get("related", [])] if "related" in page else None
            if page["related"] is None:
                del page["related"]
    return manifest


def write(manifest, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    return path
