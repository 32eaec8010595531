"""Plausibility of the weekly batch's suggestions: does the job target anchor the ranking?

A realistic week built from data we hold, then ``run_batch`` with its defaults (the contract
``doorstroom-match batch --workers W --feed F --out D --top 10``), scored as a coach would:

* **vacancies**: ``--vacancies`` postings of real ESCO occupations (70% in the ISCO major
  groups SEC workers move to, 4-9, the rest 1-3 as in real feeds), titled as postings write
  them (an ESCO label with ``(m/v/x)``, seniority, contract words, "Medewerker ..." frames,
  ``-ster`` forms), 70% without requirements, none with an ``occupation_uri``, at Flemish
  postcodes;
* **workers**: ``--workers`` job targets in ISCO 4-9, each a *dev* alternative label of the
  target occupation as a coach would type it; those labels are **removed from the catalogue**
  the product uses (``$DOORSTROOM_ESCO_OCCUPATIONS`` points at a reduced copy), so every job
  target is a title the library has never seen; postcodes and a commute limit of 15-40 km;
  with ``--two-targets SHARE``, that share of the workers names a second job as coaches write
  it ("magazijnier of kassamedewerker": another target occupation of another ISCO minor group,
  one of its dev labels, removed from the catalogue too).

Metrics (mean over workers, as in the issue):

* ``family@10``: of the vacancies within the worker's limit whose true occupation is in the
  target's ISCO 3-digit group, the share in the top 10, out of ``min(10, how many)``;
* ``occupation@10``: the same at ISCO 4 digits;
* ``beyond``: share of top-10 rows beyond the limit, for workers with >= 10 within it;
* ``isco12``: share of top-10 rows whose true occupation is in ISCO major group 1 or 2;
* for a worker with two targets, a vacancy of either family (occupation) counts, and
  ``two_targets`` adds ``both@10``: the share of those workers (with vacancies of both
  families within reach) whose top 10 holds at least one of each.

The anchor in the same run: character TF-IDF (3-5-grams) of job target against title, within
the commute limit. Run::

    python -m benchmarks.flow --workers 400 --vacancies 5000 --json [--two-targets 0.3]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_FRAMES = (
    "{t}",
    "{t} (m/v/x)",
    "{T} (M/V/X)",
    "Ervaren {t}",
    "{t} - voltijds",
    "{t} deeltijds",
    "Medewerker {t}",
    "{t} (interim)",
    "Junior {t}",
    "{t} - vast contract",
    "Allround {t}",
    "{t} gezocht",
)


def _posting(label: str, rng: random.Random) -> str:
    t = label
    if rng.random() < 0.25 and t.endswith("er") and " " not in t:
        t = t + "ster" if not t.endswith("ster") else t
    frame = rng.choice(_FRAMES)
    if frame.startswith("Medewerker") and t.lower().startswith("medewerker"):
        frame = "{t}"
    return frame.format(t=t, T=t[:1].upper() + t[1:])


def _coach_typed(label: str, rng: random.Random) -> str:
    t = label
    r = rng.random()
    if r < 0.3:
        t = t.capitalize()
    elif r < 0.4:
        t = t + " (m/v)"
    return t


def build_week(
    n_workers: int, n_vacancies: int, seed: int, workdir: Path, two_targets: float = 0.0
) -> dict:
    """Write workers.jsonl, feed.jsonl and a reduced catalogue; return the ground truth.

    ``two_targets``: share of the workers whose job target names a second job (``truth_w2``);
    0 draws nothing more, so the week is the same as before the option.
    """
    from doorstroom_match.resources import open_resource
    from doorstroom_match.text.corpus import read_esco_occupations

    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    occs = read_esco_occupations()
    by_uri = {o.uri: o for o in occs}
    low = [o for o in occs if o.isco_group[:1] in "456789" and o.alt_labels]
    high = [o for o in occs if o.isco_group[:1] in "123"]
    with open_resource("postcode_places") as fh:
        pcs = sorted(
            {
                r["postcode"]
                for r in csv.DictReader(fh)
                if r["postcode"].isdigit()
                and (1500 <= int(r["postcode"]) <= 3999 or 8000 <= int(r["postcode"]) <= 9999)
            }
        )
    # targets: occupations of ISCO 4-9, drawn with repetition so families recur in the feed
    target_occs = rng.sample(low, min(len(low), max(60, n_workers // 3)))
    workers, truth_w, truth_w2, removed = [], {}, {}, {}
    for i in range(n_workers):
        o = rng.choice(target_occs)
        label = rng.choice(o.alt_labels)
        removed.setdefault(o.uri, set()).add(label)
        wid = f"W{i:05d}"
        target = _coach_typed(label, rng)
        if two_targets > 0 and rng.random() < two_targets:
            o2 = rng.choice([t for t in target_occs if t.isco_group[:3] != o.isco_group[:3]])
            label2 = rng.choice(o2.alt_labels)
            removed.setdefault(o2.uri, set()).add(label2)
            target = f"{target} of {label2}"
            truth_w2[wid] = o2.uri
        comps = {
            c: int(np_rng.choice([1, 2, 3, 4], p=[0.12, 0.4, 0.4, 0.08]))
            for c in ("samenwerken", "zelfstandigheid", "initiatief", "flexibiliteit",
                      "leervermogen", "motivatie", "nauwkeurigheid", "discipline", "stiptheid",
                      "werktempo", "communicatie", "taalkennis_nederlands")
        }  # fmt: skip
        workers.append(
            {
                "id": wid,
                "job_target": target,
                "postcode": rng.choice(pcs),
                "max_commute_km": rng.choice([15, 20, 25, 30, 40]),
                "competences": comps,
            }
        )
        truth_w[wid] = o.uri
    vacancies, truth_v = [], {}
    fam_pool = target_occs + [
        o for o in low if o.isco_group[:3] in {t.isco_group[:3] for t in target_occs}
    ]
    for j in range(n_vacancies):
        r = rng.random()
        o = rng.choice(high) if r < 0.3 else rng.choice(fam_pool if r < 0.75 else low)
        labels = [o.preferred_label, *o.alt_labels]
        labels = [x for x in labels if x not in removed.get(o.uri, ())] or [o.preferred_label]
        vid = f"V{j:06d}"
        rec = {
            "id": vid,
            "title": _posting(rng.choice(labels), rng),
            "kind": "vacancy",
            "postcode": rng.choice(pcs),
            "employer": f"Werkgever {rng.randrange(2000)}",
        }
        if rng.random() < 0.3:
            rec["requirements"] = {
                c: int(rng.choice([2, 3, 3, 4]))
                for c in rng.sample(
                    ["samenwerken", "nauwkeurigheid", "stiptheid", "werktempo", "communicatie",
                     "taalkennis_nederlands", "flexibiliteit", "zelfstandigheid"], 4)
            }  # fmt: skip
        vacancies.append(rec)
        truth_v[vid] = o.uri
    for name, rows in (("workers.jsonl", workers), ("feed.jsonl", vacancies)):
        with open(workdir / name, "w", encoding="utf-8") as fh:
            for rec in rows:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    # the catalogue the product will use: the job targets' labels removed
    cat = reduced_catalogue(removed, workdir, occs)
    isco = {u: by_uri[u].isco_group for u in by_uri}
    return {"workers": workers, "vacancies": vacancies, "truth_w": truth_w,
            "truth_w2": truth_w2, "truth_v": truth_v, "isco": isco,
            "catalogue": cat}  # fmt: skip


def reduced_catalogue(removed: dict[str, set[str]], folder: Path, occs: list | None = None) -> Path:
    """``folder/occupations.csv.gz``: the shipped catalogue (``occs`` where already read)
    without the alternative labels ``removed`` (uri -> labels), for
    ``$DOORSTROOM_ESCO_OCCUPATIONS``: job targets the product has never seen."""
    from doorstroom_match.text.corpus import read_esco_occupations

    cat = folder / "occupations.csv.gz"
    with gzip.open(cat, "wt", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["uri", "code", "isco_group", "preferred_label", "alt_labels", "description",
                    "split"])  # fmt: skip
        for o in read_esco_occupations() if occs is None else occs:
            alts = [a for a in o.alt_labels if a not in removed.get(o.uri, ())]
            w.writerow([o.uri, o.code, o.isco_group, o.preferred_label, "|".join(alts),
                        o.description, o.split])  # fmt: skip
    return cat


def _km_matrix(workers: list[dict], vacancies: list[dict]) -> np.ndarray:
    from doorstroom_match.geo import haversine_km, postcode_coordinates

    a = postcode_coordinates([w["postcode"] for w in workers])
    b = postcode_coordinates([v["postcode"] for v in vacancies])
    return haversine_km(a, b)


def score(top: dict[str, list[str]], week: dict, km: np.ndarray) -> dict[str, float]:
    """The issue's four metrics for top-10 lists ``worker id -> [vacancy ids]``."""
    ws, vs = week["workers"], week["vacancies"]
    isco = week["isco"]
    v_index = {v["id"]: j for j, v in enumerate(vs)}
    v_isco = np.array([isco[week["truth_v"][v["id"]]] for v in vs])
    second = week.get("truth_w2", {})
    fam, occ, beyond, high = [], [], [], []
    fam2, both = [], []  # the workers with two targets
    prefix = {d: np.array([x[:d] for x in v_isco]) for d in (3, 4)}
    for i, w in enumerate(ws):
        goals = [isco[week["truth_w"][w["id"]]]]
        if w["id"] in second:
            goals.append(isco[second[w["id"]]])
        within = km[i] <= w["max_commute_km"]
        got = [v_index[x] for x in top.get(w["id"], [])[:10]]
        for digits, acc in ((3, fam), (4, occ)):
            each = [within & (prefix[digits] == g[:digits]) for g in goals]
            rel = np.logical_or.reduce(each)
            n_rel = int(rel.sum())
            if n_rel:
                acc.append(sum(1 for j in got if rel[j]) / min(10, n_rel))
                if digits == 3 and len(goals) > 1:
                    fam2.append(acc[-1])
            if digits == 3 and len(goals) > 1 and all(e.any() for e in each):
                both.append(all(any(e[j] for j in got) for e in each))
        if within.sum() >= 10 and got:
            beyond.append(sum(1 for j in got if not within[j]) / len(got))
        if got:
            high.append(sum(1 for j in got if v_isco[j][:1] in "12") / len(got))
    return {
        "family@10": round(float(np.mean(fam)), 4),
        "occupation@10": round(float(np.mean(occ)), 4),
        "beyond": round(float(np.mean(beyond)), 4),
        "isco12": round(float(np.mean(high)), 4),
        "n_workers_family": len(fam),
        "n_workers_occupation": len(occ),
        **(
            {
                "two_targets": {
                    "n_workers": len(second),
                    "family@10": round(float(np.mean(fam2)), 4) if fam2 else None,
                    "both@10": round(float(np.mean(both)), 4) if both else None,
                    "n_workers_both": len(both),
                }
            }
            if second
            else {}
        ),
    }


