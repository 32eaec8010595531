"""Dev split of the Dutch ESCO job-title queries, by occupation, and its evaluation.

    python -m benchmarks.titles_dev --out build/titles_dev            # write the files
    python -m models.train_titles --exclude-uris build/titles_dev/train_exclude.txt \\
        --out build/titles_dev/model                                   # train on the train part
    python -m benchmarks.titles_dev --out build/titles_dev --run --model build/titles_dev/model

The occupations of ``dev_title_queries.csv`` are split 60/20/20 (seed 0) into train / tune /
test **by uri**, so no test occupation's alternative labels are seen in training or tuning.
For each of tune and test two corpora are written (``corpus_<part>_<variant>.csv``) with all
3,039 occupations, each with its preferred label and description:

``pref``
    no alternative labels at all: the evaluated occupations look like the outside check's
    held-out ones, and so does everything else;
``alts``
    plus the alternative labels of the dev occupations that are not evaluated (the other
    occupations' alt labels are distractors and extra surface forms).

``--run`` evaluates each test corpus with ``python -m benchmarks.titles`` (the outside
contract, same-run plain char TF-IDF baseline) and prints a markdown table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks._refdata import esco_dir
from doorstroom_match.text.corpus import (
    load_esco_corpus,
    read_esco_occupations,
    read_queries_csv,
    split_by_occupation,
    write_corpus_csv,
    write_queries_csv,
)

FRACTIONS = (0.6, 0.2, 0.2)
VARIANTS = ("pref", "alts")


def write_split(out: Path, data: Path | None = None, seed: int = 0) -> dict[str, int]:
    data = data or esco_dir()
    out.mkdir(parents=True, exist_ok=True)
    occs = read_esco_occupations(data / "occupations.csv")
    queries, gold = read_queries_csv(data / "dev_title_queries.csv")
    train, tune, test = split_by_occupation(gold, FRACTIONS, seed=seed)
    (out / "train_exclude.txt").write_text("\n".join(sorted(tune | test)) + "\n")
    counts = {
        "train_occupations": len(train),
        "tune_occupations": len(tune),
        "test_occupations": len(test),
    }
    for part, uris in (("tune", tune), ("test", test)):
        qs = [(q, g) for q, g in zip(queries, gold, strict=True) if g in uris]
        write_queries_csv([q for q, _ in qs], [g for _, g in qs], out / f"queries_{part}.csv")
        counts[f"{part}_queries"] = len(qs)
        write_corpus_csv(load_esco_corpus(occs, alt_labels=False), out / f"corpus_{part}_pref.csv")
        # alt labels of dev occupations that are not evaluated (train + the other part)
        write_corpus_csv(
            load_esco_corpus(occs, exclude_alt_labels_of=uris), out / f"corpus_{part}_alts.csv"
        )
    (out / "split.json").write_text(json.dumps(counts, indent=2))
    return counts


def run(out: Path, model: str, part: str = "test") -> dict:
    results = {}
    for variant in VARIANTS:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.titles",
            "--corpus",
            str(out / f"corpus_{part}_{variant}.csv"),
            "--queries",
            str(out / f"queries_{part}.csv"),
            "--model",
            model,
            "--reranker",
            "none",  # the committed re-ranker saw every dev occupation's labels out of fold
            "--baseline",
            "--json",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[variant] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_dev",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="build/titles_dev")
    p.add_argument("--data", default=None, help="folder with the ESCO files")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run", action="store_true", help="evaluate the test part")
    p.add_argument("--part", default="test", choices=("tune", "test"))
    p.add_argument("--model", default="auto", help="model for --run (train-part model!)")
    args = p.parse_args(argv)
    out = Path(args.out)
    counts = write_split(out, Path(args.data) if args.data else None, args.seed)
    print(json.dumps(counts))
    if args.run:
        res = run(out, args.model, args.part)
        print("| corpus | method | acc@1 | acc@10 | mrr@10 | queries/s |")
        print("|---|---|---|---|---|---|")
        for variant, r in res.items():
            b = r["baseline_char_tfidf"]
            print(
                f"| {variant} | TitleNormalizer ({r['model']}) | {r['acc@1']:.3f} | "
                f"{r['acc@10']:.3f} | {r['mrr@10']:.3f} | {r['queries_per_s']:.0f} |"
            )
            print(
                f"| {variant} | plain char TF-IDF | {b['acc@1']:.3f} | {b['acc@10']:.3f} | "
                f"{b['mrr@10']:.3f} | {b['queries_per_s']:.0f} |"
            )
        print(json.dumps({"part": args.part, "model": args.model, **counts, "results": res}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
