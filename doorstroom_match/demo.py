"""``make demo``: the weekly batch on the bundled sample, then next week's increment.

Runs ``python -m doorstroom_match.demo [--sample DIR] [--out DIR]`` (defaults
``datasets/sample`` and ``./demo_out``): week 1 on ``workers.jsonl``, ``feed.jsonl`` and
``places.jsonl``; prints three workers' best three suggestions with their gaps in words and where
the bulletin is; then week 2 on ``feed_week2.jsonl`` with what is new this week. Outside the
repository (no ``datasets/sample`` and no ``--sample``) the same sample is generated first into
``demo_out/sample`` from the reference data shipped in the package (``doorstroom-match sample``
with the bundled sample's arguments). Nothing is downloaded. The state file
``demo_out/state.sqlite`` is started afresh each time, so the demo always shows the same two
weeks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .competences import LEVEL_LABELS, default_dictionary

__all__ = ["main"]

#: Run dates of the sample's two weeks (the sample generator's reference Monday and the next).
WEEK1 = dt.date(2026, 11, 2)
WEEK2 = dt.date(2026, 11, 9)
_KIND_NL = {"vacancy": "vacature", "tbs": "TBS", "bvs": "BVS", "enclave": "enclave"}


def _gap_words(gap: dict) -> str:
    label = default_dictionary().label(gap["competence"])
    need = LEVEL_LABELS[gap["required"]]
    if gap["actual"] is None:
        return f"{label}: {need} gevraagd, nog niet gemeten"
    return f"{label}: {need} gevraagd, nu {LEVEL_LABELS[gap['actual']]}"


def _rows(path: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.setdefault(rec["worker_id"], []).append(rec)
    return out


def _show(
    rows: dict[str, list[dict]], worker_ids: Sequence[str], n: int, *, only_new: bool
) -> None:
    for wid in worker_ids:
        ms = [r for r in rows.get(wid, []) if r["new"] or not only_new][:n]
        print(f"\n  worker {wid}:")
        if not ms:
            print("    (nothing new this week)" if only_new else "    (no suggestions)")
        for r in ms:
            km = "" if r.get("commute_km") is None else f", {r['commute_km']:.0f} km"
            if not r.get("within_commute", True):
                km += " - verder dan de pendelafstand"
            new = "  [nieuw deze week]" if r["new"] and only_new else ""
            print(
                f"    {r['rank']:>2}. {r['title']} ({_KIND_NL.get(r['kind'], r['kind'])}{km}) "
                f"score {r['score']:.2f}{new}"
            )
            if not r["gaps"]:
                print("        voldoet aan alle minimumniveaus")
            for g in r["gaps"][:4]:
                print(f"        - {_gap_words(g)}")
            if len(r["gaps"]) > 4:
                print(f"        - en nog {len(r['gaps']) - 4} andere")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit status."""
    from .batch import run_batch

    p = argparse.ArgumentParser(prog="python -m doorstroom_match.demo", description=__doc__)
    p.add_argument("--sample", type=Path, default=None, help="default datasets/sample")
    p.add_argument("--out", type=Path, default=Path("demo_out"))
    args = p.parse_args(argv)
    sample, out = args.sample, args.out
    if sample is None:
        sample = Path("datasets/sample")
        if not sample.is_dir():
            from .synthetic import write_sample

            sample = out / "sample"
            print(f"== no datasets/sample here: generating the sample into {sample}")
            write_sample(sample, 60, 600, 40, 7, week=2)
    needed = ["workers.jsonl", "feed.jsonl", "places.jsonl", "feed_week2.jsonl"]
    missing = [n for n in needed if not (sample / n).is_file()]
    if missing:
        print(
            f"demo: the sample folder {str(sample)!r} lacks {', '.join(missing)} "
            "(write one with: doorstroom-match sample --week 2 --out DIR)",
            file=sys.stderr,
        )
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (out / f"state.sqlite{suffix}").unlink(missing_ok=True)
    progress = sys.stderr.isatty()

    print(f"== week 1 ({WEEK1}): {sample}/workers.jsonl x feed.jsonl + places.jsonl")
    r1 = run_batch(
        sample / "workers.jsonl",
        sample / "feed.jsonl",
        out,
        places=sample / "places.jsonl",
        run_date=WEEK1,
        progress=progress,
    )
    print(r1.summary())
    rows = _rows(r1.matches_path)
    shown = sorted(rows)[:3]
    print("\nBest three suggestions for three workers, with the gaps that remain:")
    _show(rows, shown, 3, only_new=False)
    if r1.bulletin:
        print(
            f"\nThe vacancy bulletin: open {r1.bulletin[0].resolve()} in a browser "
            f"({len(r1.bulletin) - 1} coach pages next to it)."
        )

    print(f"\n== week 2 ({WEEK2}): feed_week2.jsonl, the same store")
    r2 = run_batch(
        sample / "workers.jsonl",
        sample / "feed_week2.jsonl",
        out,
        places=sample / "places.jsonl",
        run_date=WEEK2,
        progress=progress,
    )
    print(r2.summary())
    rows2 = _rows(r2.matches_path)
    n_new_rows = sum(r["new"] for rs in rows2.values() for r in rs)
    print(
        f"\n{r2.n_new} vacancies are new this week and {r2.n_encoded} texts were encoded "
        f"(the rest came from last week's cache); {n_new_rows} suggestions are new."
    )
    fresh = sorted(rows2, key=lambda w: (-sum(r["new"] for r in rows2[w]), w))[:3]
    print("New this week, for the three workers with the most new suggestions:")
    _show(rows2, fresh, 3, only_new=True)
    if r2.bulletin:
        print(f"\nUpdated bulletin: {r2.bulletin[0].resolve()}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
