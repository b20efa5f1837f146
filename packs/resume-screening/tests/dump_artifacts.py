"""Run the pipeline on the shared workload and write every artifact as the checks see it (tables as JSON rows,
the cards by file name, the report as a string) to the JSON file named by argv[1]; then
`RESUME_ARTIFACTS=<file> cargo test -p writ-pack-resume-screening --test checks` runs every check on them."""
import csv
import io
import json
import sys

from pipeline import FOLDER, Tools, run_pipeline


class Keep:
    def addCleanup(self, *a):
        pass

    def assertEqual(self, a, b, msg=None):
        assert a == b, msg


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def main(path, folder=FOLDER):
    tools = Tools()
    runs = run_pipeline(folder, tools, Keep())
    tools.close()
    out = {
        "rules": runs["rules"].json("rules"),
        "screened": rows(runs["screened"][1][0][1].decode()),
        "candidates": rows(runs["merge"].text("candidates")),
        "ranking": rows(runs["merge"].text("ranking")),
        "cards": {name: data.decode() for name, data in runs["cards"][1]},  # a bundle as the ladder reads it
        "report": runs["report"].text("report"),
        "batch_ranking": rows(runs["shards"][0].text("batch_ranking")),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], *sys.argv[2:])
