"""How job targets are read, with and without the prior against ISCO 1-2 guesses.

    python -m benchmarks.target_prior [--penalties 0,0.1,0.2,0.3] [--manager-penalties 0,0.2]
                                      [--workers 5000] [--json]

The ranking reads a worker's job target with :meth:`OccupationModel.guess_targets`: the shares
of manager and professional occupations (ISCO 1-2) among its guesses are scaled as if they
scored ``target_high_skill_penalty`` lower, and a manager's (ISCO 1) as if it scored
``target_manager_penalty`` lower still when the target names no managerial role, not lower at
all when it names one. Every pair of the two lists is measured (keys ``"penalty,manager"``).
A target read as ISCO 1-2 opens manager and professional vacancies to the worker (the
ranking's high-skill rule), so a misread costs a coach's trust; a real professional target
read lower loses those vacancies. Both sides:

* **unseen ESCO labels**: the 9,618 dev alternative labels (``esco_nl/dev_title_queries.csv``
  of the team's reference data, :mod:`benchmarks._refdata`) as job targets, every one of
  them removed from the catalogue the model is fitted on (as in ``benchmarks.flow``), scored
  by the ISCO major group of their true occupation: acc@1 (the right occupation first), the
  share with the right major group, and the share read as ISCO 1-2;
* **coach-typed targets** of the synthetic generator (its vocabulary of SEC job words,
  female forms, typos, vague targets; ``--seeds`` x ``--workers`` workers, true occupation
  from ``truth``): the share of workers read as ISCO 1-2 (every true target there lies in
  ISCO 3-9), and the share with the right major group, 3-digit group and occupation.

No timing; the model is the shipped fast normaliser (``default_occupation_model``).
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import emit_json, platform_info
from benchmarks.flow import reduced_catalogue

_GROUPS = (
    ("ISCO 1", "1"),
    ("ISCO 2", "2"),
    ("ISCO 3", "3"),
    ("ISCO 4-9", "456789"),
    ("all", "0123456789"),
)


def _share(flags: list[bool] | np.ndarray) -> float:
    """The share of true values, rounded to 4 decimals."""
    return round(float(np.mean(np.asarray(flags, dtype=bool))), 4)


def _scores(occ: Any, index: np.ndarray, uris: list[str], true: np.ndarray) -> dict:
    """Per true ISCO major group: acc@1, right major group, read as ISCO 1-2."""
    top = np.array(occ.top(index), dtype=object)
    got = occ.isco(index)
    uris_a = np.array(uris, dtype=object)
    out = {}
    for name, majors in _GROUPS:
        sel = np.array([t != "" and str(t)[:1] in majors for t in true])
        if not sel.any():
            continue
        out[name] = {
            "n": int(sel.sum()),
            "acc@1": _share(top[sel] == uris_a[sel]),
            "major": _share([g[:1] == t[:1] for g, t in zip(got[sel], true[sel], strict=True)]),
            "read_as_isco12": _share([g[:1] in "12" for g in got[sel]]),
        }
    return out


def _key(pair: tuple[float, float]) -> str:
    """The result key of a prior (high-skill penalty, manager penalty): ``"0.1,0.2"``."""
    return f"{pair[0]},{pair[1]}"


def _set_prior(occ: Any, pair: tuple[float, float]) -> str:
    """Give ``occ`` the prior ``pair`` = (high-skill penalty, manager penalty); its key."""
    occ.target_high_skill_penalty, occ.target_manager_penalty = pair
    return _key(pair)


def unseen_labels(penalties: list[tuple[float, float]]) -> dict:
    """The dev labels as job targets against a catalogue without them (see the docstring)."""
    from benchmarks._refdata import esco_dir

    with open(esco_dir() / "dev_title_queries.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    texts, uris = [r["query"] for r in rows], [r["uri"] for r in rows]
    drop: dict[str, set[str]] = {}
    for t, u in zip(texts, uris, strict=True):
        drop.setdefault(u, set()).add(t)
    with tempfile.TemporaryDirectory() as tmp:
        # before anything fits the default occupation model in this process
        os.environ["DOORSTROOM_ESCO_OCCUPATIONS"] = str(reduced_catalogue(drop, Path(tmp)))
        from doorstroom_match.occupations import OccupationModel

        occ = OccupationModel().fit()
        true = np.array([str(occ.isco_group(u) or "") for u in uris], dtype=object)
        out = {}
        for pair in penalties:
            key = _set_prior(occ, pair)
            index, _ = occ.guess_targets(texts)
            out[key] = _scores(occ, index, uris, true)
    return out


def coach_typed(penalties: list[tuple[float, float]], n_workers: int, seeds: list[int]) -> dict:
    """The synthetic generator's job targets (see the docstring), per penalty and seed."""
    from doorstroom_match.ranking import default_occupation_model
    from doorstroom_match.synthetic.generate import generate_workers

    # a model of its own: the shipped one is shared by the process (match(), tests)
    occ = copy.copy(default_occupation_model())
    out: dict[str, list] = {_key(pair): [] for pair in penalties}
    for seed in seeds:
        truth: dict[str, str] = {}
        ws = generate_workers(n_workers, seed, truth=truth)
        texts = [w.get("job_target") for w in ws]
        uris = [truth[w["id"]] for w in ws]
        true = np.array([str(occ.isco_group(u) or "") for u in uris], dtype=object)
        for pair in penalties:
            key = _set_prior(occ, pair)
            index, _ = occ.guess_targets(texts)
            got = occ.isco(index)
            known = np.array([g != "" for g in got])
            pairs = list(zip(got[known], true[known], strict=True))
            out[key].append(
                {
                    "seed": seed,
                    "true_isco12": int(sum(t[:1] in "12" for t in true)),
                    "read_as_isco12": _share([g[:1] in "12" for g in got]),
                    "major": _share([g[:1] == t[:1] for g, t in pairs]),
                    "minor_group": _share([g[:3] == t[:3] for g, t in pairs]),
                    "occupation": _share(
                        [t == u for t, u in zip(occ.top(index), uris, strict=True)]
                    ),
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.target_prior", description=__doc__.split("\n")[0]
    )
    p.add_argument("--penalties", default="0,0.1,0.2,0.3")
    p.add_argument("--manager-penalties", default="0,0.2")
    p.add_argument("--workers", type=int, default=5000)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    pens = [
        (float(x), float(m))
        for x in args.penalties.split(",")
        for m in args.manager_penalties.split(",")
    ]
    seeds = [int(x) for x in args.seeds.split(",")]
    # the coach-typed targets first: the unseen-label part points the package at a reduced
    # catalogue for the rest of the process
    res = {
        "benchmark": "target_prior",
        "penalties": [list(p) for p in pens],
        "coach_typed": coach_typed(pens, args.workers, seeds),
        "unseen_labels": unseen_labels(pens),
        "platform": platform_info(),
    }
    if args.json:
        emit_json(res)
    else:
        for pen, mgr in pens:
            key = _key((pen, mgr))
            print(f"penalty {pen}, manager penalty {mgr}")
            for name, r in res["unseen_labels"][key].items():
                print(
                    f"  unseen labels, true {name:8s} n={r['n']:5d} acc@1 {r['acc@1']:.3f} "
                    f"major {r['major']:.3f} read as ISCO 1-2 {r['read_as_isco12']:.3f}"
                )
            for r in res["coach_typed"][key]:
                print(
                    f"  coach-typed, seed {r['seed']}: read as ISCO 1-2 "
                    f"{r['read_as_isco12']:.4f} major {r['major']:.3f} minor group "
                    f"{r['minor_group']:.3f} occupation {r['occupation']:.3f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
