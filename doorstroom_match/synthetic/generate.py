"""Seeded generator of realistic sample data: workers, the weekly vacancy feed, internship places.

Run as ``doorstroom-match sample --out DIR --workers 60 --vacancies 600 --places 40 --seed 7``
(see ``datasets/README.md`` in the repository for every option and the record formats). The
same arguments give byte-identical files. Each part draws from its own random stream
(``numpy.random.default_rng`` seeded with ``[seed, part]``), so the workers do not change when
only the number of vacancies does.

The model in brief
------------------
* Workers: a latent ability per worker drives all competence levels (so they correlate), cut
  into the four levels with mostly *matig*/*goed*; core competences are rated on nearly everyone,
  extra competences on about half. Optional ``ratings`` from assessor, work-floor supervisor
  (``begeleider``) and self-assessment (``zelf``) with the known rater errors: self-assessment is
  lenient, the supervisor avoids extremes, and now and then two raters disagree by two levels.
* Job targets: drawn mostly from the occupations SEC workers move to (ISCO major groups 9, 5, 8,
  7, some 4 and 6) and typed as coaches type them: a Flemish or ad-style title
  (``_vocab.COACH_TITLES``), an alternative label, a female form, a vague wish, a typo; the
  ESCO preferred label only now and then. The true occupation of each target is not in the
  worker record (the library has to find it); pass ``truth=`` to get it.
* Vacancies and places: ESCO occupations (Dutch labels and descriptions), mostly the same kinds
  of jobs as the targets; the importance of each competence comes from the O*NET work styles via
  the official ESCO-O*NET crosswalk (see ``_reference.py``); about 40% of competences are
  required, those the job leans on most, at a minimum level mapped from importance. Internship
  places (BVS, enclave) ask lower levels. As in real feeds, about 65% of regular vacancies state
  no requirements at all and only about 30% carry their ``occupation_uri``: the rest must be
  recognised from the title, which is written as job ads write it.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from doorstroom_match._exceptions import ValidationError
from doorstroom_match.competences import LEVEL_LABELS, default_dictionary

from . import _vocab as vocab
from ._reference import ReferenceData, load_reference

__all__ = [
    "BROKEN_KINDS",
    "NO_REQUIREMENTS_SHARE",
    "OCCUPATION_URI_SHARE",
    "REFERENCE_DATE",
    "add_arguments",
    "generate_places",
    "generate_sample",
    "generate_vacancies",
    "generate_workers",
    "inject_broken",
    "main",
    "read_jsonl",
    "synthetic_arrays",
    "week_feed",
    "write_jsonl",
    "write_sample",
    "write_truth",
]

#: Monday of feed week 1; all dates are relative to it, so output never depends on the clock.
REFERENCE_DATE = date(2026, 11, 2)
#: The kinds of broken line :func:`inject_broken` produces, in the order it cycles through them.
BROKEN_KINDS = ("malformed_json", "missing_id", "level_5", "unknown_competence", "duplicate_id")

# Random streams, one per part.
_STREAM = {"workers": 1, "vacancies": 2, "places": 3, "week": 100, "broken": 200, "arrays": 300}

# ---------------------------------------------------------------- worker model
# Cuts of a standard normal into levels 1..4 with shares .12/.40/.40/.08.
_LEVEL_CUTS = np.array([-1.175, 0.050, 1.405], dtype=np.float32)
_LOADING = 0.65  # loading on the latent ability: competences correlate at about 0.4
_SHIFT = {
    "taalkennis_nederlands": 0.25,
    "lezen_schrijven_rekenen": -0.3,
    "voorkomen": 0.3,
    "motivatie": 0.25,
    "stiptheid": 0.1,
    "werktempo": -0.15,
    "assertiviteit": -0.2,
    "stressbestendigheid": -0.2,
    "conflicthantering": -0.1,
}
_NON_NATIVE_SHARE = 0.3  # workers whose Dutch is (much) weaker: taalkennis drops by ~1.2 sd
_RATED_P = {"kern": 0.97, "bijkomend": 0.8, "extra": 0.55}
_RATINGS_SHARE = 0.4  # workers whose export carries the raw ratings per source
_RATER_PRESENT = {"assessor": 0.75, "begeleider": 0.85, "zelf": 0.9}
_TWO_LEVEL_SLIP = 0.02  # chance that the supervisor's score is two levels off

_REGIMES = ("voltijds", "4/5", "halftijds")
_TRANSPORT = ("openbaar vervoer", "fiets", "auto")
_COMMUTE_KM = {
    "openbaar vervoer": (10, 15, 20, 25, 30, 40),
    "fiets": (5, 8, 10, 15),
    "auto": (15, 20, 25, 30, 40, 50),
}

# ---------------------------------------------------------------- requirement model
# O*NET importance (1..5) -> minimum level 1..4. Importances of work styles mostly lie between
# 3 and 4.7 (median 4), so a linear map would put nearly everything at 3; these cuts spread
# them over the scale while keeping the order: < 3.4 -> 1, < 4.0 -> 2, < 4.6 -> 3, else 4.
_IMPORTANCE_CUTS = np.array([3.4, 4.0, 4.6], dtype=np.float32)
_REQUIRED_SHARE = {"vacancy": 0.40, "tbs": 0.40, "bvs": 0.30, "enclave": 0.30}
_PLACE_KINDS = ("tbs", "bvs", "enclave")
_PLACE_KIND_P = (0.25, 0.55, 0.20)
#: Share of regular vacancies that state no requirements (real feeds: 60-70%).
NO_REQUIREMENTS_SHARE = 0.65
#: Share of regular vacancies that carry their ``occupation_uri``; the rest only a title.
OCCUPATION_URI_SHARE = 0.30
# Share of draws (targets, vacancies, places) from the occupations of ``_vocab.COACH_TITLES``.
_COACH_SHARE = 0.5
# Share of the regular feed drawn by the SEC weights; the rest by major group (any job).
_VACANCY_SEC_SHARE = 0.8


# ======================================================================= helpers
def _check_count(name: str, value: object, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValidationError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _rng(seed: int, part: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), _STREAM[part], *extra])


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def female_form(label: str) -> str:
    """The female form of a job title by its word endings, or the title unchanged.

    Examples
    --------
    >>> female_form("medewerker keuken"), female_form("heftruckchauffeur"), female_form("kok")
    ('medewerkster keuken', 'heftruckchauffeuse', 'kok')
    """
    words = label.split(" ")
    for i, word in enumerate(words):
        for male, female in vocab.FEMALE_SUFFIXES:
            if word.endswith(male):
                words[i] = word[: len(word) - len(male)] + female
                return " ".join(words)
    return label


def _typo(text: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters or drop one, as a hurried coach would."""
    if len(text) < 5:
        return text
    i = int(rng.integers(1, len(text) - 2))
    if not (text[i].isalpha() and text[i + 1].isalpha()):
        return text
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def _shorten(description: str, n_sentences: int) -> str:
    parts = _SENTENCE.split(description.strip())
    return " ".join(parts[:n_sentences]) if n_sentences > 0 else description.strip()


