"""Occupations of job targets and vacancies: the anchor of the ranking.

A coach fixes a *job target* ("poetshulp", "magazijnier"); a vacancy names a job in its title.
:class:`OccupationModel` maps both to occupations of the Dutch ESCO catalogue shipped with the
package and keeps, per text, a short *distribution* over its likeliest occupations (the top
``k`` of a :class:`~doorstroom_match.text.TitleNormalizer`, turned into shares by a softmax).
Each distribution becomes a sparse vector with one block per level of the ISCO-08 tree (the
shares per occupation, summed per 4-digit unit group, 3-digit minor group and 2-digit sub-major
group, scaled by ``sqrt(a_occ)``, ``sqrt(a_4)``, ``sqrt(a_3)``, ``sqrt(a_2)``), and two texts
agree by the cosine of their vectors: 1 for the same occupation (certain, or equally uncertain),
``a_4 + a_3 + a_2`` (0.65 by default) for a sibling occupation in the same unit group,
``a_3 + a_2`` (0.4) for the same minor group, ``a_2`` (0.15) for the same sub-major group (a
truck driver and a forklift driver), 0 otherwise; uncertain guesses count in proportion to
their shares. All pairs are one
sparse matrix product (:meth:`OccupationModel.features`).

The model also *infers a cut-off* for a vacancy that states no requirements, from its
occupation's O*NET work-style importances (the official ESCO-O*NET crosswalk, shipped with the
package): the competences the job leans on most, at levels cut from the importances
(:meth:`OccupationModel.inferred_requirements`). Ranking then never prefers a vacancy because
it states nothing.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ._exceptions import ValidationError
from ._validation import check_int, check_number

__all__ = [
    "OccupationModel",
    "WORK_STYLE_MAP",
    "HIGH_SKILL_MAJORS",
    "importance_table",
    "names_manager",
]

#: ISCO-08 major groups of managers (1) and professionals (2): not suggested to a worker whose
#: job target lies elsewhere.
HIGH_SKILL_MAJORS = frozenset({"1", "2"})

#: Competence id -> the O*NET work styles whose mean importance grounds its requirement.
WORK_STYLE_MAP: Mapping[str, tuple[str, ...]] = {
    "samenwerken": ("Cooperation",),
    "zelfstandigheid": ("Independence",),
    "initiatief": ("Initiative",),
    "flexibiliteit": ("Adaptability/Flexibility",),
    "leervermogen": ("Analytical Thinking", "Innovation"),
    "motivatie": ("Achievement/Effort", "Persistence"),
    "nauwkeurigheid": ("Attention to Detail",),
    "discipline": ("Dependability", "Integrity"),
    "gezag_aanvaarden": ("Self-Control", "Cooperation"),
    "stressbestendigheid": ("Stress Tolerance",),
    "conflicthantering": ("Self-Control",),
    "voorkomen": ("Social Orientation",),
    "fysieke_mogelijkheden": (),
    "lezen_schrijven_rekenen": ("Analytical Thinking", "Attention to Detail"),
    "communicatie": ("Social Orientation", "Concern for Others"),
    "taalkennis_nederlands": ("Social Orientation",),
    "werkorganisatie": ("Independence", "Achievement/Effort"),
    "verantwoordelijkheid": ("Dependability", "Integrity"),
    "houding": ("Integrity", "Cooperation"),
    "werktempo": ("Achievement/Effort", "Persistence"),
    "stiptheid": ("Dependability",),
    "assertiviteit": ("Leadership",),
    "klantvriendelijkheid": ("Concern for Others", "Social Orientation"),
}
# Importance (1..5) of physical fitness by ISCO major group: no O*NET work style covers it.
PHYSICAL_BY_MAJOR: Mapping[str, float] = {
    "0": 4.5, "1": 2.0, "2": 2.0, "3": 2.5, "4": 2.2,
    "5": 3.4, "6": 4.2, "7": 4.0, "8": 3.7, "9": 4.3,
}  # fmt: skip
# Competences whose weight depends on the skill level of the job more than on its attitudes.
_ISCO_SHIFT = {
    "lezen_schrijven_rekenen": {"1": 0.5, "2": 0.6, "3": 0.4, "4": 0.5, "8": -0.2, "9": -0.5},
    "taalkennis_nederlands": {
        "1": 0.5, "2": 0.6, "3": 0.3, "4": 0.6, "5": 0.3, "8": -0.3, "9": -0.4,
    },
}  # fmt: skip
_MATCH_RANK = {"exactMatch": 0, "closeMatch": 1, "narrowMatch": 2, "broadMatch": 3, "exactISCO": 4}
# importance -> minimum level: < 3.4 -> 1, < 4.0 -> 2, < 4.6 -> 3, else 4 (the generator's cuts)
_IMPORTANCE_CUTS = np.array([3.4, 4.0, 4.6], dtype=np.float32)
_INFER_SHARE = 0.4  # share of the competences an inferred cut-off requires
# The "fast" normaliser's row_penalty (TitleNormalizer's default 0.2 was chosen for the full
# normaliser's fused score, whose dense and description terms make it larger). Without them
# the same penalty weighs twice as much, and an occupation whose other labels the catalogue
# holds, the product's common case, loses to one known by its preferred label only. Nested
# 5-fold CV by occupation (``python -m benchmarks.titles_cv --methods fast --row-penalty P``),
# acc@1 held-out labels / known labels / held-out postings / known postings: 0.2 gives
# 0.410 / 0.394 / 0.474 / 0.405, 0.1 gives 0.397 / 0.536 / 0.461 / 0.575, 0.05 gives
# 0.375 / 0.597 / 0.442 / 0.652; the plausibility week (``benchmarks.flow``, seeds 7-9)
# family@10 0.59-0.68 at 0.2, 0.68-0.76 at 0.1. 0.1 takes most of the gain for 0.013 held-out;
# with the word substitutions on as well (titles.TFIDF_WEIGHTS) the fast normaliser gains in
# all four settings: 0.423 / 0.563 / 0.481 / 0.581.
FAST_ROW_PENALTY = 0.1
# The fast normaliser's setting words (TitleNormalizer's ``setting_words``): "kok in een
# restaurant" also scored as "kok", so "restaurant" does not read it as restaurantmanager.
# 2-fold CV by occupation (``benchmarks.titles_cv --methods fast --row-penalty 0.1``), acc@1
# held-out labels / known / held-out postings / known postings: 0.4530 / 0.5923 / 0.5116 /
# 0.6129 without, 0.4525 / 0.5906 / 0.5116 / 0.6164 with (the dev titles hold few settings);
# coach-typed targets: ``models/README.md``, "The ranking's fast normaliser".
FAST_SETTING_WORDS = ("in", "bij")
# the normaliser adds a bonus of 10 to a row equal to the normalised title (an exact label)
_EXACT_SCORE = 5.0

#: How a job target names a managerial role, on its normalised words (``normalise_title``:
#: lower case, no accents, most female forms made male, some compounds split): a word ending in
#: one of these ("winkelmanager", "afdelingshoofd", "bedrijfsleider", "filiaalverantwoordelijke")
#: or starting with one of :data:`MANAGER_WORD_STARTS` ("hoofdverpleegkundige", "chefkok"),
#: never one ending in :data:`_NOT_MANAGER_WORDS` ("begeleider" ends in "leider"). Drafted
#: from the words of the catalogue's ISCO 1 labels (``manager``, ``hoofd``, ``directeur``,
#: ``verantwoordelijke``, ``bedrijfsleider``, ``coordinator``, ``chef``: each 4-25% of them,
#: under 1% of the ISCO 3-9 labels) and the Flemish ones (``zaakvoerder``, ``uitbater``,
#: ``gerant``); not "bestuurder" (a driver in Dutch) nor "beheerder" (a documentbeheerder is a
#: clerk: the plausibility week read such targets as managers with it). 81% of the dev alternative
#: labels of ISCO 1 occupations name their role so, 6% of those of ISCO 2, 0-16% of ISCO 3-9.
MANAGER_WORD_ENDINGS = (
    "manager", "directeur", "director", "directie", "directrice", "hoofd", "leider", "leidster",
    "leader", "lead", "head", "leidinggevende", "verantwoordelijke", "coordinator",
    "coordinatrice", "chef", "baas", "gerant", "gerante",
    "supervisor", "voorzitter", "voorzitster", "eigenaar", "eigenares", "uitbater",
    "uitbaatster", "zaakvoerder", "zaakvoerster", "ondernemer", "onderneemster", "winkelier",
    "winkelierster",
)  # fmt: skip
MANAGER_WORD_STARTS = ("hoofd", "chef", "manag", "direct")
_NOT_MANAGER_WORDS = ("begeleider", "begeleidster")

#: A text that names jobs as alternatives: "bakker of callcentermedewerker".
_OR = re.compile(r"\s+of\s+", re.IGNORECASE)

#: At most this many alternatives in one text; more is a sentence, not a list of jobs.
_MAX_ALTERNATIVES = 3

#: Part of the fingerprint: how texts that name alternatives are guessed (stored guesses of an
#: older rule are not reused).
_ALTERNATIVES_RULE = "alternatives-v1"


def _alternatives(key: str) -> list[str]:
    """The jobs a text names as alternatives ("magazijnier of chauffeur": two), or [].

    Not split: a single part, more than :data:`_MAX_ALTERNATIVES`, an elided compound
    ("kunststof- of rubberindustrie") and an "of" inside parentheses ("slijper metaal
    (machinaal zagen of steken)").
    """
    parts = _OR.split(key)
    if not 2 <= len(parts) <= _MAX_ALTERNATIVES:
        return []
    for part in parts:
        if not part or part.endswith("-") or part.startswith("-"):
            return []
        if part.count("(") != part.count(")"):
            return []
    return parts


def names_manager(text: Any) -> bool:
    """Whether a job target names a managerial role (see :data:`MANAGER_WORD_ENDINGS`); a
    text that is not a string is read as :meth:`OccupationModel.guess` reads it (``str``).

    Examples
    --------
    >>> names_manager("Verantwoordelijke magazijn"), names_manager("Filiaalleidster")
    (True, True)
    >>> names_manager("vakkenvuller supermarkt"), names_manager("begeleider"), names_manager(None)
    (False, False, False)
    """
    from .text.normalise import normalise_title

    for word in re.findall(r"[a-z]+", normalise_title("" if text is None else str(text))):
        if word.endswith(_NOT_MANAGER_WORDS):
            continue
        if word.endswith(MANAGER_WORD_ENDINGS) or word.startswith(MANAGER_WORD_STARTS):
            return True
    return False


def _package_version() -> str:
    from . import __version__

    return str(__version__)


def _normalizer_params(name: Any, tn: Any) -> tuple:
    """The parameters of a fitted normaliser that decide its guesses, as plain values."""

    def describe(v: Any) -> str | None:
        if v is None or isinstance(v, str | os.PathLike):
            return None if v is None else str(v)
        fp = getattr(v, "fingerprint", None)  # an encoder's (its weights and settings)
        return fp if isinstance(fp, str) else type(v).__name__

    keys = ("row_penalty", "group_penalty", "variant_candidates", "setting_words", "drop_filler")
    # what was fitted, by content: a name such as "auto" stays the same when the package
    # ships another substitution table or re-ranker, or another catalogue
    fitted = hashlib.sha256()
    subs = getattr(tn, "substitutions_", None)
    if subs is not None:
        fitted.update(repr((sorted(subs.table.items()), subs.max_variants)).encode())
    lex = getattr(tn, "lexicon_", None)
    if lex is not None:
        fitted.update(f"lexicon {lex.fingerprint()}".encode())
    booster = getattr(getattr(tn, "reranker_", None), "booster_", None)
    if booster is not None:
        fitted.update(booster.model_to_string().encode())
    for name in ("labels_", "isco_groups_"):
        fitted.update(repr(list(getattr(tn, name, ()))).encode())
    rows = getattr(tn, "_rows_char_by_row", None)  # the corpus rows as the char signal sees them
    if rows is not None:
        for part in (rows.indptr, rows.indices, rows.data):
            fitted.update(part.tobytes())
    # the weights as fitted (``weights=None`` resolves to a table of the module, which can change)
    weights = getattr(tn, "weights_", getattr(tn, "weights", None))
    return (
        name if isinstance(name, str) else "given",
        ("weights", repr(weights)),
        *((k, repr(getattr(tn, k, None))) for k in keys),
        *((k, describe(getattr(tn, k, None))) for k in ("model", "reranker", "substitutions")),
        ("query_encoder", describe(getattr(tn, "query_encoder", None))),
        ("fitted", fitted.hexdigest()),
    )


class OccupationModel:
    """Job titles to occupation distributions, affinities and inferred cut-offs.

    Parameters
    ----------
    normalizer : "fast", "full" or fitted TitleNormalizer, default="fast"
        ``"fast"``: character n-gram TF-IDF with word substitutions, ``row_penalty``
        :data:`FAST_ROW_PENALTY` (2,000-3,000 feed titles per CPU second; see ``models/README.md``
        for how it compares with the full model);
        ``"full"``: the default :class:`~doorstroom_match.text.TitleNormalizer` with the dense
        title adapter and re-ranker (needs the ``embeddings`` extra; ~10x slower); or a
        normaliser already fitted on any catalogue.
    k : int, default=5
        Occupations kept per text.
    temperature : float, default=0.05
        Softmax temperature over the fused scores of the ``k`` candidates (an exact label
        match is certain).
    weights : (float, float, float, float), default=(0.35, 0.25, 0.25, 0.15)
        ``(a_occ, a_4, a_3, a_2)`` of the affinity (see the module docstring).
    min_score : float, default=0.25
        A text whose best candidate scores below this (the normaliser's fused score; a cosine
        of character n-grams for ``"fast"``) gets no occupation: "qqq" or "job" is unknown,
        not a wild guess.
    catalogue : path, optional
        An ESCO ``occupations.csv``; default the catalogue shipped with the package.
    target_high_skill_penalty : float, default=0.1
        The prior of :meth:`guess_targets`: a manager's or professional's occupation (ISCO
        1-2) among a job target's guesses counts as if it scored this much lower (its share
        times ``exp(-penalty / temperature)``, then the shares sum to 1 again); 0 turns it off.
    target_manager_penalty : float, default=0.2
        The prior's second part, for managers (ISCO 1): a manager's occupation among the
        guesses of a job target that names no managerial role (:func:`names_manager`) counts
        as if it scored this much lower on top of ``target_high_skill_penalty``; for a
        target that names one ("verantwoordelijke magazijn"), it gets no penalty at all.
        0 turns this part off (ISCO 1 is then treated as ISCO 2).

    Examples
    --------
    >>> m = OccupationModel().fit()                                  # doctest: +SKIP
    >>> m.affinity(["poetshulp"], ["Schoonmaker (m/v/x)"])           # doctest: +SKIP
    """

    def __init__(
        self,
        normalizer: Any = "fast",
        *,
        k: int = 5,
        temperature: float = 0.05,
        weights: tuple[float, ...] = (0.35, 0.25, 0.25, 0.15),
        min_score: float = 0.25,
        catalogue: Any = None,
        target_high_skill_penalty: float = 0.1,
        target_manager_penalty: float = 0.2,
    ) -> None:
        self.normalizer = normalizer
        self.target_high_skill_penalty = target_high_skill_penalty
        self.target_manager_penalty = target_manager_penalty
        self.k = k
        self.temperature = temperature
        self.weights = weights
        self.min_score = min_score
        self.catalogue = catalogue

    # ------------------------------------------------------------------------------ fit
    def fit(self, corpus: Any = None) -> OccupationModel:
        """Fit (or adopt) the normaliser on the catalogue.

        Parameters
        ----------
        corpus : TitleCorpus, optional
            Rows to fit on; default the ESCO catalogue (preferred and alternative labels).

        Returns
        -------
        self
        """
        from .text.corpus import esco_isco_group, load_esco_corpus
        from .text.titles import TitleNormalizer

        if int(self.k) < 1:
            raise ValidationError(f"k must be >= 1, got {self.k!r}")
        check_number(self.temperature, "temperature", low=1e-6)
        if len(self.weights) != 4:
            raise ValidationError(f"weights must be (a_occ, a_4, a_3, a_2), got {self.weights!r}")
        for w in self.weights:
            check_number(w, "weights", low=0.0)
        check_number(self.target_high_skill_penalty, "target_high_skill_penalty", low=0.0)
        check_number(self.target_manager_penalty, "target_manager_penalty", low=0.0)
        tn = self.normalizer
        if isinstance(tn, str):
            if tn not in ("fast", "full"):
                raise ValidationError(
                    f"normalizer must be 'fast', 'full' or a fitted TitleNormalizer, got {tn!r}"
                )
            if corpus is None:
                corpus = load_esco_corpus(self.catalogue)
            # one thread unless guess() asks for more (the weekly batch passes its --jobs)
            tn = (
                TitleNormalizer(
                    model=None,
                    reranker=None,
                    row_penalty=FAST_ROW_PENALTY,
                    n_jobs=1,
                    setting_words=FAST_SETTING_WORDS,
                    # posting filler ("Ervaren lasser - voltijds" is a lasser): 2-fold CV
                    # known / held-out postings +0.012 / +0.002 acc@1, labels unchanged
                    # (models/README.md, "be_title_words.csv")
                    drop_filler=True,
                )
                if tn == "fast"
                else TitleNormalizer(n_jobs=1)
            ).fit(corpus)
        elif not hasattr(tn, "uris_"):
            raise ValidationError("normalizer must be 'fast', 'full' or a fitted TitleNormalizer")
        self.normalizer_ = tn
        self.uris_ = np.asarray(tn.uris_, dtype=object)
        self.uri_index_ = {u: i for i, u in enumerate(self.uris_)}
        groups = [
            str(g or esco_isco_group(u) or "")
            for u, g in zip(tn.uris_, tn.isco_groups_, strict=True)
        ]
        self.isco_ = np.asarray(groups, dtype=object)
        self._high_skill = np.array([g[:1] in HIGH_SKILL_MAJORS for g in groups], dtype=bool)
        self._manager = np.array([g[:1] == "1" for g in groups], dtype=bool)
        g4 = sorted({g[:4] for g in groups if len(g) >= 4})
        g3 = sorted({g[:3] for g in groups if len(g) >= 3})
        g2 = sorted({g[:2] for g in groups if len(g) >= 2})
        n_occ = len(groups)
        i4 = {g: n_occ + i for i, g in enumerate(g4)}
        i3 = {g: n_occ + len(g4) + i for i, g in enumerate(g3)}
        i2 = {g: n_occ + len(g4) + len(g3) + i for i, g in enumerate(g2)}
        self._col4 = np.array([i4.get(g[:4], -1) for g in groups], dtype=np.int64)
        self._col3 = np.array([i3.get(g[:3], -1) for g in groups], dtype=np.int64)
        self._col2 = np.array([i2.get(g[:2], -1) for g in groups], dtype=np.int64)
        self.n_features_ = n_occ + len(g4) + len(g3) + len(g2)
        self._memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._names_manager: dict[str | None, bool] = {}
        self._required: dict[tuple[int, frozenset], dict[str, int]] = {}
        self._importance = None
        fp = hashlib.sha256()
        fp.update(
            repr(
                (type(tn).__name__, len(tn.uris_), self.k, self.temperature, self.min_score)
            ).encode()
        )
        # what decides the guesses (stored guesses are keyed by this fingerprint): which
        # normaliser, its scoring parameters and models
        fp.update(repr(_normalizer_params(self.normalizer, tn)).encode())
        fp.update(_ALTERNATIVES_RULE.encode())
        fp.update(_package_version().encode())  # the rules of the code that guesses
        fp.update("\n".join(map(str, self.uris_[:50])).encode())
        self.fingerprint_ = fp.hexdigest()[:16]
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "normalizer_"):
            from ._exceptions import NotFittedError

            raise NotFittedError("this OccupationModel is not fitted yet; call fit() first")

    # -------------------------------------------------------------------------- guesses
    def guess(self, texts: Sequence[str | None], n_jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The likeliest occupations of each text, with their shares.

        Parameters
        ----------
        texts : sequence of str or None
            Job targets or vacancy titles; ``None`` or blank gives no occupation.
        n_jobs : int, default=1
            Threads on which the normaliser scores the texts not guessed before
            (:meth:`~doorstroom_match.text.TitleNormalizer.predict_topk`); the result is
            the same for any ``n_jobs``.

        Returns
        -------
        index : ndarray of shape (n_texts, k), int64
            Into :attr:`uris_`, best first; ``-1`` pads rows with fewer (or no) guesses.
        share : ndarray of shape (n_texts, k), float32
            Non-negative, summing to 1 over a row's guesses (0 where padded).

        Notes
        -----
        A text that names two or three jobs as alternatives ("bakker of
        callcentermedewerker", as coaches write a job target with two directions) gets the
        mean of its alternatives' guesses (the ``k`` largest shares, summing to 1 again), so
        each direction counts, instead of the guess of the whole phrase, which follows one
        of them or neither (here "manager callcenter"). Only when the whole text is no label
        of the catalogue (an exact match stays certain: "ploegbaas kunststof of rubber") and
        every alternative alone is recognised (scores at least ``min_score``).
        """
        self._check_fitted()
        k = int(self.k)
        keys = [("" if t is None else " ".join(str(t).split())) for t in texts]
        todo = sorted({key for key in keys if key and key not in self._memo})
        n_jobs = check_int(n_jobs, "n_jobs", low=1)
        if todo:
            alternatives = {key: _alternatives(key) for key in todo}
            # the alternatives scored in the same call as the texts (each text scores alone,
            # so the results do not depend on what else is in the call)
            texts_in = todo + sorted(
                {a for parts in alternatives.values() for a in parts} - set(todo)
            )
            scores, idx = self.normalizer_.predict_topk(texts_in, k, n_jobs=n_jobs)
            share = _softmax(scores, float(self.temperature), exact=scores >= _EXACT_SCORE)
            # rounded as the weekly store keeps them, so a stored guess scores exactly as a
            # fresh one (byte-identical outputs whether or not a title was seen before)
            share = np.round(share, 6).astype(np.float32)
            row = {key: i for i, key in enumerate(texts_in)}
            for i, key in enumerate(todo):
                parts = [row[a] for a in alternatives[key]]
                if (
                    parts
                    and scores[i, 0] < _EXACT_SCORE
                    and min(scores[j, 0] for j in parts) >= self.min_score
                ):
                    self._memo[key] = _mean_guess([(idx[j], share[j]) for j in parts], k)
                elif scores[i, 0] < self.min_score:
                    self._memo[key] = (np.empty(0, np.int64), np.empty(0, np.float32))
                else:
                    self._memo[key] = (idx[i].astype(np.int64), share[i].astype(np.float32))
        out_i = np.full((len(keys), k), -1, dtype=np.int64)
        out_p = np.zeros((len(keys), k), dtype=np.float32)
        for r, key in enumerate(keys):
            hit = self._memo.get(key)
            if hit is not None:
                n = len(hit[0])
                out_i[r, :n], out_p[r, :n] = hit
        return out_i, out_p

    def guess_targets(
        self, texts: Sequence[str | None], n_jobs: int = 1
    ) -> tuple[np.ndarray, np.ndarray]:
        """The likeliest occupations of workers' job targets: :meth:`guess` with a prior.

        Few workers who move on from the social economy aim at a manager's or professional's
        job (ISCO 1-2), and a job target that only resembles such a label is most often the
        worker's own job ("rayonmedewerker" reads like "rayonmanager detailhandel" before
        "verkoopmedewerker"; "medewerker kringwinkel" like "manager kledingwinkel"). So the
        share of each guess is multiplied by ``exp(-penalty / temperature)``, as if it scored
        ``penalty`` lower, the guesses are ordered again and their shares sum to 1 again,
        where ``penalty`` is

        - ``target_high_skill_penalty`` for a professional's occupation (ISCO 2);
        - for a manager's (ISCO 1): ``target_high_skill_penalty + target_manager_penalty``
          when the target names no managerial role (:func:`names_manager`: "vakkenvuller
          supermarkt" is not a supermarktmanager), 0 when it names one ("verantwoordelijke
          magazijn" is a magazijnchef);
        - 0 for any other.

        An exact label stays certain ("manager callcenter" typed as such is a manager's
        target), and a target whose guesses all get the same penalty keeps them in the same
        order. Vacancy titles get no prior (:meth:`guess`): feeds hold such jobs as they are.

        Returns
        -------
        index, share : ndarray of shape (n_texts, k)
            As :meth:`guess`.
        """
        index, share = self.guess(texts, n_jobs=n_jobs)
        pen = float(self.target_high_skill_penalty)
        mgr = float(self.target_manager_penalty)
        if (pen == 0.0 and mgr == 0.0) or not index.size:
            return index, share
        safe = np.maximum(index, 0)
        is_high = (index >= 0) & self._high_skill[safe]
        penalty = np.where(is_high, pen, 0.0)
        if mgr != 0.0:
            is_manager = (index >= 0) & self._manager[safe]
            seen = self._names_manager  # the ranking asks again for every block of workers
            named = np.array(
                [seen[t] if t in seen else seen.setdefault(t, names_manager(t)) for t in texts],
                dtype=bool,
            )[:, None]
            penalty = np.where(is_manager, np.where(named, 0.0, pen + mgr), penalty)
        w = share.astype(np.float64) * np.exp(-penalty / self.temperature)
        order = np.argsort(-w, axis=1, kind="stable")  # ties (and padding) keep their order
        w = np.take_along_axis(w, order, axis=1)
        total = w.sum(axis=1, keepdims=True)
        w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        # rounded as guess() rounds (and -1 padding stays last: its weight is 0)
        return np.take_along_axis(index, order, axis=1), np.round(w, 6).astype(np.float32)

    def remember(self, texts: Sequence[str], index: np.ndarray, share: np.ndarray) -> None:
        """Take guesses computed earlier (e.g. kept in the weekly store) for these texts."""
        self._check_fitted()
        for t, i, p in zip(texts, index, share, strict=True):
            key = " ".join(str(t).split())
            if key:
                self._memo[key] = (np.asarray(i, np.int64), np.asarray(p, np.float32))

    def known(self, uris: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """Guesses for given occupation uris: certain where the uri is in the catalogue.

        Returns arrays as :meth:`guess`; unknown uris give an empty row.
        """
        self._check_fitted()
        out_i = np.full((len(uris), int(self.k)), -1, dtype=np.int64)
        out_p = np.zeros((len(uris), int(self.k)), dtype=np.float32)
        for r, u in enumerate(uris):
            j = self.uri_index_.get(u) if u else None
            if j is not None:
                out_i[r, 0], out_p[r, 0] = j, 1.0
        return out_i, out_p

    def top(self, index: np.ndarray) -> list[str | None]:
        """The best guess's uri per row (``None`` for an empty row)."""
        return [None if i < 0 else str(self.uris_[i]) for i in np.asarray(index)[:, 0]]

    def isco(self, index: np.ndarray) -> np.ndarray:
        """ISCO-08 code of the best guess per row, ``""`` for an empty row; shape (n,)."""
        first = np.asarray(index)[:, 0]
        return np.where(first >= 0, self.isco_[np.maximum(first, 0)], "").astype(object)

    def isco_group(self, uri: str) -> str | None:
        j = self.uri_index_.get(uri)
        return None if j is None else (self.isco_[j] or None)

    # ------------------------------------------------------------------------ affinity
    def features(self, index: np.ndarray, share: np.ndarray) -> Any:
        """Sparse rows whose inner products are the affinities (see the module docstring).

        Parameters
        ----------
        index, share : ndarray of shape (n, k)
            As returned by :meth:`guess` / :meth:`known`.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (n, n_features_), float32
        """
        import scipy.sparse as sp  # here: importing it changes warning filters

        self._check_fitted()
        index = np.asarray(index)
        share = np.asarray(share, dtype=np.float32)
        n, k = index.shape
        a_occ, a4, a3, a2 = (math.sqrt(float(w)) for w in self.weights)
        ok = index >= 0
        safe = np.where(ok, index, 0)
        rows = np.repeat(np.arange(n), k).reshape(n, k)
        parts = [(safe, a_occ * share, ok)]
        for cols_of, a in ((self._col4, a4), (self._col3, a3), (self._col2, a2)):
            c = cols_of[safe]
            parts.append((c, a * share, ok & (c >= 0)))
        r = np.concatenate([rows[m] for _, _, m in parts])
        c = np.concatenate([cc[m] for cc, _, m in parts])
        v = np.concatenate([vv[m] for _, vv, m in parts]).astype(np.float32)
        # duplicates (two guesses in one ISCO group) are summed by the constructor
        f = sp.csr_matrix((v, (r, c)), shape=(n, self.n_features_), dtype=np.float32)
        # unit rows: the affinity is a cosine, 1 for the same certain (or equally uncertain)
        # occupation, a_4 + a_3 + a_2 for a certain sibling, a_3 + a_2 for the same minor
        # group, a_2 for the same sub-major group
        norm = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
        return sp.diags(np.where(norm > 0, 1.0 / np.maximum(norm, 1e-12), 0.0)).dot(f).tocsr()

    def affinity(self, a_texts: Sequence[str], b_texts: Sequence[str]) -> np.ndarray:
        """Affinity of every text of ``a_texts`` with every text of ``b_texts``.

        Returns
        -------
        ndarray of shape (len(a_texts), len(b_texts)), float32, in [0, 1]
        """
        fa = self.features(*self.guess(a_texts))
        fb = self.features(*self.guess(b_texts))
        return np.asarray((fa @ fb.T).todense(), dtype=np.float32)

    # ------------------------------------------------------------------ requirements
    def _importances(self, competence_ids: tuple[str, ...]) -> np.ndarray:
        """The importance table of ``competence_ids``, shape (n_occupations, n_ids); its
        column means and standard deviations are kept beside it (:meth:`inferred_requirements`
        asks for them once per occupation, and they cost a pass over the whole table)."""
        if self._importance is not None and self._importance[0] == competence_ids:
            return self._importance[1]
        imp = _importance_table(list(self.uris_), list(self.isco_), competence_ids)
        self._importance = (competence_ids, imp, imp.mean(axis=0), imp.std(axis=0) + 1e-6)
        self._required = {}
        return imp

    def inferred_requirements(
        self, index: int, competence_ids: Sequence[str], core: Iterable[str] = ()
    ) -> dict[str, int]:
        """A cut-off inferred from occupation ``index``'s O*NET work-style importances.

        The ``40%`` (at least three) of ``competence_ids`` the occupation leans on most
        *relative to other occupations* (its standard score over the catalogue; a core
        competence counts half a standard deviation more, so core competences come first on
        ties; other ties go to the earlier of ``competence_ids``), each at the level its
        importance maps to (``< 4.0`` matig, ``< 4.6`` goed,
        else zeer goed); one whose importance is below 3.4 (onvoldoende) is left out. May be
        empty.

        Parameters
        ----------
        index : int
            Into :attr:`uris_`.
        competence_ids : sequence of str
        core : iterable of str
            Core competences (get a small bonus in the choice).

        Returns
        -------
        dict of str to int
        """
        self._check_fitted()
        ids = tuple(competence_ids)
        imp = self._importances(ids)
        core_set = frozenset(core)
        # keyed by the core too: the same occupation with another core may choose otherwise
        key = (int(index), core_set)
        hit = self._required.get(key)
        if hit is not None:
            return hit
        mean, sd = self._importance[2], self._importance[3]
        z = (imp[index] - mean) / sd + np.array([0.5 if c in core_set else 0.0 for c in ids])
        n_req = max(3, round(_INFER_SHARE * len(ids)))
        chosen = np.argsort(-z, kind="stable")[:n_req]
        # side="right": an importance equal to a cut is the higher level (4.0 is goed)
        levels = np.searchsorted(_IMPORTANCE_CUTS, imp[index], side="right") + 1
        # a minimum of "onvoldoende" asks nothing of a rated worker: left out, so an inferred
        # cut-off never fails someone only for a competence the job hardly leans on
        out = {ids[j]: int(levels[j]) for j in sorted(chosen) if levels[j] >= 2}
        self._required[key] = out
        return out

    def physical_demand(self, index: int) -> float:
        """Importance (1..5) of physical fitness for occupation ``index`` (by ISCO major)."""
        g = self.isco_[index] if index >= 0 else ""
        return float(PHYSICAL_BY_MAJOR.get(g[:1], 3.0)) if g else 3.0


def _mean_guess(
    guesses: Sequence[tuple[np.ndarray, np.ndarray]], k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest shares of the mean of several guesses, summing to 1 (rounded as
    :meth:`OccupationModel.guess` rounds); equal shares keep the order of the guesses.

    Parameters
    ----------
    guesses : sequence of (index, share), each of shape (k,)

    Returns
    -------
    index : ndarray of shape (k',), int64
    share : ndarray of shape (k',), float32
        ``k' <= k``.
    """
    total: dict[int, float] = {}
    for index, share in guesses:
        for j, p in zip(index.tolist(), share.tolist(), strict=True):
            total[j] = total.get(j, 0.0) + p / len(guesses)
    best = sorted(total, key=lambda j: -total[j])[:k]  # stable: ties in the guesses' order
    vals = np.array([total[j] for j in best], dtype=np.float64)
    vals /= vals.sum()
    return np.array(best, dtype=np.int64), np.round(vals, 6).astype(np.float32)


def _softmax(scores: np.ndarray, temperature: float, exact: np.ndarray) -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64) / temperature
    s = s - s.max(axis=1, keepdims=True)
    e = np.exp(s)
    p = e / e.sum(axis=1, keepdims=True)
    ex = exact.any(axis=1)
    if ex.any():  # an exact label is certain: all of the share on the exact row(s)
        p[ex] = exact[ex] / exact[ex].sum(axis=1, keepdims=True)
    return p.astype(np.float32)


def _read_gz_csv(name: str, delimiter: str = ",") -> list[dict[str, str]]:
    from .resources import open_resource

    with open_resource(name) as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _importance_table(
    uris: list[str], isco: list[str], competence_ids: tuple[str, ...]
) -> np.ndarray:
    """O*NET work-style importance (1..5) per occupation and competence, shape (n_occ, C)."""
    return importance_table(uris, isco, competence_ids)[0]


def _mean(values: list[float]) -> float:
    """``np.mean(values)`` of a few floats, without building an array: numpy adds fewer than
    eight values one after the other, as ``sum`` does (the same bits; tested)."""
    if len(values) >= 8:
        return float(np.mean(values))
    return sum(values) / len(values)


def importance_table(
    uris: Sequence[str],
    isco: Sequence[str],
    competence_ids: tuple[str, ...],
    work_styles: Iterable[Mapping[str, str]] | None = None,
    crosswalk: Iterable[Mapping[str, str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """How much each occupation leans on each competence, from O*NET work styles.

    An ESCO occupation takes the mean work-style importances of its best O*NET matches in the
    official crosswalk (exact, then close, then narrow, then broad matches; a detailed O*NET
    code without work styles takes those of its base code ``.00``); one without a match
    takes the mean profile of the occupations sharing the longest ISCO prefix. Physical fitness
    comes from the ISCO major group, literacy and Dutch shift with it.

    Parameters
    ----------
    uris, isco : sequence of str, length n_occupations
    competence_ids : tuple of str, length C
    work_styles, crosswalk : iterables of row mappings, optional
        ``work_styles.tsv`` and ``esco_onet_crosswalk.csv`` rows; default the copies shipped
        with the package.

    Returns
    -------
    importance : ndarray of shape (n_occupations, C), float32, in [1, 5]
    from_crosswalk : ndarray of shape (n_occupations,), bool
    """
    if work_styles is None:
        work_styles = _read_gz_csv("onet_work_styles", delimiter="\t")
    if crosswalk is None:
        crosswalk = _read_gz_csv("onet_crosswalk")
    styles: dict[str, dict[str, float]] = defaultdict(dict)
    for row in work_styles:
        styles[row["O*NET-SOC Code"]][row["Element Name"]] = float(row["Data Value"])
    best: dict[str, tuple[int, list[str]]] = {}
    for row in crosswalk:
        code = row["onet_code"]
        if code not in styles:
            code = code[:7] + ".00"  # a detailed code (11-1011.03): its base occupation
            if code not in styles:
                continue
        rank = _MATCH_RANK.get(row["match_type"], 9)
        have = best.get(row["esco_uri"])
        if have is None or rank < have[0]:
            best[row["esco_uri"]] = (rank, [code])
        elif rank == have[0]:
            have[1].append(code)
    n, c = len(uris), len(competence_ids)
    imp = np.full((n, c), np.nan)
    found = np.zeros(n, dtype=bool)
    mapped = [
        (j, names) for j, cid in enumerate(competence_ids) if (names := WORK_STYLE_MAP.get(cid))
    ]
    for i, u in enumerate(uris):
        hit = best.get(u)
        if hit is None:
            continue
        found[i] = True
        rows = [styles[code] for code in hit[1]]
        for j, names in mapped:
            imp[i, j] = _mean([r[s] for r in rows for s in names])
    # occupations without a crosswalk: the mean profile of those sharing the longest ISCO prefix
    sums: dict[str, list] = {}
    known = np.nan_to_num(imp)
    for i in np.flatnonzero(found):
        for k in range(0, 5):
            acc = sums.setdefault(isco[i][:k], [np.zeros(c), 0])
            acc[0] += known[i]
            acc[1] += 1
    for i in np.flatnonzero(~found):
        for k in (4, 3, 2, 1, 0):
            acc = sums.get(isco[i][:k])
            if acc is not None:
                imp[i] = acc[0] / acc[1]
                break
    major = [g[:1] for g in isco]
    for j, cid in enumerate(competence_ids):
        if cid == "fysieke_mogelijkheden":
            imp[:, j] = [PHYSICAL_BY_MAJOR.get(m, 3.0) for m in major]
        elif cid in _ISCO_SHIFT:
            imp[:, j] += [_ISCO_SHIFT[cid].get(m, 0.0) for m in major]
        elif cid not in WORK_STYLE_MAP:
            imp[:, j] = 3.5  # a competence of a custom dictionary: middling importance
    return np.clip(np.nan_to_num(imp, nan=3.5), 1.0, 5.0).astype(np.float32), found
