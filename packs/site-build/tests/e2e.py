"""For the end-to-end tests (tests/tests/workloads.rs): make a held-out-like manifest, and check an export.

    python3 e2e.py make DIR SEED      DIR/site_manifest.json: another size, theme, base URL, nested paths
    python3 e2e.py check INPUTS OUT   OUT/site/ against every rule of the data README, by the independent
                                      checker (html.parser, file:// link resolution); exit 1 on any problem
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import manifests  # noqa: E402
import oracle  # noqa: E402


def make(out, seed):
    os.makedirs(out, exist_ok=True)
    manifest = manifests.generate(seed=seed, categories=7, products=90, base_url="https://held.example.net/shop",
                                  nested=True, theme={"stylesheet": "assets/css/held.css", "primary": "#123456",
                                                      "accent": "#ABCDEF", "font": "Georgia, serif"})
    manifests.write(manifest, os.path.join(out, "site_manifest.json"))


def check(inputs, out):
    with open(os.path.join(inputs, "site_manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    site = os.path.join(out, "site")
    files = {}
    for root, _, names in os.walk(site):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, site).replace(os.sep, "/")] = f.read()
    problems = oracle.check_site(manifest, files)
    if problems:
        sys.exit("%d problems, e.g. %s" % (len(problems), problems[:5]))
    print("site-build: %d files, 0 problems" % len(files))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], sys.argv[3])