def _choice_idx(rng: np.random.Generator, p: Sequence[float], size: int) -> np.ndarray:
    return rng.choice(len(p), size=size, p=np.asarray(p, dtype=np.float64))


def _reference(data_dir: str | Path | None) -> ReferenceData:
    return load_reference(default_dictionary().ids, data_dir)


def _coach_titles(ref: ReferenceData) -> dict[int, tuple[str, ...]]:
    """Occupation row -> the titles coaches use for it (occupations of ``COACH_TITLES``)."""
    row = {label: i for i, label in enumerate(ref.label.tolist())}
    return {row[k]: v for k, v in vocab.COACH_TITLES.items() if k in row}


def _occupation_weights(ref: ReferenceData) -> tuple[np.ndarray, np.ndarray]:
    """Sampling weights over occupations: SEC job targets (and places), the regular feed."""
    groups, counts = np.unique(ref.isco, return_counts=True)
    per_group = dict(zip(groups.tolist(), counts.tolist(), strict=True))
    sec = np.array(
        [
            vocab.SEC_GROUP_WEIGHTS.get(g, vocab.SEC_MAJOR_DEFAULT.get(g[:1], 0.0)) / per_group[g]
            for g in ref.isco.tolist()
        ]
    )
    sec /= sec.sum()
    coach = np.zeros(len(sec))
    coach[list(_coach_titles(ref))] = 1.0
    if coach.sum():
        sec = (1 - _COACH_SHARE) * sec + _COACH_SHARE * coach / coach.sum()
    base = np.array([vocab.VACANCY_MAJOR_WEIGHTS.get(g[:1], 0.0) for g in ref.isco.tolist()])
    base /= base.sum()
    return sec, _VACANCY_SEC_SHARE * sec + (1 - _VACANCY_SEC_SHARE) * base


def _iso(d: date) -> str:
    return d.isoformat()


# ======================================================================= workers
def _job_target(
    occ: int,
    ref: ReferenceData,
    rng: np.random.Generator,
    sec_p: np.ndarray,
    coach: dict[int, tuple[str, ...]],
) -> str:
    label = str(ref.label[occ])
    titles = coach.get(occ)
    if titles and rng.random() < 0.7:
        text = titles[int(rng.integers(len(titles)))]
        v = rng.random()
        if v < 0.25:
            return _capitalise(text)
        if v < 0.32:
            return _typo(text, rng)
        return text
    u = rng.random()
    if u < 0.22:
        text = label
    elif u < 0.30:
        text = _capitalise(label)
    elif u < 0.50:
        alts = ref.alt_labels[occ]
        text = alts[int(rng.integers(len(alts)))] if alts else label
    elif u < 0.65:
        text = female_form(label)
    elif u < 0.80:
        text = vocab.VAGUE_TARGETS[int(rng.integers(len(vocab.VAGUE_TARGETS)))]
    elif u < 0.88:
        other = str(ref.label[int(rng.choice(len(sec_p), p=sec_p))])
        text = f"{label} of {other}"
    elif u < 0.94:
        text = label.upper() if rng.random() < 0.3 else _capitalise(label) + " "
    else:
        text = _typo(label, rng)
    return text


def _level_value(level: int, style: int, rng_u: float) -> int | str:
    """A level as int or Dutch label in the export style of one worker."""
    if style == 0 or (style == 2 and rng_u < 0.5):
        return int(level)
    label = LEVEL_LABELS[int(level)]
    if style == 2 and rng_u > 0.8:
        return label.capitalize()
    return label