def tfidf_anchor(week: dict, km: np.ndarray, k: int = 10) -> dict[str, list[str]]:
    """Char TF-IDF of job target vs title, within the commute limit (the issue's anchor)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ws, vs = week["workers"], week["vacancies"]
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True)
    V = vec.fit_transform([v["title"] for v in vs])
    W = vec.transform([w["job_target"] for w in ws])
    sim = (W @ V.T).toarray()
    limit = np.array([w["max_commute_km"] for w in ws], dtype=float)
    sim[np.nan_to_num(km, nan=0.0) > limit[:, None]] = -1.0
    order = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return {w["id"]: [vs[j]["id"] for j in order[i]] for i, w in enumerate(ws)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", type=int, default=400)
    p.add_argument("--vacancies", type=int, default=5000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--two-targets",
        type=float,
        default=0.0,
        help="share of workers whose job target names a second job ('X of Y'); default 0",
    )
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        week = build_week(args.workers, args.vacancies, args.seed, work, args.two_targets)
        # the product must not know the job targets' labels: point it at the reduced catalogue
        # (before anything fits the default occupation model in this process)
        os.environ["DOORSTROOM_ESCO_OCCUPATIONS"] = str(week["catalogue"])
        from benchmarks._common import emit_json, platform_info
        from doorstroom_match.batch import run_batch

        km = _km_matrix(week["workers"], week["vacancies"])
        t0 = time.perf_counter()
        res = run_batch(
            work / "workers.jsonl", work / "feed.jsonl", work / "out", top=10, bulletin=False,
            run_date="2026-11-30",
        )  # fmt: skip
        t_batch = time.perf_counter() - t0
        top: dict[str, list[str]] = {}
        with open(res.matches_path, encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                top.setdefault(r["worker_id"], []).append(r["vacancy_id"])
        out = {
            "benchmark": "flow",
            "workers": args.workers,
            "vacancies": args.vacancies,
            "seed": args.seed,
            "two_targets": args.two_targets,
            "batch": score(top, week, km),
            "tfidf_within_limit": score(tfidf_anchor(week, km), week, km),
            "batch_seconds": round(t_batch, 2),
            "platform": platform_info(),
        }
    if args.json:
        emit_json(out)
    else:
        for name in ("batch", "tfidf_within_limit"):
            print(name, out[name])
        print(f"batch {out['batch_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
