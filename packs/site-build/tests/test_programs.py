"""The site-build reference programs, run in template order through the runtime's harness (pipeline.py),
checked by the independent oracle (oracle.py): on the shared 500-page manifest, on manifests generated here
(other sizes, themes, base URLs, nested paths, odd characters; sharded finely to show that a page depends only
on its own entry, the navigation and the asset manifest), and on bad manifests that must stop before any page
is generated. The per-page verdicts come from the pack's built-in evaluator through `writ tool serve`."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import manifests
import oracle
import pipeline
from pipeline import MANIFEST, REPO, Refuse, cleanup, cleanup_pipeline, run_pipeline, run_step

RUBRIC = "site.page_review"


class ToolServer:
    """`writ tool serve`: the platform tools and built-in evaluators of every pack, as the bridge runs them."""

    def __init__(self):
        self.proc = None
        binary = os.environ.get("WRIT_BIN", os.path.join(REPO, "target", "debug", "writ"))
        if not os.path.exists(binary):
            raise unittest.SkipTest("no writ binary at %s (cargo build -p writ-cli, or set WRIT_BIN)" % binary)
        self.command = binary + " tool serve"
        self.proc = subprocess.Popen([binary, "tool", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        probe = self.ask("evaluator.judge", {"rubric": RUBRIC, "evidence": []})
        if "no built-in evaluator" in json.dumps(probe):
            self.close()
            raise unittest.SkipTest("%s predates the site-build pack's evaluator; rebuild it" % binary)

    def ask(self, tool, args):
        self.proc.stdin.write(json.dumps({"tool": tool, "args": args}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def __call__(self, name, args):
        if name != "evaluator.judge":
            raise Refuse("tool.not_bound", "%s is not bound to this step" % name)
        answer = self.ask(name, args)
        if answer.get("ok"):
            return answer["result"]
        raise Refuse(answer["error"]["code"], answer["error"]["message"])

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
            self.proc.stdout.close()
            self.proc = None


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class SiteBuild(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tools = ToolServer()

    @classmethod
    def tearDownClass(cls):
        cls.tools.close()

    def build(self, manifest_path, shard_size=None):
        start = time.monotonic()
        result = run_pipeline(manifest_path, self.tools, shard_size=shard_size)
        self.addCleanup(cleanup_pipeline, result)
        result.seconds = time.monotonic() - start
        self.assertIsNone(result.failed, "%s failed:\n%s" % (result.failed, result.stderr[-3000:]))
        return result

    def assert_site(self, manifest, result):
        site = result.files("publish_site.site")
        self.assertEqual(oracle.check_site(manifest, site), [])
        self.assertEqual(len(site), len(manifest["pages"]) + 2)
        verdicts = pipeline.merge("table.csv", [result.artifacts["verify_pages.verdicts"][1]])
        rows = list(__import__("csv").DictReader(__import__("io").StringIO(verdicts[0][1].decode())))
        self.assertEqual([r["path"] for r in rows], sorted(oracle._file(p["path"]) for p in manifest["pages"]))
        self.assertEqual({(r["verdict"], r["judged_by"]) for r in rows}, {("pass", "builtin:" + RUBRIC)})
        calls = [c for c in result.calls if c["tool"] == "evaluator.judge"]
        self.assertEqual(len(calls), len(manifest["pages"]))
        return site

    def export_and_open_from_disk(self, site):
        """Write site/ to disk and follow every relative link as file:// would."""
        folder = tempfile.mkdtemp(prefix="site-export-")
        self.addCleanup(shutil.rmtree, folder, True)
        for path, data in site.items():
            target = os.path.join(folder, *path.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(data)
        exported = {}
        for root, _, names in os.walk(folder):
            for name in names:
                full = os.path.join(root, name)
                with open(full, "rb") as f:
                    exported[os.path.relpath(full, folder).replace(os.sep, "/")] = f.read()
        return exported

    def test_shared_manifest_500_pages(self):
        result = self.build(MANIFEST)
        manifest = load(MANIFEST)
        site = self.assert_site(manifest, result)
        self.assertEqual(len(manifest["pages"]), 500)
        self.assertEqual(oracle.check_site(manifest, self.export_and_open_from_disk(site)), [])
        # Every page cites its page entry, whose values cite the manifest entry they came from.
        prov = [run.provenance("site") for step, run in result.runs if step == "publish_site"][0]
        page_prov = [run.provenance("page_manifest") for step, run in result.runs if step == "validate_manifest"][0]
        for i, page in enumerate(manifest["pages"]):
            sources = prov["values"]["/" + page["path"].replace("~", "~0").replace("/", "~1")]
            self.assertIn({"input": "page_manifest", "file": "page_manifest.json", "pointer": "/pages/%d" % i},
                          sources)
            self.assertIn({"input": "manifest", "file": "site_manifest.json", "pointer": "/pages/%d" % i},
                          page_prov["values"]["/pages/%d" % i])
            self.assertEqual(page_prov["values"]["/pages/%d/path" % i],
                             [{"input": "manifest", "file": "site_manifest.json", "pointer": "/pages/%d/path" % i}])
        # Every JSON output conforms to its schema (read by the platform's own reader, `writ schema parse`).
        schemas = os.path.join(pipeline.PACK, "schemas")
        checks = [("site.manifest", "run.site_manifest"), ("site.site_info", "validate_manifest.site_info"),
                  ("site.page_manifest", "validate_manifest.page_manifest"),
                  ("site.navigation", "build_navigation.navigation"),
                  ("site.asset_manifest", "build_theme.asset_manifest")]
        rows = list(__import__("csv").DictReader(__import__("io").StringIO(
            result.artifacts["verify_pages.verdicts"][1][0][1].decode())))
        for schema, ref in checks + [("site.verdicts", None)]:
            data = json.dumps(rows[0]).encode() if ref is None else result.artifacts[ref][1][0][1]
            parsed = subprocess.run([self.tools.command.split(" ")[0], "schema", "parse",
                                     os.path.join(schemas, schema + ".schema.json"), "-"],
                                    input=data, capture_output=True)
            self.assertEqual(parsed.returncode, 0, "%s: %s" % (schema, parsed.stdout[-2000:]))
        print("\n  shared manifest: %d pages in %.1fs (%d steps/shards)" % (
            len(manifest["pages"]), result.seconds, len(result.runs)))

    def test_generated_manifests(self):
        cases = [
            ("small flat, base without slash", dict(seed=2, categories=3, products=12,
                                                    base_url="https://small.example.net")),
            ("nested paths, odd characters", dict(seed=3, categories=6, products=60, nested=True, odd=True,
                                                  base_url="http://localhost:8080/a/b/")),
            ("root-relative paths, extras", dict(seed=7, categories=4, products=25, rooted=True, extras=True,
                                                 base_url="https://example.com/shop")),
            ("nested theme, bare base URL", dict(seed=10, categories=2, products=9, base_url="catalog.example.com/x/",
                                                 theme={"stylesheet": "css/x.css",
                                                        "colors": {"primary": "#123456", "accent": "#654321",
                                                                   "text": "#222"},
                                                        "fonts": {"body": "Georgia, serif"}, "radius": 4})),
            ("other theme keys", dict(seed=4, categories=12, products=150, theme={
                "stylesheet": "theme.css", "primary_color": "#0A0A0A", "secondary": "rgb(1, 2, 3)",
                "background": "#fafafa", "font_family": "'Fira Sans', Arial"})),
        ]
        tmp = tempfile.mkdtemp(prefix="site-manifests-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for label, kwargs in cases:
            with self.subTest(label):
                manifest = manifests.generate(**kwargs)
                path = manifests.write(manifest, os.path.join(tmp, "m%d.json" % kwargs["seed"]))
                result = self.build(path, shard_size=7)
                site = self.assert_site(manifest, result)
                self.assertEqual(oracle.check_site(manifest, self.export_and_open_from_disk(site)), [])

    def test_a_page_depends_only_on_its_entry_navigation_and_assets(self):
        manifest = manifests.generate(seed=5, categories=4, products=30, nested=True, odd=True)
        path = manifests.write(manifest, os.path.join(tempfile.mkdtemp(prefix="site-shards-"), "m.json"))
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        whole = self.build(path, shard_size=1000).files("publish_site.site")
        one_by_one = self.build(path, shard_size=1).files("publish_site.site")
        self.assertEqual(whole, one_by_one)

    def test_bad_manifests_stop_before_any_page(self):
        base = manifests.generate(seed=6, categories=3, products=10)
        cases = []
        m = json.loads(json.dumps(base))
        m["pages"][7]["related"].append("cat-0-widgets/no-such-widget.html")
        cases.append(("related missing", m, ["L1301 /pages/7 (%s)" % m["pages"][7]["path"], "no-such-widget.html",
                                             "not a page of the manifest"]))
        m = json.loads(json.dumps(base))
        m["pages"][9]["path"] = m["pages"][5]["path"]
        cases.append(("duplicate path", m, ["L1300 /pages/5, /pages/9", "share the path %r" % m["pages"][5]["path"]]))
        m = json.loads(json.dumps(base))
        m["pages"][4]["related"] = ["nowhere.html"]
        m["pages"].append(dict(m["pages"][2]))
        cases.append(("both", m, ["/pages/4", "nowhere.html", "/pages/2, /pages/%d" % (len(m["pages"]) - 1)]))
        m = json.loads(json.dumps(base))
        m["navigation"].append({"title": "Ghost", "path": "ghost/index.html"})
        cases.append(("navigation to no page", m, ["L1304 /navigation/3", "ghost/index.html"]))
        m = json.loads(json.dumps(base))
        del m["base_url"]
        m["pages"][3]["path"] = "a/../../escape.html"
        m["pages"][4]["title"] = " "
        cases.append(("base URL, path, title", m, ["L1315 /base_url", "L1300 /pages/3 (a/../../escape.html)",
                                                   "L1315 /pages/4", "L1304 /navigation/2", "4 problems"]))
        tmp = tempfile.mkdtemp(prefix="site-bad-")
        self.addCleanup(shutil.rmtree, tmp, True)
        for label, manifest, expected in cases:
            with self.subTest(label):
                result = run_pipeline(manifests.write(manifest, os.path.join(tmp, "bad.json")), self.tools)
                self.addCleanup(cleanup_pipeline, result)
                self.assertEqual(result.failed, "validate_manifest")
                self.assertEqual([step for step, _ in result.runs], ["validate_manifest"])
                self.assertEqual(sorted(result.artifacts), ["run.site_manifest"])
                self.assertIn("no page was generated", result.stderr)
                for text in expected:
                    self.assertIn(text, result.stderr)

    def test_the_evaluator_fails_broken_pages_and_nothing_is_assembled(self):
        manifest = manifests.generate(seed=8, categories=3, products=12)
        path = manifests.write(manifest, os.path.join(tempfile.mkdtemp(prefix="site-defects-"), "m.json"))
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        result = self.build(path)
        arts = result.artifacts
        product = next(p for p in manifest["pages"] if p["kind"] == "product" and p["related"])
        category = next(p for p in manifest["pages"] if p["kind"] == "category")
        pages = dict(arts["render_pages.pages"][1])
        html = pages[product["path"]].decode()
        first_nav = manifest["navigation"][0]
        defects = {
            "specs_present": (product["path"], html.replace("<th scope=\"row\">sku</th>", "<th>SKU</th>")),
            "related_linked": (product["path"], html.replace(product["related"][0].rsplit("/", 1)[1], "x.html")),
            "navigation_complete": (product["path"], html.replace(">%s</a>" % first_nav["title"], ">Elsewhere</a>")),
            "stylesheet_linked": (product["path"], html.replace('rel="stylesheet"', 'rel="preload"')),
            "links_resolve": (category["path"], pages[category["path"]].decode().replace("</main>",
                                                                                     '<a href="gone.html">x</a></main>')),
        }
        for criterion, (page_path, broken) in defects.items():
            with self.subTest(criterion):
                self.assertNotEqual(broken, pages[page_path].decode(), criterion)
                tampered = [(n, broken.encode() if n == page_path else d) for n, d in arts["render_pages.pages"][1]]
                inputs = {"pages": ("web.bundle.static", tampered),
                          "page_manifest": arts["validate_manifest.page_manifest"],
                          "navigation": arts["build_navigation.navigation"],
                          "asset_manifest": arts["build_theme.asset_manifest"]}
                run = run_step(os.path.join(pipeline.PROGRAMS, "verify_pages.py"), inputs, self.tools)
                self.addCleanup(cleanup, run)
                self.assertEqual(run.returncode, 0, run.stderr)
                failing = [r for r in run.rows("verdicts") if r["verdict"] != "pass"]
                self.assertEqual([(r["path"], criterion in r["failed"].split(";")) for r in failing],
                                 [(page_path, True)], failing)
                assemble = run_step(os.path.join(pipeline.PROGRAMS, "assemble_site.py"), {
                    "pages": ("web.bundle.static", tampered), "theme_assets": arts["build_theme.theme_assets"],
                    "site_info": arts["validate_manifest.site_info"],
                    "page_manifest": arts["validate_manifest.page_manifest"], "verdicts": run.artifact("verdicts")})
                self.addCleanup(cleanup, assemble)
                self.assertNotEqual(assemble.returncode, 0)
                self.assertIn(page_path, assemble.stderr)
                self.assertIsNone(assemble.emitted)

    def test_publish_refuses_a_draft_that_is_not_whole(self):
        manifest = manifests.generate(seed=9, categories=2, products=5)
        path = manifests.write(manifest, os.path.join(tempfile.mkdtemp(prefix="site-draft-"), "m.json"))
        self.addCleanup(shutil.rmtree, os.path.dirname(path), True)
        arts = self.build(path).artifacts
        gone = manifest["pages"][3]["path"]
        draft = [(n, d) for n, d in arts["assemble_site.site_draft"][1] if n != gone]
        run = run_step(os.path.join(pipeline.PROGRAMS, "publish_site.py"), {
            "site_draft": ("web.bundle.static", draft), "site_info": arts["validate_manifest.site_info"],
            "page_manifest": arts["validate_manifest.page_manifest"]})
        self.addCleanup(cleanup, run)
        self.assertNotEqual(run.returncode, 0)
        self.assertIn(gone, run.stderr)
        self.assertIsNone(run.emitted)


if __name__ == "__main__":
    unittest.main()