def generate_workers(
    n_workers: int,
    seed: int = 0,
    *,
    data_dir: str | Path | None = None,
    reference_date: date = REFERENCE_DATE,
    truth: dict[str, str] | None = None,
) -> list[dict]:
    """Synthetic SEC target-group workers in a doorstroom trajectory.

    Parameters
    ----------
    n_workers : int
        Number of worker records, >= 0.
    seed : int
        Seed of the random stream; the same seed gives the same records.
    data_dir : path, optional
        A reference-data folder (``esco_nl/``, ``onet/``, ``geo/``); default: the tables
        shipped in the package (see :mod:`doorstroom_match.resources`).
    reference_date : date
        "Today" of the data: LDE end dates lie after it.
    truth : dict, optional
        Filled with worker id -> ESCO uri of the occupation the job target stands for (what
        a benchmark checks the recognised occupation against; not in the records).

    Returns
    -------
    list of dict
        Worker records in the ``workers.jsonl`` format (see ``datasets/README.md``).
    """
    n = _check_count("n_workers", n_workers)
    ref = _reference(data_dir)
    rng = _rng(seed, "workers")
    d = default_dictionary()
    ids = d.ids
    c = len(ids)
    comps = list(d)

    # Levels from a latent ability: (n, c) at once.
    shift = np.array([_SHIFT.get(cid, 0.0) for cid in ids], dtype=np.float32)
    theta = rng.standard_normal(n, dtype=np.float32)
    eps = rng.standard_normal((n, c), dtype=np.float32)
    z = _LOADING * theta[:, None] + math.sqrt(1 - _LOADING**2) * eps + shift
    if "taalkennis_nederlands" in ids:
        non_native = rng.random(n) < _NON_NATIVE_SHARE
        z[:, ids.index("taalkennis_nederlands")] -= 1.2 * non_native
    levels = (np.searchsorted(_LEVEL_CUTS, z) + 1).astype(np.int8)
    rated_p = np.array([_RATED_P[comp.group] for comp in comps])
    rated = rng.random((n, c)) < rated_p

    # Raters: assessor is close, the supervisor avoids extremes, self-assessment is lenient.
    lv = levels.astype(np.float32)
    scores = {
        "assessor": lv + rng.normal(0.0, 0.45, (n, c)),
        "begeleider": 2.5 + 0.75 * (lv - 2.5) + 0.15 + rng.normal(0.0, 0.5, (n, c)),
        "zelf": lv + 0.5 + rng.normal(0.0, 0.5, (n, c)),
    }
    scores = {k: np.clip(np.rint(v), 1, 4).astype(np.int8) for k, v in scores.items()}
    slip = rng.random((n, c)) < _TWO_LEVEL_SLIP
    scores["begeleider"] = np.where(
        slip, np.where(levels <= 2, levels + 2, levels - 2), scores["begeleider"]
    ).astype(np.int8)
    present = {k: (rng.random((n, c)) < p) & rated for k, p in _RATER_PRESENT.items()}
    nobody = rated & ~(present["assessor"] | present["begeleider"] | present["zelf"])
    present["assessor"] |= nobody
    has_ratings = rng.random(n) < _RATINGS_SHARE

    # Export styles: levels as int / label / mixed; names as id or label/alias.
    level_style = _choice_idx(rng, (0.5, 0.3, 0.2), n)
    name_style = rng.random(n) < 0.25
    style_u = rng.random((n, c))
    # Exports that use the Dutch labels ("Nauwkeurigheid/orde") rather than the ids.
    alt_names = [_capitalise(comp.label) for comp in comps]

    sec_p, _ = _occupation_weights(ref)
    coach_titles = _coach_titles(ref)
    target_occ = rng.choice(len(sec_p), size=n, p=sec_p)
    postcode = rng.choice(len(ref.postcode), size=n, p=ref.postcode_weight)
    is_lde = rng.random(n) < 0.35
    lde_start = rng.integers(0, 5 * 365, size=n)
    regime = _choice_idx(rng, (0.45, 0.30, 0.25), n)
    transport = _choice_idx(rng, (0.5, 0.3, 0.2), n)
    km_u = rng.random(n)
    n_coaches = max(1, math.ceil(n / 15))
    coach = rng.integers(0, n_coaches, size=n)

    out = []
    for i in range(n):
        cols = np.flatnonzero(rated[i])
        style = int(level_style[i])
        names = alt_names if name_style[i] else ids
        competences = {
            names[j]: _level_value(levels[i, j], style, style_u[i, j]) for j in cols.tolist()
        }
        if truth is not None:
            truth[f"W{i + 1:05d}"] = str(ref.uri[target_occ[i]])
        rec: dict = {
            "id": f"W{i + 1:05d}",
            "competences": competences,
            "job_target": _job_target(int(target_occ[i]), ref, rng, sec_p, coach_titles),
            "postcode": str(ref.postcode[postcode[i]]),
            "contract": "LDE" if is_lde[i] else "maatwerk",
        }
        if is_lde[i]:
            start = reference_date - timedelta(days=int(lde_start[i]))
            try:
                end = start.replace(year=start.year + 5)
            except ValueError:  # 29 February
                end = start.replace(year=start.year + 5, day=28)
            rec["lde_end_date"] = _iso(end - timedelta(days=1))
        mode = _TRANSPORT[transport[i]]
        kms = _COMMUTE_KM[mode]
        rec["regime"] = _REGIMES[regime[i]]
        rec["transport"] = mode
        rec["max_commute_km"] = kms[int(km_u[i] * len(kms))]
        rec["coach"] = f"C{int(coach[i]) + 1:02d}"
        if has_ratings[i]:
            ratings = []
            for rater in ("assessor", "begeleider", "zelf"):
                for j in np.flatnonzero(present[rater][i]).tolist():
                    ratings.append(
                        {
                            "rater": rater,
                            "competence": names[j],
                            "level": _level_value(scores[rater][i, j], style, style_u[i, j]),
                        }
                    )
            rec["ratings"] = ratings
        out.append(rec)
    return out


