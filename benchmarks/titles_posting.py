"""Posting-style job titles from ESCO labels: a seeded generator for training and evaluation.

    python -m benchmarks.titles_posting --out build/titles_posting [--seed 0]

Real vacancy titles are not written like ESCO labels. This module turns a label into the kind
of title an employer posts, with the transformations seen in Flemish and Dutch job boards:

``gender``       a gender marker: ``(m/v/x)``, ``M/V/X``, ``(m/v)``, ``(h/f/x)``;
``female``       the female or slash form: ``-ster``, ``-e``, ``medewerker/ster``;
``seniority``    ``Senior``, ``Junior``, ``Ervaren``, ``Allround``, ``Zelfstandig``;
``contract``     ``voltijds``, ``deeltijds``, ``interim``, ``vast contract``, ``flexi-job``;
``sector``       ``in de bouw``, ``in de financiële sector``, ``regio Gent``, ``voor KMO``;
``specialism``   ``- platte daken``, ``industriële``, ``met rijbewijs C``, ``NL/FR``;
``frame``        ``Medewerker …``, ``Verantwoordelijke …``, ``Operator …``, ``Leidinggevende …``,
                 a compound split or joined (``magazijnmedewerker`` / ``medewerker magazijn``);
``loan``         Belgian terms (``technieker``, ``bediende``, ``leerkracht``, ``poetshulp``) and
                 English loan titles (``developer``, ``sales``, ``customer service``);
``typo``         one dropped, doubled or swapped letter;
``abbrev``       ``mdw``, ``admin.``, ``verantw.``, ``techn.``;
``case``         Title Case or UPPER CASE.

Each posting title applies one to three of them, drawn with :class:`random.Random` seeded by
the seed and the label's position, so the same labels always give the same titles. The
transformations are written from knowledge of how postings look, not fitted to any published
job-title benchmark; no query set of such a benchmark is used anywhere.

Outside the package on purpose: it builds evaluation and training data
(``benchmarks.titles_cv``, ``models.train_title_reranker``), nothing the product runs.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["postingize", "posting_titles", "TRANSFORMS"]

_GENDER = (" (m/v/x)", " (M/V/X)", " (m/v)", " M/V/X", " (v/m/x)", " (h/f/x)", " m/v/x")
_SENIORITY = ("Senior ", "Junior ", "Ervaren ", "Allround ", "Zelfstandig ", "Startend ")
_CONTRACT = (
    " - voltijds",
    " (deeltijds)",
    " - interim",
    " - vast contract",
    " (flexi-job)",
    " - tijdelijk",
    " voltijds/deeltijds",
    " - dagploeg",
    " in 2 ploegen",
    " (38u/week)",
    " - onmiddellijke indiensttreding",
    " studentenjob",
)
_SECTOR = (
    " in de bouw",
    " in de financiële sector",
    " in de zorg",
    " in de horeca",
    " in de logistiek",
    " in de voedingsindustrie",
    " voor KMO",
    " regio Gent",
    " regio Antwerpen",
    " - Kortrijk",
    " (Hasselt)",
    " - Brussel",
    " in de chemie",
    " bij de overheid",
    " in de retail",
)
_SPECIALISM = (
    " - platte daken",
    " industriële",
    " met rijbewijs C",
    " met rijbewijs B",
    " NL/FR",
    " tweetalig",
    " met ervaring",
    " - elektromechanica",
    " A1",
    " - technische dienst",
    " HVAC",
    " - nieuwbouw",
)
_FRAMES_PREFIX = ("Medewerker ", "Verantwoordelijke ", "Operator ", "Leidinggevende ", "Hoofd ")
# Belgian and English loan terms: (word in a label, posting word)
_LOANS = (
    ("technicus", "technieker"),
    ("administratief medewerker", "administratief bediende"),
    ("medewerker", "bediende"),
    ("leraar", "leerkracht"),
    ("docent", "lesgever"),
    ("schoonmaker", "poetshulp"),
    ("vrachtwagenchauffeur", "camionchauffeur"),
    ("stukadoor", "plafonneerder"),
    ("monteur", "mecanicien"),
    ("receptionist", "onthaalmedewerker"),
    ("loodgieter", "sanitair installateur"),
    ("kinderverzorger", "kinderbegeleider"),
    ("verkoper", "sales"),
    ("vertegenwoordiger", "sales representative"),
    ("ontwikkelaar", "developer"),
    ("programmeur", "developer"),
    ("projectleider", "project manager"),
    ("ingenieur", "engineer"),
    ("adviseur", "consultant"),
    ("assistent", "assistant"),
    ("coördinator", "coordinator"),
    ("teamleider", "teamleader"),
    ("klantenservice", "customer service"),
    ("chauffeur", "driver"),
    ("boekhouder", "accountant"),
    ("secretaris", "office assistant"),
    ("directeur", "director"),
    ("onderzoeker", "researcher"),
    ("magazijnmedewerker", "magazijnier"),
    ("kok", "chef"),
    ("verpleegkundige", "verpleger"),
)
_ABBREV = (
    ("medewerker", "mdw"),
    ("administratief", "admin."),
    ("administratieve", "admin."),
    ("verantwoordelijke", "verantw."),
    ("technisch", "techn."),
    ("technische", "techn."),
    ("commercieel", "comm."),
    ("assistent", "ass."),
    ("productie", "prod."),
    ("logistiek", "log."),
    ("management", "mgmt"),
)
_FEMALE_SUFFIX = (
    ("medewerker", "medewerkster"),
    ("verkoper", "verkoopster"),
    ("arbeider", "arbeidster"),
    ("leider", "leidster"),
    ("ator", "atrice"),
    ("teur", "trice"),
    ("eur", "euse"),
    ("ant", "ante"),
    ("ent", "ente"),
    ("ist", "iste"),
    ("oloog", "ologe"),
    ("ier", "ierster"),
    ("er", "ster"),
)
_COMPOUND_HEADS = (
    "medewerker",
    "operator",
    "verantwoordelijke",
    "technicus",
    "monteur",
    "bediende",
    "arbeider",
    "chauffeur",
    "manager",
    "assistent",
)


def _gender(t: str, r: random.Random) -> str:
    return t + r.choice(_GENDER)


def _female(t: str, r: random.Random) -> str:
    words = t.split()
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        for male, female in _FEMALE_SUFFIX:
            if w.endswith(male) and len(w) > len(male) + 1 or w == male:
                form = w[: len(w) - len(male)] + female
                words[i] = form if r.random() < 0.6 else f"{w}/{female[len(male) - 2 :]}"
                return " ".join(words)
    return t


def _seniority(t: str, r: random.Random) -> str:
    return r.choice(_SENIORITY) + t


def _contract(t: str, r: random.Random) -> str:
    return t + r.choice(_CONTRACT)


def _sector(t: str, r: random.Random) -> str:
    return t + r.choice(_SECTOR)


def _specialism(t: str, r: random.Random) -> str:
    s = r.choice(_SPECIALISM)
    if s == " industriële":
        return "Industriële " + t
    return t + s


def _frame(t: str, r: random.Random) -> str:
    words = t.split()
    # a compound head split off ("magazijnmedewerker" -> "medewerker magazijn") or a
    # two-word title turned round ("operator draadtrekmachine" -> "draadtrekmachine operator")
    if len(words) == 1:
        w = words[0]
        for head in _COMPOUND_HEADS:
            if w.endswith(head) and len(w) > len(head) + 2:
                return f"{head.capitalize()} {w[: -len(head)]}"
        return r.choice(_FRAMES_PREFIX) + t
    if len(words) == 2 and words[0].lower() in _COMPOUND_HEADS:
        return f"{words[1]} {words[0]}"
    if len(words) == 2 and words[1].lower() in _COMPOUND_HEADS:
        return f"{words[1].capitalize()} {words[0]}"
    return r.choice(_FRAMES_PREFIX) + t


def _loan(t: str, r: random.Random) -> str:
    low = t.lower()
    hits = [(a, b) for a, b in _LOANS if a in low]
    if not hits:
        return t
    a, b = r.choice(hits)
    i = low.index(a)
    return t[:i] + b + t[i + len(a) :]


def _typo(t: str, r: random.Random) -> str:
    words = t.split()
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return t
    i = r.choice(long)
    w = words[i]
    j = r.randrange(1, len(w) - 2)
    kind = r.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1 :]
    elif kind == 1:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    words[i] = w
    return " ".join(words)


def _abbrev(t: str, r: random.Random) -> str:
    low = t.lower()
    hits = [(a, b) for a, b in _ABBREV if re.search(rf"{a}\b", low)]
    if not hits:
        return t
    a, b = r.choice(hits)
    i = low.index(a)
    return t[:i] + b + t[i + len(a) :]


def _case(t: str, r: random.Random) -> str:
    return t.upper() if r.random() < 0.3 else " ".join(w[:1].upper() + w[1:] for w in t.split())


#: name -> (function, relative weight); weights say how often postings show each trait
TRANSFORMS = {
    "gender": (_gender, 3.0),
    "female": (_female, 1.0),
    "seniority": (_seniority, 1.0),
    "contract": (_contract, 1.5),
    "sector": (_sector, 1.5),
    "specialism": (_specialism, 1.0),
    "frame": (_frame, 1.5),
    "loan": (_loan, 1.5),
    "typo": (_typo, 0.7),
    "abbrev": (_abbrev, 0.5),
    "case": (_case, 2.0),
}
# applied in this order, so a gender marker or contract words end the title as in postings
_ORDER = (
    "loan",
    "abbrev",
    "female",
    "frame",
    "specialism",
    "typo",
    "seniority",
    "sector",
    "case",
    "contract",
    "gender",
)


def postingize(label: str, rng: random.Random, n_transforms: int | None = None) -> str:
    """One posting-style title for an ESCO label.

    Parameters
    ----------
    label : str
    rng : random.Random
    n_transforms : int or None
        How many transformations to apply (None: 1 to 3, drawn).

    Returns
    -------
    str
        Never equal to ``label`` when a transformation applies to it.

    Examples
    --------
    >>> postingize("magazijnmedewerker", random.Random(3))
    'Medewerker magazijn'
    """
    n = n_transforms if n_transforms is not None else rng.choice((1, 1, 2, 2, 2, 3))
    names = list(TRANSFORMS)
    weights = [TRANSFORMS[k][1] for k in names]
    chosen: set[str] = set()
    while len(chosen) < n:
        chosen.add(rng.choices(names, weights)[0])
    out = label
    for name in _ORDER:
        if name in chosen:
            out = TRANSFORMS[name][0](out, rng)
    if out == label:  # nothing applied (no loan word, no suffix): a marker always fits
        out = _gender(out, rng)
    return re.sub(r"\s+", " ", out).strip()


def posting_titles(labels: Sequence[str], seed: int = 0) -> list[str]:
    """One posting-style title per label, reproducibly (the label's position seeds it)."""
    return [postingize(t, random.Random(f"{seed}:{i}:{t}")) for i, t in enumerate(labels)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.titles_posting", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", default="build/titles_posting", help="folder for the CSVs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--pad-to",
        type=int,
        default=0,
        help="corpus.csv: repeat ESCO rows with a ' (m/v/x)' suffix up to this many rows "
        "(the scale of the contract's 25,000-row corpus; 0: no padding)",
    )
    p.add_argument("--n-queries", type=int, default=2000, help="rows of queries.csv")
    args = p.parse_args(argv)
    from benchmarks.titles_cv import group_rows
    from doorstroom_match.text.corpus import (
        TitleCorpus,
        esco_data_dir,
        load_esco_corpus,
        read_esco_occupations,
        read_queries_csv,
        write_corpus_csv,
        write_queries_csv,
    )

    data = esco_data_dir()
    queries, gold = read_queries_csv(data / "dev_title_queries.csv")
    dev = set(gold)
    occs = read_esco_occupations(data / "occupations.csv")
    dev_occs = [o for o in occs if o.uri in dev]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from_alt = posting_titles(queries, args.seed)
    write_queries_csv(from_alt, gold, out / "posting_from_alt.csv")
    write_queries_csv(
        posting_titles([o.preferred_label for o in dev_occs], args.seed),
        [o.uri for o in dev_occs],
        out / "posting_from_preferred.csv",
    )
    # the contract's files: the ESCO catalogue with its ISCO group rows, and posting titles
    esco = load_esco_corpus(occs)
    rows = [
        {"id": i, "uri": u, "text": t, "description": d}
        for i, u, t, d in zip(esco.ids, esco.uris, esco.texts, esco.descriptions, strict=True)
    ]
    rows += [{"id": f"isco{j}", **r} for j, r in enumerate(group_rows(data)[0])]
    base = list(rows)
    while len(rows) < args.pad_to:
        r = base[len(rows) % len(base)]
        rows.append({**r, "id": f"{r['id']}+{len(rows)}", "text": r["text"] + " (m/v/x)"})
    write_corpus_csv(TitleCorpus.from_rows(rows), out / "corpus.csv")
    pick = random.Random(args.seed).sample(range(len(queries)), min(args.n_queries, len(queries)))
    write_queries_csv([from_alt[i] for i in pick], [gold[i] for i in pick], out / "queries.csv")
    print(
        f"wrote {len(queries)} + {len(dev_occs)} posting titles, corpus.csv ({len(rows)} rows) "
        f"and queries.csv ({len(pick)}) to {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
