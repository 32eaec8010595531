"""Learn the job-title word substitutions (``models/title-substitutions.json``).

    python -m models.train_title_substitutions --out models/title-substitutions.json

Method (:meth:`doorstroom_match.text.synonyms.TitleSubstitutions.learn`): for every occupation
of the Dutch ESCO catalogue that carries alternative labels (the dev occupations), every
ordered pair of its labels (preferred and alternative, normalised) with the same number of
words that differ in exactly one word counts one substitution of that word by the other.
Substitutions seen at least ``--min-count`` times are kept, ``--per-word`` per word, most
frequent first. Takes a second. ``--exclude-uris FILE`` leaves out the labels of the
occupations in FILE (cross-validation by occupation does so per fold).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection
from pathlib import Path

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "doorstroom_match"
    / "data"
    / "models"
    / "title-substitutions.json"
)


def learn_from_catalogue(occupations, exclude: Collection[str] = (), **kwargs):
    """Substitutions from the labels of the occupations (with alternative labels) not excluded."""
    from doorstroom_match.text.synonyms import TitleSubstitutions

    groups = [
        [o.preferred_label, *o.alt_labels]
        for o in occupations
        if o.alt_labels and o.uri not in exclude
    ]
    return TitleSubstitutions.learn(groups, **kwargs)


def build(args) -> dict:
    from benchmarks._refdata import esco_dir
    from doorstroom_match.text.corpus import read_esco_occupations

    data = Path(args.data) if args.data else esco_dir()
    occs = read_esco_occupations(data / "occupations.csv")
    excluded: set[str] = set()
    if args.exclude_uris:
        excluded = {line.strip() for line in open(args.exclude_uris) if line.strip()}
    subs = learn_from_catalogue(occs, excluded, min_count=args.min_count, per_word=args.per_word)
    subs.info["excluded_occupations"] = len(excluded)
    subs.info["words"] = len(subs)
    subs.save(args.out)
    print(json.dumps(subs.info))
    return subs.info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m models.train_title_substitutions", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output .json (default models/)")
    p.add_argument("--data", default=None, help="folder with the ESCO files")
    p.add_argument("--exclude-uris", default=None, help="file of occupation uris to leave out")
    p.add_argument("--min-count", type=int, default=1)
    p.add_argument("--per-word", type=int, default=4)
    build(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