# ======================================================================= requirements
def _requirements(
    occ: np.ndarray, kinds: np.ndarray, ref: ReferenceData, rng: np.random.Generator
) -> np.ndarray:
    """Minimum levels, int8 of shape (n, n_competences), 0 = not required."""
    n = len(occ)
    comps = list(default_dictionary())
    c = len(comps)
    imp = ref.importance[occ]  # (n, c)
    mean = ref.importance.mean(axis=0)
    sd = ref.importance.std(axis=0) + 1e-6
    core = np.array([0.5 if comp.group == "kern" else 0.0 for comp in comps], dtype=np.float32)
    # Gumbel-top-k: the competences the job leans on most (relative to other jobs) are the
    # likeliest to be required; the noise gives two vacancies of one occupation other sets.
    score = (imp - mean) / sd + core + 0.8 * rng.gumbel(size=(n, c)).astype(np.float32)
    share = np.array([_REQUIRED_SHARE[k] for k in kinds.tolist()])
    k = np.clip(np.rint(rng.normal(share * c, 1.5)), 3, c).astype(np.int64)
    rank = np.argsort(np.argsort(-score, axis=1, kind="stable"), axis=1, kind="stable")
    required = rank < k[:, None]

    level = np.searchsorted(_IMPORTANCE_CUTS, imp).astype(np.int8) + 1
    u = rng.random((n, c))
    level += (u < 0.08).astype(np.int8) - (u > 0.92).astype(np.int8)
    # Internship places ask less: observation (BVS) or a supervised team (enclave) always one
    # level lower; a TBS (the real job) sometimes.
    lower = np.isin(kinds, ("bvs", "enclave"))[:, None] | (
        (kinds == "tbs")[:, None] & (rng.random((n, 1)) < 0.3)
    )
    level -= lower.astype(np.int8)
    level = np.clip(level, 1, 4)
    return np.where(required, level, 0).astype(np.int8)


def _req_dicts(req: np.ndarray) -> list[dict[str, int]]:
    ids = default_dictionary().ids
    rows, cols = np.nonzero(req)
    vals = req[rows, cols].tolist()
    splits = np.searchsorted(rows, np.arange(1, req.shape[0]))
    out = []
    start = 0
    cols_l = cols.tolist()
    for stop in [*splits.tolist(), len(cols_l)]:
        out.append({ids[j]: v for j, v in zip(cols_l[start:stop], vals[start:stop], strict=True)})
        start = stop
    return out


# ======================================================================= employers
def _employers(
    sectors: np.ndarray, per_employer: float, ref: ReferenceData, rng: np.random.Generator
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Assign each row an employer of its sector.

    Returns
    -------
    employer_of_row : ndarray of int, shape (n_rows,)
    names : list of str, one per employer
    postcode_of_employer : ndarray of int (index into ``ref.postcode``)
    """
    n = len(sectors)
    employer_of_row = np.empty(n, dtype=np.int64)
    names: list[str] = []
    for sector in sorted(set(sectors.tolist())):
        rows = np.flatnonzero(sectors == sector)
        m = max(1, math.ceil(len(rows) / per_employer))
        spec = vocab.SECTORS[sector]
        legal = spec.get("legal", vocab.DEFAULT_LEGAL)
        first = len(names)
        for _ in range(m):
            word = spec["words"][int(rng.integers(len(spec["words"])))]
            sur = vocab.SURNAMES[int(rng.integers(len(vocab.SURNAMES)))]
            t = rng.random()
            if t < 0.4:
                name = f"{word} {sur}"
            elif t < 0.65:
                name = f"{sur} {word}"
            elif t < 0.8:
                name = f"{sur} & Zonen"
            else:
                sur2 = vocab.SURNAMES[int(rng.integers(len(vocab.SURNAMES)))]
                name = f"{sur}-{sur2}" if sur2 != sur else f"{word} {sur}"
            form = legal[_choice_idx(rng, [p for _, p in legal], 1)[0]][0]
            names.append(f"{name} {form}" if form else name)
        # A few employers post many vacancies: Zipf-like weights within the sector.
        w = 1.0 / np.arange(1, m + 1) ** 0.5
        employer_of_row[rows] = first + rng.choice(m, size=len(rows), p=w / w.sum())
    # Employers cluster in the towns even more than people do.
    p = ref.postcode_weight**1.5
    postcodes = rng.choice(len(ref.postcode), size=len(names), p=p / p.sum())
    return employer_of_row, names, postcodes


def _places_postfix(place: str, rng: np.random.Generator) -> str:
    return f" in {place}" if rng.random() < 0.7 else ""


# ======================================================================= vacancies
_OFFER = {
    "voltijds": ("Voltijdse job.", "Voltijds contract van onbepaalde duur.", "Voltijds, dagwerk."),
    "4/5": ("Deeltijds (4/5).", "Job van 4/5, vaste uren.", "4/5-regime mogelijk."),
    "halftijds": ("Halftijdse job.", "Deeltijds (halftijds), voormiddagen.", "Halftijds, 19 uur."),
}


def _vacancy_rows(
    occ: np.ndarray,
    kinds: np.ndarray,
    ids: list[str],
    ref: ReferenceData,
    rng: np.random.Generator,
    reference_date: date,
    per_employer: float,
    truth: dict[str, str] | None = None,
) -> list[dict]:
    n = len(occ)
    coach = _coach_titles(ref)
    sector_of_occ = {}
    sectors = np.array(
        [sector_of_occ.setdefault(o, vocab.sector_of(str(ref.isco[o]))) for o in occ.tolist()]
    )
    emp, emp_names, emp_pc = _employers(sectors, per_employer, ref, rng)
    req = _req_dicts(_requirements(occ, kinds, ref, rng))
    regime = _choice_idx(rng, (0.65, 0.15, 0.20), n)
    cap_u = rng.random(n)
    enclave_cap = rng.integers(3, 9, size=n)
    bvs_cap = rng.integers(1, 3, size=n)
    bvs_days = rng.integers(1, 6, size=n)
    is_place = kinds != "vacancy"
    days = np.where(is_place, rng.integers(30, 366, size=n), rng.integers(3, 91, size=n))
    u = rng.random((n, 6))
    n_sent = rng.integers(0, 4, size=n)
    # the feed as it really is: titles as ads write them, requirements and uri often missing
    ad = rng.random((n, 5))

    out = []
    for i in range(n):
        o = int(occ[i])
        kind = str(kinds[i])
        label = str(ref.label[o])
        alts = ref.alt_labels[o]
        if u[i, 0] < 0.2 and alts:
            shown = alts[int(u[i, 1] * len(alts))]
        else:
            shown = label
        employer = emp_names[emp[i]]
        pc = int(emp_pc[emp[i]])
        place = str(ref.place[pc])
        reg = _REGIMES[regime[i]]
        sector = vocab.SECTORS[str(sectors[i])]
        post = sector["posts"][int(u[i, 2] * len(sector["posts"]))]
        body = _shorten(str(ref.description[o]), int(n_sent[i]))
        if kind == "vacancy":
            titles = coach.get(o)
            if titles and ad[i, 0] < 0.45:
                shown = titles[int(ad[i, 1] * len(titles))]
            title = _capitalise(shown) if u[i, 3] < 0.8 else shown
            if ad[i, 2] < 0.08:
                title = f"{title} - {reg}"
            elif ad[i, 2] < 0.14:
                title = f"{title} gezocht"
            elif ad[i, 2] < 0.2:
                title = f"{title}/{female_form(shown)}" if female_form(shown) != shown else title
            if u[i, 4] < 0.35:
                title += " (m/v/x)"
            intro = (
                f"{employer}{_places_postfix(place, rng)} zoekt een {shown}."
                if u[i, 5] < 0.6
                else f"Voor onze vestiging in {place} zoeken we een {shown}."
            )
            offer = _OFFER[reg][int(u[i, 5] * 10) % 3]
            description = f"{intro} {body} {offer}"
            if cap_u[i] < 0.85:
                capacity = 1
            else:
                capacity = 2 if cap_u[i] < 0.95 else 3 + int(cap_u[i] * 60) % 3
        elif kind == "tbs":
            title = f"{_capitalise(shown)} (TBS)"
            description = (
                f"Terbeschikkingstelling bij {employer} in {place}: je doet het echte werk als "
                f"{shown}, de werkgever betaalt de loonkost. {body}"
            )
            capacity = 1
        elif kind == "bvs":
            title = f"Beroepsverkennende stage {shown} ({post})"
            description = (
                f"Beroepsverkennende stage van {int(bvs_days[i])} dag(en) bij {employer} in "
                f"{place}, afdeling {post}: meelopen en observeren. {body}"
            )
            capacity = int(bvs_cap[i])
            reg = "voltijds" if regime[i] != 2 else "halftijds"
        else:  # enclave
            title = f"Enclave {shown}"
            description = (
                f"Enclave bij {employer} in {place}: een ploeg van {int(enclave_cap[i])} "
                f"medewerkers werkt onder eigen begeleiding ({post}). {body}"
            )
            capacity = int(enclave_cap[i])
        rec = {
            "id": ids[i],
            "title": title,
            "description": description,
            "kind": kind,
            "employer": employer,
            "postcode": str(ref.postcode[pc]),
            "capacity": capacity,
            "requirements": req[i],
            "occupation_uri": str(ref.uri[o]),
            "valid_until": _iso(reference_date + timedelta(days=int(days[i]))),
            "regime": reg,
        }
        if kind == "vacancy":
            if ad[i, 3] < NO_REQUIREMENTS_SHARE:
                del rec["requirements"]
            if ad[i, 4] >= OCCUPATION_URI_SHARE:
                del rec["occupation_uri"]
        if truth is not None:
            truth[ids[i]] = str(ref.uri[o])
        if kind == "bvs":
            rec["post"] = post
            rec["bvs_days"] = int(bvs_days[i])
        out.append(rec)
    return out


def generate_vacancies(
    n_vacancies: int,
    seed: int = 0,
    *,
    data_dir: str | Path | None = None,
    start_id: int = 1,
    reference_date: date = REFERENCE_DATE,
    truth: dict[str, str] | None = None,
    _stream: tuple[str, ...] | None = None,
) -> list[dict]:
    """Regular (NEC) vacancies of the weekly feed, ``kind == "vacancy"``.

    Parameters
    ----------
    n_vacancies : int
        Number of records, >= 0.
    seed : int
        Seed of the random stream.
    data_dir : path, optional
        A reference-data folder (default: the tables shipped in the package).
    start_id : int
        Number of the first id (``V000001`` for 1).
    reference_date : date
        "Today" of the feed: ``valid_until`` lies 3 to 90 days after it.

    Returns
    -------
    list of dict
        Records in the ``feed.jsonl`` format.
    """
    n = _check_count("n_vacancies", n_vacancies)
    start = _check_count("start_id", start_id, 1)
    ref = _reference(data_dir)
    rng = _rng(seed, "vacancies") if _stream is None else _rng(seed, *_stream)
    _, vac_p = _occupation_weights(ref)
    occ = rng.choice(len(vac_p), size=n, p=vac_p)
    kinds = np.full(n, "vacancy")
    ids = [f"V{k:06d}" for k in range(start, start + n)]
    return _vacancy_rows(occ, kinds, ids, ref, rng, reference_date, 6.0, truth)


def generate_places(
    n_places: int,
    seed: int = 0,
    *,
    data_dir: str | Path | None = None,
    reference_date: date = REFERENCE_DATE,
    truth: dict[str, str] | None = None,
) -> list[dict]:
    """Partner internship places: ``kind`` in ``tbs`` (25%), ``bvs`` (55%), ``enclave`` (20%).

    TBS capacity 1, BVS 1-2 with ``bvs_days`` 1-5 and a ``post``, enclave 3-8. Their minimum
    levels are lower than those of regular vacancies for the same occupation.
    """
    n = _check_count("n_places", n_places)
    ref = _reference(data_dir)
    rng = _rng(seed, "places")
    sec_p, _ = _occupation_weights(ref)
    occ = rng.choice(len(sec_p), size=n, p=sec_p)
    kinds = np.asarray(_PLACE_KINDS)[_choice_idx(rng, _PLACE_KIND_P, n)]
    ids = [f"P{k:05d}" for k in range(1, n + 1)]
    return _vacancy_rows(occ, kinds, ids, ref, rng, reference_date, 3.0, truth)


def generate_sample(
    n_workers: int = 60,
    n_vacancies: int = 600,
    n_places: int = 40,
    seed: int = 7,
    *,
    data_dir: str | Path | None = None,
    truth: dict[str, str] | None = None,
) -> tuple[list[dict], list[dict], list[dict]]:
    """Workers, regular vacancies and internship places in one call.

    Reads the reference tables shipped in the package (or ``data_dir``); ``truth``, when
    given, is filled with record id -> ESCO uri of the true occupation (the job target's for
    a worker).

    Returns
    -------
    workers, vacancies, places : list of dict
        Records in the formats of ``workers.jsonl``, ``feed.jsonl`` and ``places.jsonl``.

    Examples
    --------
    >>> workers, vacancies, places = generate_sample(5, 20, 4, seed=1)  # doctest: +SKIP
    >>> workers[0]["id"], vacancies[0]["kind"], len(places)  # doctest: +SKIP
    ('W00001', 'vacancy', 4)
    """
    return (
        generate_workers(n_workers, seed, data_dir=data_dir, truth=truth),
        generate_vacancies(n_vacancies, seed, data_dir=data_dir, truth=truth),
        generate_places(n_places, seed, data_dir=data_dir, truth=truth),
    )


# ======================================================================= weekly feed
def _next_week(
    feed: list[dict],
    week: int,
    seed: int,
    data_dir: str | Path | None,
    truth: dict[str, str] | None,
) -> list[dict]:
    """Week ``week`` from week ``week - 1``: some expire or are filled, some change, ~10% new."""
    rng = _rng(seed, "week", week)
    today = REFERENCE_DATE + timedelta(days=7 * (week - 1))
    keep = []
    for rec in feed:
        if date.fromisoformat(rec["valid_until"]) < today:
            continue  # expired
        keep.append(rec)
    n = len(keep)
    filled = rng.random(n) < 0.04
    change = rng.random(n) < 0.06
    what = rng.integers(0, 4, size=n)
    out = []
    for i, rec in enumerate(keep):
        if filled[i]:
            continue
        if change[i]:
            rec = dict(rec)
            if "requirements" in rec:
                rec["requirements"] = dict(rec["requirements"])
            w = int(what[i])
            if w == 0:
                until = date.fromisoformat(rec["valid_until"]) + timedelta(
                    days=int(rng.integers(7, 43))
                )
                rec["valid_until"] = _iso(until)
            elif w == 1:
                rec["capacity"] = rec["capacity"] + 1
            elif w == 2 and rec.get("requirements"):
                keys = sorted(rec["requirements"])
                key = keys[int(rng.integers(len(keys)))]
                old = rec["requirements"][key]
                rec["requirements"][key] = old + 1 if old < 4 else old - 1
            else:
                rec["description"] = "Dringend gezocht! " + rec["description"]
        out.append(rec)
    last = max((int(r["id"][1:]) for r in feed), default=0)
    n_new = int(round(0.10 * len(feed)))
    new = generate_vacancies(
        n_new,
        seed,
        data_dir=data_dir,
        start_id=last + 1,
        reference_date=today,
        truth=truth,
        _stream=("week", week, 1),
    )
    return out + new


def week_feed(
    feed: list[dict],
    week: int,
    seed: int,
    *,
    data_dir: str | Path | None = None,
    truth: dict[str, str] | None = None,
) -> list[dict]:
    """The feed of week ``week`` (>= 1) grown from the week-1 feed ``feed``.

    Each week after the first: vacancies whose ``valid_until`` passed are gone and about 4% more
    are filled; about 6% of the rest change (``valid_until`` extended, capacity up, one
    requirement level moved, or a description edited; the id stays); about 10% new vacancies
    are appended with ids after the highest so far. Unchanged records stay byte-identical.
    The input is not modified. ``truth``, when given, is filled for the new vacancies.
    """
    week = _check_count("week", week, 1)
    out = list(feed)
    for k in range(2, week + 1):
        out = _next_week(out, k, seed, data_dir, truth)
    return out


# ======================================================================= broken lines
def inject_broken(
    records: Sequence[dict], n_broken: int, seed: int = 0
) -> tuple[list[str], list[dict]]:
    """JSON lines of ``records`` with ``n_broken`` of them broken, for quarantine tests.

    Kinds cycle through :data:`BROKEN_KINDS` (so ``n_broken >= 5`` gives each kind):
    ``malformed_json`` (a truncated line), ``missing_id``, ``level_5`` (a level of 5 in
    ``requirements`` or ``competences``), ``unknown_competence`` (``'samenwerkn'``) and
    ``duplicate_id`` (the record takes the id of a valid record on an earlier line). Each broken
    line replaces one record, so the file keeps ``len(records)`` lines.

    Returns
    -------
    lines : list of str
        One JSON text per record (no trailing newline).
    manifest : list of dict
        One entry per broken line: ``{"line": 1-based line number, "kind": ..., "id": the id
        the line carries or None}``, in line order.
    """
    n = len(records)
    k = _check_count("n_broken", n_broken)
    if k > max(0, n - 1):
        raise ValidationError(
            f"n_broken must be at most len(records) - 1 = {max(0, n - 1)}, got {k}"
        )
    rng = _rng(seed, "broken")
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    # Line 0 stays valid, so a duplicate can always point back at an earlier valid record.
    victims = np.sort(rng.choice(np.arange(1, n), size=k, replace=False)) if k else []
    broken_at = set(int(v) for v in victims)
    manifest = []
    for t, pos in enumerate(int(v) for v in victims):
        kind = BROKEN_KINDS[t % len(BROKEN_KINDS)]
        rec = json.loads(lines[pos])
        field = "competences" if "competences" in rec else "requirements"
        if kind == "malformed_json":
            text = lines[pos]
            lines[pos] = text[: int(rng.integers(1, len(text) - 1))]
            rid = rec.get("id")
        elif kind == "missing_id":
            rec.pop("id", None)
            lines[pos] = json.dumps(rec, ensure_ascii=False)
            rid = None
        elif kind == "level_5":
            levels = dict(rec.get(field) or {})
            key = sorted(levels)[0] if levels else "samenwerken"
            levels[key] = 5
            rec[field] = levels
            lines[pos] = json.dumps(rec, ensure_ascii=False)
            rid = rec["id"]
        elif kind == "unknown_competence":
            levels = {
                ("samenwerkn" if key == "samenwerken" else key): v
                for key, v in (rec.get(field) or {}).items()
            }
            levels.setdefault("samenwerkn", 3)
            rec[field] = levels
            lines[pos] = json.dumps(rec, ensure_ascii=False)
            rid = rec["id"]
        else:  # duplicate_id
            earlier = [j for j in range(pos) if j not in broken_at]
            rid = json.loads(lines[earlier[int(rng.integers(len(earlier)))]])["id"]
            rec["id"] = rid
            lines[pos] = json.dumps(rec, ensure_ascii=False)
        manifest.append({"line": pos + 1, "kind": kind, "id": rid})
    return lines, manifest


# ======================================================================= arrays for benchmarks
def synthetic_arrays(
    n_workers: int, n_vacancies: int, n_competences: int = 23, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense level and requirement arrays for the core benchmark (no reference data needed).

    Same worker model as :func:`generate_workers` (latent ability, levels mostly 2-3, about 10%
    not rated); requirements are drawn per cell, about 40% required, at levels 1..4 with shares
    .12/.45/.35/.08 (close to those of the generated feed).

    Parameters
    ----------
    n_workers, n_vacancies, n_competences : int
        W, V and C; each >= 1.
    seed : int
        Seed of the random stream.

    Returns
    -------
    levels : ndarray of int8, shape (n_workers, n_competences)
        0 = not rated, else 1..4.
    requirements : ndarray of int8, shape (n_vacancies, n_competences)
        0 = not required, else the minimum level 1..4.
    weights : ndarray of float32, shape (n_vacancies, n_competences)
        Weight of a shortfall, in [0.5, 2.0], positive everywhere.

    Examples
    --------
    >>> levels, req, w = synthetic_arrays(3, 4, 23, seed=0)
    >>> levels.shape, req.shape, w.dtype.name
    ((3, 23), (4, 23), 'float32')
    """
    w_ = _check_count("n_workers", n_workers, 1)
    v_ = _check_count("n_vacancies", n_vacancies, 1)
    c_ = _check_count("n_competences", n_competences, 1)
    rng = _rng(seed, "arrays")
    theta = rng.standard_normal(w_, dtype=np.float32)
    z = rng.standard_normal((w_, c_), dtype=np.float32)
    z *= math.sqrt(1 - _LOADING**2)
    z += _LOADING * theta[:, None]
    levels = (np.searchsorted(_LEVEL_CUTS, z) + 1).astype(np.int8)
    levels[rng.random((w_, c_), dtype=np.float32) < 0.10] = 0

    u = rng.random((v_, c_), dtype=np.float32)
    req = (np.searchsorted(np.array([0.12, 0.57, 0.92], dtype=np.float32), u) + 1).astype(np.int8)
    req[rng.random((v_, c_), dtype=np.float32) >= 0.40] = 0
    weights = rng.random((v_, c_), dtype=np.float32)
    weights *= 1.5
    weights += 0.5
    return levels, req, weights


# ======================================================================= files
def write_jsonl(path: str | Path, records: Iterable[dict | str]) -> Path:
    """Write records (dicts, or ready JSON lines) as UTF-8 JSON Lines with ``\\n`` endings."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(rec if isinstance(rec, str) else json.dumps(rec, ensure_ascii=False))
            fh.write("\n")
    return path


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON Lines file of clean records (blank lines skipped).

    Raises
    ------
    ValueError
        A line is not valid JSON; the message names the file and the line number. (Files
        with broken lines are for the quarantine of ``doorstroom_match.feeds``, not for this.)
    """
    out = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    f"{Path(path).name} line {no} is not valid JSON ({exc.msg})"
                ) from None
    return out


def write_truth(path: str | Path, truth: dict[str, str]) -> Path:
    """Write ``truth`` (record id -> ESCO uri) as CSV ``id,occupation_uri``, in id order."""
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("id,occupation_uri\n")
        for rid in sorted(truth):
            fh.write(f"{rid},{truth[rid]}\n")
    return path


def write_sample(
    out: str | Path,
    n_workers: int = 60,
    n_vacancies: int = 600,
    n_places: int = 40,
    seed: int = 7,
    *,
    week: int | None = None,
    broken: int = 0,
    data_dir: str | Path | None = None,
) -> list[Path]:
    """Generate a sample and write it to folder ``out`` (created); returns the files written.

    ``workers.jsonl``, ``feed.jsonl``, ``places.jsonl`` and ``truth.csv`` (``id,
    occupation_uri``: the true occupation of every record, the job target's for a worker, for
    benchmarks); ``week`` (>= 2) adds ``feed_week{week}.jsonl``; ``broken`` (> 0) adds
    ``feed_broken.jsonl`` and ``workers_broken.jsonl`` with that many broken lines each, plus
    their ``.manifest.json``.

    Raises
    ------
    ValidationError
        A count is not a non-negative integer, ``week`` < 2, or ``broken`` is too large.
    """
    if week is not None:
        week = _check_count("week", week, 2)
    broken = _check_count("broken", broken)
    truth: dict[str, str] = {}
    workers, vacancies, places = generate_sample(
        n_workers, n_vacancies, n_places, seed, data_dir=data_dir, truth=truth
    )
    later = None
    if week is not None:
        later = week_feed(vacancies, week, seed, data_dir=data_dir, truth=truth)
    parts = []
    if broken:
        for name, recs in (("feed", vacancies), ("workers", workers)):
            parts.append((name, *inject_broken(recs, broken, seed)))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_jsonl(out / "workers.jsonl", workers),
        write_jsonl(out / "feed.jsonl", vacancies),
        write_jsonl(out / "places.jsonl", places),
    ]
    if later is not None:
        written.append(write_jsonl(out / f"feed_week{week}.jsonl", later))
    for name, lines, manifest in parts:
        written.append(write_jsonl(out / f"{name}_broken.jsonl", lines))
        path = out / f"{name}_broken.manifest.json"
        path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    written.append(write_truth(out / "truth.csv", truth))
    return written


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``doorstroom-match sample`` to ``p``; returns ``p``."""
    p.add_argument("--out", type=Path, required=True, help="output folder (created)")
    p.add_argument("--workers", type=int, default=60, help="number of workers (default 60)")
    p.add_argument("--vacancies", type=int, default=600, help="regular vacancies (default 600)")
    p.add_argument("--places", type=int, default=40, help="internship places (default 40)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--week",
        type=int,
        default=None,
        help="also write feed_weekN.jsonl, the feed of week N >= 2",
    )
    p.add_argument(
        "--broken",
        type=int,
        default=0,
        help="also write feed_broken.jsonl and workers_broken.jsonl with N broken "
        "lines each, and a .manifest.json naming them",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="a reference-data folder (esco_nl/, onet/, geo/) instead of the tables shipped "
        "in the package",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m doorstroom_match.synthetic``: the same as ``doorstroom-match sample``."""
    from doorstroom_match.cli import main as cli_main

    return cli_main(["sample", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
