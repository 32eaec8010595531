"""Occupation anchoring, from the documented rules (``occupations.py`` module and method
docstrings), on a hand-built catalogue so that every value can be worked out by hand.

- ``guess``: the top ``k`` occupations of a text, their shares a softmax of the normaliser's
  scores at ``temperature`` (an exact label, score >= 5, is certain: all of the share on the
  exact rows), rounded to 6 decimals; a text whose best score is below ``min_score`` (or a
  blank text) gets no occupation; rows padded with ``-1`` / 0; texts that differ only in
  whitespace are one text, and a text already guessed (or remembered) is not asked again.
- ``guess`` of a text naming two or three jobs ("X of Y"): the mean of the alternatives'
  guesses, its ``k`` largest shares (ties in the alternatives' order) summing to 1 again;
  not when the whole text is an exact label, when an alternative scores below
  ``min_score``, nor for an elided compound ("kunststof- of rubber"), an "of" inside
  parentheses or more than three parts.
- ``guess_targets``: ``guess`` with each guess's share times ``exp(-penalty / temperature)``,
  ordered again (stable) and summing to 1 again, rounded to 6 decimals, where ``penalty`` is
  ``target_high_skill_penalty`` for ISCO 2; for ISCO 1 ``target_high_skill_penalty +
  target_manager_penalty`` when the text names no managerial role (``names_manager``: a
  normalised word ending in a manager word or starting with one of its starts, never
  "begeleider"), 0 when it names one; 0 for any other group. An exact label stays certain,
  guesses that all get the same penalty keep their order, penalties of 0 are ``guess``.
- ``known``: a catalogue uri is certain; any other uri gives an empty row.
- ``features`` / ``affinity``: the cosine of vectors with one block per level of the ISCO-08
  tree (shares per occupation, summed per 4-, 3- and 2-digit group, scaled by the square
  roots of the weights): 1 for the same occupation, ``a_4 + a_3 + a_2`` for a sibling,
  ``a_3 + a_2`` for the same minor group, ``a_2`` for the same sub-major group, 0 otherwise,
  uncertain guesses in proportion to their shares. The reference builds those vectors as
  dictionaries straight from that sentence.
- ``inferred_requirements``: the 40% (at least three) of the competences the occupation leans
  on most relative to other occupations (core competences first on ties; the core bonus is
  half a standard deviation), at the level of the importance (< 3.4 left out, < 4.0 matig,
  < 4.6 goed, else zeer goed).
- ``importance_table``: the mean work-style importances of an occupation's best crosswalk
  matches (exact before close before narrow/broad), else the mean profile of the occupations
  sharing the longest ISCO prefix; physical fitness by ISCO major group, literacy and Dutch
  shifted by it, a competence outside the map middling (3.5), everything within 1..5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstroom_match import NotFittedError, ValidationError
from doorstroom_match import occupations as occ_mod
from doorstroom_match.occupations import (
    PHYSICAL_BY_MAJOR,
    OccupationModel,
    importance_table,
)

# index: uri, ISCO group. a1/a2 siblings (unit group 1111), b the same minor group (111),
# c the same sub-major group (11), d another major group, e without a group, f a minor-group
# row (3 digits), g a major-group row (1 digit)
CATALOGUE = [
    ("a1", "1111"),
    ("b", "1112"),
    ("a2", "1111"),
    ("c", "1121"),
    ("d", "2111"),
    ("e", ""),
    ("f", "111"),
    ("g", "7"),
]
URIS = [u for u, _ in CATALOGUE]
GROUPS = {u: g for u, g in CATALOGUE}


class TableNormalizer:
    """A fitted title normaliser over :data:`CATALOGUE` that answers from a table.

    ``answers[text] = [(uri, score), ...]`` best first, padded with the last occupations at
    score 0 to ``k`` columns, as ``TitleNormalizer.predict_topk`` returns them.
    """

    def __init__(
        self, answers: dict[str, list[tuple[str, float]]] | None = None, catalogue=CATALOGUE
    ) -> None:
        self.uris_ = np.array([u for u, _ in catalogue], dtype=object)
        self.isco_groups_ = np.array([g for _, g in catalogue], dtype=object)
        self._uris = [u for u, _ in catalogue]
        self.answers = answers or {}
        self.asked: list[str] = []

    def predict_topk(self, texts, k, n_jobs=None):
        kk = min(k, len(self._uris))
        scores = np.zeros((len(texts), kk), dtype=np.float32)
        idx = np.zeros((len(texts), kk), dtype=np.int64)
        for r, t in enumerate(texts):
            self.asked.append(t)
            row = list(self.answers.get(t, []))
            used = {u for u, _ in row}
            row += [(u, 0.0) for u in reversed(self._uris) if u not in used]
            for col, (u, s) in enumerate(row[:kk]):
                idx[r, col], scores[r, col] = self._uris.index(u), s
        return scores, idx


def model(answers=None, **kw) -> OccupationModel:
    return OccupationModel(TableNormalizer(answers), **kw).fit()


# ------------------------------------------------------------------ the reference vectors
def reference_vector(guesses, weights) -> dict:
    """The module docstring's vector: the shares per occupation, summed per 4-digit, 3-digit
    and 2-digit group, each block scaled by the square root of its weight."""
    a_occ, a4, a3, a2 = weights
    v: dict = {}
    for uri, share in guesses:
        v[("occ", uri)] = v.get(("occ", uri), 0.0) + math.sqrt(a_occ) * share
        g = GROUPS[uri]
        for digits, a in ((4, a4), (3, a3), (2, a2)):
            if len(g) >= digits:
                key = (digits, g[:digits])
                v[key] = v.get(key, 0.0) + math.sqrt(a) * share
    return v


def reference_cosine(x: dict, y: dict) -> float:
    nx = math.sqrt(sum(t * t for t in x.values()))
    ny = math.sqrt(sum(t * t for t in y.values()))
    if nx == 0 or ny == 0:
        return 0.0
    return sum(x[k] * y.get(k, 0.0) for k in x) / (nx * ny)


def test_affinity_of_certain_occupations_by_hand():
    m = model()
    f = m.features(*m.known(["a1", "a1", "a2", "b", "c", "d", "e"]))
    aff = (f[:1] @ f.T).toarray()[0]
    # defaults (0.35, 0.25, 0.25, 0.15): same 1, sibling 0.65, minor 0.4, sub-major 0.15
    np.testing.assert_allclose(aff, [1.0, 1.0, 0.65, 0.4, 0.15, 0.0, 0.0], atol=1e-6)
    # the other way round, and an occupation without a group agrees only with itself
    aff_e = (f[6:] @ f.T).toarray()[0]
    np.testing.assert_allclose(aff_e, [0, 0, 0, 0, 0, 0, 1.0], atol=1e-6)


@pytest.mark.parametrize(
    "weights", [(0.35, 0.25, 0.25, 0.15), (0.4, 0.3, 0.2, 0.1), (1.0, 2.0, 0.5, 3.0), (1, 0, 0, 0)]
)
def test_affinity_equals_the_cosine_of_the_documented_vectors(weights):
    guesses = [
        [("a1", 1.0)],
        [("a2", 1.0)],
        [("a1", 0.5), ("d", 0.5)],
        [("a1", 0.25), ("a2", 0.25), ("b", 0.5)],
        [("c", 0.7), ("e", 0.3)],
        [("f", 1.0)],  # a 3-digit group row: no unit-group block
        [("g", 1.0)],  # a 1-digit row: only its occupation block
        [("e", 1.0)],
        [("f", 0.6), ("g", 0.4)],
        [],  # no occupation
    ]
    m = model(weights=weights, k=3)
    index = np.full((len(guesses), 3), -1, dtype=np.int64)
    share = np.zeros((len(guesses), 3), dtype=np.float32)
    for r, row in enumerate(guesses):
        for col, (u, s) in enumerate(row):
            index[r, col], share[r, col] = URIS.index(u), s
    f = m.features(index, share)
    assert f.shape == (len(guesses), m.n_features_) and f.dtype == np.float32
    got = (f @ f.T).toarray()
    vecs = [reference_vector(g, weights) for g in guesses]
    want = np.array([[reference_cosine(x, y) for y in vecs] for x in vecs])
    np.testing.assert_allclose(got, want, atol=2e-6)


def test_uncertain_guesses_count_in_proportion_to_their_shares():
    m = model()
    index = np.array([[0, 4], [0, -1]])  # half a1, half d; certainly a1
    share = np.array([[0.5, 0.5], [1.0, 0.0]], dtype=np.float32)
    f = m.features(index, share)
    # both halves are whole ISCO paths of weight 1: dot 0.5, norms sqrt(0.5) and 1
    assert (f[0] @ f[1].T).toarray()[0, 0] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert (f[0] @ f[0].T).toarray()[0, 0] == pytest.approx(1.0, abs=1e-6)


def test_two_guesses_in_one_group_add_up():
    m = model()
    index = np.array([[0, 2], [1, -1]])  # a1 and a2 (siblings) at half each; b certain
    share = np.array([[0.5, 0.5], [1.0, 0.0]], dtype=np.float32)
    got = (m.features(index, share)[0] @ m.features(index, share)[1].T).toarray()[0, 0]
    want = reference_cosine(
        reference_vector([("a1", 0.5), ("a2", 0.5)], m.weights),
        reference_vector([("b", 1.0)], m.weights),
    )
    assert got == pytest.approx(want, abs=1e-6)
    # by hand: shared blocks 111 and 11 (weight 0.4); the first vector's norm^2 is
    # 0.35 * (0.25 + 0.25) + 0.65 = 0.825
    assert got == pytest.approx(0.4 / math.sqrt(0.825), abs=1e-6)


def test_affinity_of_texts_through_guess():
    answers = {
        "kok": [("a1", 0.9)],
        "hulpkok": [("a2", 0.9)],
        "schilder": [("d", 0.9)],
        "twijfel": [("a1", 0.7), ("d", 0.7)],  # equal scores: half each
    }
    m = model(answers, k=2)
    aff = m.affinity(["kok", "twijfel", "qqq"], ["kok", "hulpkok", "schilder"])
    assert aff.shape == (3, 3) and aff.dtype == np.float32
    # "kok" vs its second guess d at exp(-0.9/0.05): ~1e-8 of the share
    np.testing.assert_allclose(aff[0], [1.0, 0.65, 0.0], atol=1e-5)
    np.testing.assert_allclose(
        aff[1], [1 / math.sqrt(2), 0.65 / math.sqrt(2), 1 / math.sqrt(2)], atol=1e-5
    )
    np.testing.assert_array_equal(aff[2], [0, 0, 0])  # "qqq": best score 0 < min_score


# ------------------------------------------------------------------ guesses
def test_shares_are_the_softmax_of_the_scores_at_the_temperature():
    answers = {"t": [("b", 0.9), ("a1", 0.8), ("c", 0.7)]}
    for temperature in (0.05, 0.2, 1.0):
        m = model(answers, k=3, temperature=temperature)
        index, share = m.guess(["t"])
        e = [math.exp(s / temperature) for s in (0.9, 0.8, 0.7)]
        want = [x / sum(e) for x in e]
        assert index.tolist() == [[1, 0, 3]] and index.dtype == np.int64
        assert share.dtype == np.float32
        np.testing.assert_allclose(share[0], want, atol=1.5e-6)
        # rounded to 6 decimals, as the weekly store keeps them
        np.testing.assert_array_equal(
            share[0], np.round(share[0].astype(np.float64), 6).astype(np.float32)
        )


def test_shares_are_rounded_to_six_decimals():
    m = model({"t": [("b", 0.9), ("a1", 0.8)]}, k=2, temperature=0.2)
    _, share = m.guess(["t"])
    e = [math.exp(0.9 / 0.2), math.exp(0.8 / 0.2)]
    want = [round(x / sum(e), 6) for x in e]  # 0.6224593... -> 0.622459, 0.377541
    assert share[0].tolist() == pytest.approx(want, abs=1e-7)
    assert share[0].tolist() == np.array(want, dtype=np.float32).tolist()


def test_an_exact_label_is_certain():
    # one exact row (score >= 5): all of the share; two exact rows: half each
    m = model(
        {
            "one": [("c", 11.0), ("a1", 0.9)],
            "edge": [("c", 5.0), ("a1", 4.99)],
            "two": [("a1", 10.5), ("b", 10.5), ("c", 0.9)],
        },
        k=3,
    )
    index, share = m.guess(["one", "edge", "two"])
    np.testing.assert_array_equal(share[0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(share[1], [1.0, 0.0, 0.0])  # 5.0 is exact, 4.99 is not
    np.testing.assert_array_equal(share[2], [0.5, 0.5, 0.0])  # two exact rows: half each
    assert index[2].tolist() == [0, 1, 3]


def test_min_score_leaves_a_text_without_an_occupation():
    answers = {"low": [("a1", 0.2499)], "edge": [("a1", 0.25)], "high": [("d", 0.6)]}
    m = model(answers, k=2)
    index, share = m.guess(["low", "edge", "high", None, "", "   "])
    assert index.shape == (6, 2) and share.shape == (6, 2)
    assert index[0].tolist() == [-1, -1] and share[0].tolist() == [0.0, 0.0]
    assert index[1, 0] == 0 and index[2, 0] == 4  # at min_score: kept
    for r in (3, 4, 5):  # None and blank texts: no occupation, never asked
        assert index[r].tolist() == [-1, -1] and share[r].tolist() == [0.0, 0.0]
    assert sorted(m.normalizer_.asked) == ["edge", "high", "low"]
    strict = model(answers, k=2, min_score=0.7)
    assert strict.guess(["high"])[0].tolist() == [[-1, -1]]


def test_padding_when_the_normaliser_returns_fewer_than_k():
    m = model({"t": [("b", 0.9)]}, k=20)  # 8 occupations in the catalogue
    index, share = m.guess(["t"])
    assert index.shape == (1, 20)
    assert index[0, :8].tolist()[0] == 1 and (index[0, 8:] == -1).all()
    assert (share[0, 8:] == 0).all() and share[0].sum() == pytest.approx(1.0, abs=1e-5)


def test_whitespace_variants_are_one_text_and_each_is_asked_once():
    m = model({"hulp kok": [("a2", 0.9)]}, k=2)
    index, _ = m.guess(["hulp kok", "  hulp   kok ", "hulp\tkok"])
    assert index[:, 0].tolist() == [2, 2, 2]
    assert m.normalizer_.asked == ["hulp kok"]
    m.guess(["hulp kok", "hulp  kok"])  # remembered: not asked again
    assert m.normalizer_.asked == ["hulp kok"]


def _mean_of(guesses: list[tuple[list[int], list[float]]], k: int) -> tuple[list, list]:
    """The documented mean of guesses, from the sentence: shares averaged per occupation,
    the k largest kept (ties in the guesses' order), summing to 1, rounded to 6 decimals."""
    total: dict[int, float] = {}
    for index, share in guesses:
        for j, p in zip(index, share, strict=True):
            if j >= 0:
                total[j] = total.get(j, 0.0) + p / len(guesses)
    best = sorted(total, key=lambda j: -total[j])[:k]
    norm = sum(total[j] for j in best)
    return best, [float(np.float32(round(total[j] / norm, 6))) for j in best]


def test_a_text_naming_alternatives_gets_the_mean_of_their_guesses():
    answers = {
        "kok of poetser": [("d", 0.9), ("a1", 0.3)],  # the whole phrase: one job, wrongly
        "kok": [("a1", 11.0), ("b", 0.5)],  # an exact label: certain
        "poetser": [("c", 0.8), ("b", 0.75), ("e", 0.5)],
        "kok of poetser of kelner": [("d", 0.9)],
        "kelner": [("b", 0.9), ("e", 0.8)],
    }
    m = model(answers, k=3)
    parts = model(answers, k=3)
    pi, ps = parts.guess(["kok", "poetser", "kelner"])
    for text, rows in (("kok of poetser", [0, 1]), ("kok  OF poetser of kelner", [0, 1, 2])):
        index, share = m.guess([text])
        want_i, want_s = _mean_of([(pi[r].tolist(), ps[r].tolist()) for r in rows], 3)
        assert index[0].tolist() == want_i and share[0].tolist() == want_s
        assert share[0].sum() == pytest.approx(1.0, abs=1e-5) and share.dtype == np.float32
    # both directions count: the certain "kok" (a1) first, "poetser"'s best (c) next
    assert m.guess(["kok of poetser"])[0][0, :2].tolist() == [0, 3]
    # the alternatives were asked in the same call as the texts
    assert {"kok", "poetser", "kelner"} <= set(m.normalizer_.asked)


def test_alternatives_only_where_the_text_is_a_list_of_recognised_jobs():
    answers = {
        "ploegbaas kunststof of rubber": [("g", 11.0)],  # a label of the catalogue: certain
        "ploegbaas kunststof": [("a1", 0.9)],
        "rubber": [("b", 0.9)],
        "kok of qqq": [("d", 0.6)],
        "kok": [("a1", 0.9)],
        "qqq": [("c", 0.2)],  # below min_score: not recognised, so the whole text decides
    }
    m = model(answers, k=2)
    index, share = m.guess(["ploegbaas kunststof of rubber", "kok of qqq"])
    assert index[:, 0].tolist() == [7, 4] and share[0].tolist() == [1.0, 0.0]
    # never split, so the parts are never asked: an elided compound, "of" in parentheses,
    # more than three alternatives, no "of" between words
    texts = [
        "kunststof- of rubberindustrie",
        "slijper metaal (machinaal zagen of steken)",
        "a of b of c of d",
        "offsetdrukker",
        "of",
    ]
    fresh = model({}, k=2)
    fresh.guess(texts)
    assert sorted(fresh.normalizer_.asked) == sorted(texts)


def test_job_targets_get_the_prior_against_manager_and_professional_guesses():
    # g (ISCO 7) and e (no group) are not ISCO 1-2; a1, b, d are
    answers = {
        "t": [("a1", 0.9), ("g", 0.85), ("e", 0.5)],
        "exact": [("d", 11.0), ("g", 0.9), ("e", 0.5)],
        "high": [("b", 0.9), ("a1", 0.8), ("d", 0.7)],
        "far": [("a1", 0.9), ("g", 0.5), ("e", 0.45)],
    }
    for pen in (0.2, 0.05):
        m = model(
            answers, k=3, temperature=0.05, target_high_skill_penalty=pen, target_manager_penalty=0
        )
        raw_i, raw_s = m.guess(list(answers))
        index, share = m.guess_targets(list(answers))
        high = {0, 1, 2, 3, 4}  # a1, b, a2, c, d: ISCO 1-2
        for r in range(len(answers)):
            w = [
                s * (math.exp(-pen / 0.05) if i in high else 1.0)
                for i, s in zip(raw_i[r].tolist(), raw_s[r].tolist(), strict=True)
            ]
            order = sorted(range(3), key=lambda n: -w[n])  # stable: ties keep their order
            want_i = [int(raw_i[r][n]) for n in order]
            want_s = [float(np.float32(round(w[n] / sum(w), 6))) for n in order]
            assert index[r].tolist() == want_i and share[r].tolist() == want_s
    # what that means for a coach's job target
    m = model(answers, k=3, target_high_skill_penalty=0.2, target_manager_penalty=0)
    index, share = m.guess_targets(["t", "exact", "high", "far"])
    assert index[0, 0] == 7  # g before a1: 0.85 against 0.9 - 0.2
    assert index[1].tolist()[0] == 4 and share[1].tolist() == [1.0, 0.0, 0.0]  # exact: certain
    assert index[2].tolist() == [1, 0, 4]  # all ISCO 1-2: the same order
    assert index[3, 0] == 0  # a lead of 0.4 survives a penalty of 0.2
    # off, and vacancy titles (guess) never get it
    off = model(answers, k=3, target_high_skill_penalty=0.0, target_manager_penalty=0.0)
    for a, b in zip(off.guess_targets(["t"]), off.guess(["t"]), strict=True):
        np.testing.assert_array_equal(a, b)
    assert m.guess(["t"])[0][0, 0] == 0
    # no guess stays no guess; a bad penalty is refused
    assert m.guess_targets(["qqq", None])[0].tolist() == [[-1, -1, -1]] * 2
    with pytest.raises(ValidationError, match="target_high_skill_penalty"):
        model(answers, target_high_skill_penalty=-0.1)


def _reference_penalty(i: int, named: bool, pen: float, mgr: float) -> float:
    """The penalty of guess ``i`` of :data:`CATALOGUE`, from the module docstring's rule."""
    managers, professionals = {0, 1, 2, 3, 6}, {4}  # a1, b, a2, c, f: ISCO 1; d: ISCO 2
    if i in professionals or (i in managers and mgr == 0):
        return pen
    if i in managers:
        return 0.0 if named else pen + mgr
    return 0.0


def test_a_target_that_names_no_managerial_role_is_read_as_a_manager_last():
    # a1, b, a2, c, f: ISCO 1 (managers); d: ISCO 2; g: ISCO 7; e: no group
    row = [("a1", 0.9), ("d", 0.86), ("g", 0.8)]
    answers = {
        "vakkenvuller supermarkt": row,
        "verantwoordelijke magazijn": row,
        "Filiaalleidster": row,
        "begeleider": row,
        "exact": [("c", 11.0), ("g", 0.9), ("e", 0.5)],
    }
    texts = list(answers)
    named = {"verantwoordelijke magazijn", "Filiaalleidster"}
    for pen, mgr in ((0.1, 0.2), (0.0, 0.15), (0.1, 0.0), (0.3, 0.05)):
        m = model(
            answers,
            k=3,
            temperature=0.05,
            target_high_skill_penalty=pen,
            target_manager_penalty=mgr,
        )
        raw_i, raw_s = m.guess(texts)
        index, share = m.guess_targets(texts)
        for r, text in enumerate(texts):
            w = [
                s * math.exp(-_reference_penalty(i, text in named, pen, mgr) / 0.05)
                for i, s in zip(raw_i[r].tolist(), raw_s[r].tolist(), strict=True)
            ]
            order = sorted(range(3), key=lambda n: -w[n])
            assert index[r].tolist() == [int(raw_i[r][n]) for n in order]
            assert share[r].tolist() == [float(np.float32(round(w[n] / sum(w), 6))) for n in order]
    # the defaults: the worker's own job first, a manager's target a manager's
    m = model(answers, k=3)
    assert m.target_manager_penalty == 0.2
    index, share = m.guess_targets(texts)
    assert [int(index[r, 0]) for r in range(4)] == [7, 0, 0, 7]  # g, a1, a1, g
    assert index[4, 0] == 3 and share[4].tolist() == [1.0, 0.0, 0.0]  # exact: certain
    with pytest.raises(ValidationError, match="target_manager_penalty"):
        model(answers, target_manager_penalty=-0.1)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Verantwoordelijke magazijn", True),
        ("Filiaalleidster", True),
        ("Afdelingshoofd (m/v/x)", True),
        ("Coördinatrice jongerenwerk", True),
        ("Gérante hobbywinkel", True),
        ("winkelmanager", True),
        ("Zaakvoerder", True),
        ("hoofdkok", True),
        ("Leidinggevende boekhouding", True),
        ("vakkenvuller supermarkt", False),
        ("medewerker kringwinkel", False),
        ("begeleidster", False),
        ("kraanbestuurder", False),  # a driver, not a board member
        ("", False),
        (None, False),
        (123, False),  # read as guess() reads it: str(123)
    ],
)
def test_names_manager(text, named):
    assert occ_mod.names_manager(text) is named


def test_job_targets_take_what_guess_takes():
    m = model({"t": [("a1", 0.9), ("g", 0.85)], "123": [("g", 0.9)]}, k=2)
    for texts in (["t", None, "", 123], [123]):
        index, _ = m.guess_targets(texts)
        assert index.shape == (len(texts), 2)
    assert m.guess_targets([123])[0][0, 0] == m.guess(["123"])[0][0, 0] == 7


def test_remember_takes_earlier_guesses():
    m = model({"kok": [("a1", 0.9)]}, k=2)
    m.remember(
        [" kok ", "  ", "hulp  kok"],
        np.array([[4, 0], [1, -1], [3, -1]]),
        np.array([[0.75, 0.25], [1, 0], [1, 0]]),
    )
    index, share = m.guess(["kok", "kok  ", "hulp kok"])
    assert index.tolist() == [[4, 0], [4, 0], [3, -1]] and share[0].tolist() == [0.75, 0.25]
    assert m.normalizer_.asked == []  # the remembered guesses, not new ones
    with pytest.raises(ValueError):  # one guess per text, never silently dropped
        m.remember(["a", "b"], np.array([[1, 0]]), np.array([[1.0, 0.0]]))
    assert m.guess([""])[0].tolist() == [[-1, -1]]  # a blank text is never remembered


def test_known_uris_are_certain_and_others_empty():
    m = model(k=3)
    index, share = m.known(["d", "zz", None, "", "a1"])
    assert index.tolist() == [[4, -1, -1], [-1, -1, -1], [-1, -1, -1], [-1, -1, -1], [0, -1, -1]]
    assert share.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    assert index.dtype == np.int64 and share.dtype == np.float32


def test_top_isco_and_group_of_the_best_guess():
    m = model(k=2)
    index = np.array([[0, 4], [-1, -1], [5, 1], [4, -1]])
    assert m.top(index) == ["a1", None, "e", "d"]
    assert m.isco(index).tolist() == ["1111", "", "", "2111"]
    assert m.isco_group("c") == "1121" and m.isco_group("e") is None
    assert m.isco_group("zz") is None


def test_physical_demand_by_isco_major_group():
    m = model()
    assert m.physical_demand(URIS.index("g")) == PHYSICAL_BY_MAJOR["7"] == 4.0
    assert m.physical_demand(URIS.index("d")) == PHYSICAL_BY_MAJOR["2"] == 2.0
    assert m.physical_demand(URIS.index("a1")) == PHYSICAL_BY_MAJOR["1"]
    assert m.physical_demand(URIS.index("e")) == 3.0  # no group: middling
    assert m.physical_demand(-1) == 3.0  # no occupation: middling
    # a custom catalogue's group that is no ISCO code: middling too
    odd = OccupationModel(TableNormalizer(catalogue=[*CATALOGUE, ("h", "X9")])).fit()
    assert odd.physical_demand(len(CATALOGUE)) == 3.0


def test_the_fingerprint_follows_what_decides_the_guesses(monkeypatch):
    # stored guesses are keyed by the fingerprint: a normaliser scoring otherwise must not
    # reuse them, the same one must
    def fp(**attrs):
        tn = TableNormalizer()
        for k, v in attrs.items():
            setattr(tn, k, v)
        return OccupationModel(tn).fit().fingerprint_

    base = fp(row_penalty=0.1, weights=None, reranker=None)
    assert base == fp(row_penalty=0.1, weights=None, reranker=None)
    assert base != fp(row_penalty=0.2, weights=None, reranker=None)
    assert base != fp(row_penalty=0.1, weights={"char": 1.0}, reranker=None)
    assert base != fp(row_penalty=0.1, weights=None, reranker="r.json")
    assert base != fp(row_penalty=0.1, weights=None, reranker=None, setting_words=("in",))
    # the weights as fitted count, not the parameter (None resolves to a module table)
    resolved = fp(row_penalty=0.1, weights=None, weights_={"char": 1.0}, reranker=None)
    assert resolved != base
    assert resolved != fp(row_penalty=0.1, weights=None, weights_={"char": 0.5}, reranker=None)
    assert model().fingerprint_ != model(temperature=0.1).fingerprint_
    # and what was fitted, by content: another substitution table, re-ranker or catalogue
    # under the same names ("auto") must not reuse the stored guesses

    class Subs:
        def __init__(self, table):
            self.table, self.max_variants = table, 8

    class Booster:
        def __init__(self, text):
            self.text = text

        def model_to_string(self):
            return self.text

    class Reranker:
        def __init__(self, text):
            self.booster_ = Booster(text)

    same = dict(row_penalty=0.1, weights=None, reranker="auto", substitutions="auto")
    one = fp(**same, substitutions_=Subs({"kok": ("kookster",)}), reranker_=Reranker("a"))
    assert one == fp(**same, substitutions_=Subs({"kok": ("kookster",)}), reranker_=Reranker("a"))
    assert one != fp(**same, substitutions_=Subs({"kok": ("chef",)}), reranker_=Reranker("a"))
    assert one != fp(**same, substitutions_=Subs({"kok": ("kookster",)}), reranker_=Reranker("b"))
    labels = np.array(["kok", "bakker"], dtype=object)
    assert fp(**same, labels_=labels) != fp(**same, labels_=labels[::-1].copy())
    # another list of words the catalogue lacks (the lexicon) under the same name
    from doorstroom_match.text.lexicon import TitleLexicon

    kuis = fp(**same, lexicon_=TitleLexicon({"kuis": "schoonmaak"}))
    assert kuis == fp(**same, lexicon_=TitleLexicon({"kuis": "schoonmaak"}))
    assert kuis != fp(**same, lexicon_=TitleLexicon({"kuis": "poets"}))
    assert kuis != fp(**same)
    # and the package's version (the code that normalises and guesses)
    before = fp(**same)
    monkeypatch.setattr(occ_mod, "_package_version", lambda: "9.9.9")
    assert fp(**same) != before


def test_the_fast_normaliser_uses_its_own_row_penalty(monkeypatch):
    seen = {}

    class Spy:
        def __init__(self, **kw):
            seen.update(kw)

        def fit(self, corpus):
            return TableNormalizer()

    import doorstroom_match.text.titles as titles_mod

    monkeypatch.setattr(titles_mod, "TitleNormalizer", Spy)
    OccupationModel("fast").fit(corpus=object())
    assert seen["row_penalty"] == occ_mod.FAST_ROW_PENALTY == 0.1
    assert seen["model"] is None and seen["reranker"] is None


def test_unfitted_model_and_bad_settings():
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        OccupationModel().guess(["kok"])
    with pytest.raises(NotFittedError, match="not fitted"):
        OccupationModel().known(["a1"])
    with pytest.raises(NotFittedError, match="not fitted"):
        OccupationModel().features(np.zeros((1, 1), int), np.zeros((1, 1)))
    with pytest.raises(ValidationError, match=r"^k must be >= 1, got 0$"):
        OccupationModel(TableNormalizer(), k=0).fit()
    with pytest.raises(ValidationError, match="weights must be"):
        OccupationModel(TableNormalizer(), weights=(1, 1, 1)).fit()
    with pytest.raises(ValidationError, match="normalizer must be"):
        OccupationModel("slow").fit()
    with pytest.raises(ValidationError, match="normalizer must be"):
        OccupationModel(object()).fit()


# ------------------------------------------------------------------ inferred cut-offs
# Four occupations; occupation 0 stands out on S1..S3 (z = sqrt 3 against three equal
# others), less on S4/S5 (two high, two low: z = 1), not at all on C1..C3 (every occupation
# at 4.8: the highest importance, but no more than other jobs) and below the rest on B1, B2.
IDS = ("S1", "S2", "S3", "S4", "S5", "C1", "C2", "C3", "B1", "B2")
COLUMNS = {
    "S1": [4.6, 3.0, 3.0, 3.0],
    "S2": [4.0, 3.0, 3.0, 3.0],
    "S3": [3.4, 1.0, 1.0, 1.0],
    "S4": [4.59, 4.59, 2.0, 2.0],
    "S5": [4.59, 4.59, 2.0, 2.0],
    "C1": [4.8] * 4,
    "C2": [4.8] * 4,
    "C3": [4.8] * 4,
    "B1": [3.0, 4.0, 4.0, 4.0],
    "B2": [3.0, 4.0, 4.0, 4.0],
}


@pytest.fixture
def importance(monkeypatch):
    """Occupations 0..3 get :data:`COLUMNS` and 4..7 the same again (so each column's mean
    and spread are those of its four values), whatever the ids' order; others middling."""

    def table(uris, isco, ids):
        imp = np.full((len(uris), len(ids)), 3.5, dtype=np.float32)
        for j, cid in enumerate(ids):
            if cid in COLUMNS:
                imp[:, j] = COLUMNS[cid] * 2
        return imp

    monkeypatch.setattr(occ_mod, "_importance_table", table)


def test_inferred_cut_off_takes_what_the_job_leans_on_most_relative_to_others(importance):
    m = model()
    # 40% of 10 = 4: S1..S3 (z = 1.73), then one of the tied S4/S5 (z = 1); the core one
    got = m.inferred_requirements(0, IDS, core=["S5"])
    # levels: 4.6 zeer goed, 4.0 goed, 3.4 matig (each at the boundary), 4.59 goed
    assert got == {"S1": 4, "S2": 3, "S3": 2, "S5": 3}
    assert list(got) == ["S1", "S2", "S3", "S5"]  # in the order of the ids
    assert model().inferred_requirements(0, IDS, core=["S4"]) == {
        "S1": 4,
        "S2": 3,
        "S3": 2,
        "S4": 3,
    }


def test_the_core_bonus_is_half_a_standard_deviation(importance, monkeypatch):
    # S2, S3 and C1 stand out most (z = sqrt 3); the fourth place goes to a non-core S1 at
    # z just above or below 1.5, or to the core S4 (z = 1, plus half a standard deviation)
    for cid in ("S2", "S3", "C1"):
        monkeypatch.setitem(COLUMNS, cid, [4.0, 3.0, 3.0, 3.0])
    for s1_z, s1_wins in ((1.52, True), (1.48, False)):
        monkeypatch.setitem(COLUMNS, "S1", _column_with_z(s1_z))
        got = model().inferred_requirements(0, IDS, core=["S4"])
        assert {"S2", "S3", "C1"} <= set(got) and len(got) == 4
        assert ("S1" in got) is s1_wins and ("S4" in got) is (not s1_wins)


def _column_with_z(z: float) -> list[float]:
    """Importances of four occupations whose first has standard score ``z`` (population sd)
    against the others at 3.0, 3.0 and ``3.0 + t``, by bisection on ``t``: the score falls
    from sqrt 3 (t = 0) towards 1 / sqrt 3 as ``t`` falls."""

    def z_of(t: float) -> float:
        v = np.array([4.0, 3.0, 3.0, 3.0 + t])
        return float((v[0] - v.mean()) / v.std())

    lo, hi = -100.0, 0.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if z_of(mid) > z:
            hi = mid
        else:
            lo = mid
    assert abs(z_of(lo) - z) < 1e-6
    return [4.0, 3.0, 3.0, 3.0 + lo]


def test_inferred_cut_off_levels_and_what_is_left_out(importance, monkeypatch):
    monkeypatch.setitem(COLUMNS, "S1", [3.39, 1.0, 1.0, 1.0])  # below 3.4: onvoldoende
    monkeypatch.setitem(COLUMNS, "S2", [3.99, 1.0, 1.0, 1.0])
    monkeypatch.setitem(COLUMNS, "S3", [4.0, 1.0, 1.0, 1.0])
    monkeypatch.setitem(COLUMNS, "S4", [5.0, 5.0, 1.0, 1.0])
    assert model().inferred_requirements(0, IDS) == {"S2": 2, "S3": 3, "S4": 4}


def test_inferred_cut_off_may_be_empty(importance, monkeypatch):
    for cid in ("S1", "S2", "S3", "S4", "S5"):
        monkeypatch.setitem(COLUMNS, cid, [3.3, 1.0, 1.0, 1.0])
    assert model().inferred_requirements(0, IDS) == {}


@pytest.mark.parametrize(
    ("n", "want"), [(3, 3), (4, 3), (5, 3), (8, 3), (9, 4), (11, 4), (14, 6), (23, 9), (40, 16)]
)
def test_forty_percent_of_the_competences_and_at_least_three(monkeypatch, n, want):
    ids = tuple(f"K{j:02d}" for j in range(n))

    def table(uris, isco, comp_ids):  # occupation 0 stands out on every competence, at goed
        imp = np.full((len(uris), len(comp_ids)), 2.0, dtype=np.float32)
        imp[0] = 4.2
        return imp

    monkeypatch.setattr(occ_mod, "_importance_table", table)
    got = model().inferred_requirements(0, ids)
    assert len(got) == want and set(got.values()) == {3}
    assert list(got) == list(ids[:want])  # equal standing: the first ids


def test_inferred_cut_off_follows_the_competences_and_core_asked(importance):
    m = model()
    assert m.inferred_requirements(0, IDS, core=["S4"]) == {"S1": 4, "S2": 3, "S3": 2, "S4": 3}
    assert m.inferred_requirements(0, IDS, core=["S5"]) == {"S1": 4, "S2": 3, "S3": 2, "S5": 3}
    # other ids: another table, not the remembered answer
    assert m.inferred_requirements(0, ("C1", "S2", "B1")) == {"C1": 4, "S2": 3}
    assert m.inferred_requirements(0, IDS, core=["S4"])["S4"] == 3
    # other ids with a core asked before: not the answer remembered for that core
    assert m.inferred_requirements(0, ("C1", "S2", "B1"), core=["S4"]) == {"C1": 4, "S2": 3}
    # occupation 4 has occupation 0's importances: the same cut-off
    assert m.inferred_requirements(4, IDS, core=["S4"]) == {"S1": 4, "S2": 3, "S3": 2, "S4": 3}
    # occupation 1 stands out on S4, S5 (z = 1) and B1, B2 (z = 0.58), all at 4.59 or 4.0;
    # not on C1..C3 (4.8, as every occupation)
    assert m.inferred_requirements(1, IDS) == {"S4": 3, "S5": 3, "B1": 3, "B2": 3}
    with pytest.raises(NotFittedError):
        OccupationModel().inferred_requirements(0, IDS)


# ------------------------------------------------------------------ importance table
STYLES = [
    # O*NET code, work style, importance
    ("11-1011.00", "Cooperation", 4.0),
    ("11-1011.00", "Independence", 3.0),
    ("11-1011.00", "Analytical Thinking", 4.0),
    ("11-1011.00", "Attention to Detail", 3.0),
    ("22-2022.00", "Cooperation", 2.0),
    ("22-2022.00", "Independence", 5.0),
    ("22-2022.00", "Analytical Thinking", 2.0),
    ("22-2022.00", "Attention to Detail", 2.0),
    ("33-3033.00", "Cooperation", 3.0),
    ("33-3033.00", "Independence", 1.0),
    ("33-3033.00", "Analytical Thinking", 1.2),
    ("33-3033.00", "Attention to Detail", 1.0),
]
COMPS = (
    "samenwerken",
    "zelfstandigheid",
    "lezen_schrijven_rekenen",
    "fysieke_mogelijkheden",
    "lassen",
)


def _styles():
    return [{"O*NET-SOC Code": c, "Element Name": s, "Data Value": str(v)} for c, s, v in STYLES]


def _walk(*rows):
    return [{"esco_uri": u, "onet_code": c, "match_type": t} for u, c, t in rows]


def test_importances_of_the_best_crosswalk_matches():
    uris = ["x_exact", "x_two", "x_close", "x_sub", "x_unknown_type", "x_narrow"]
    isco = ["1111", "2222", "7333", "9111", "", "5111"]
    walk = _walk(
        ("x_exact", "11-1011.00", "exactMatch"),
        ("x_exact", "22-2022.00", "closeMatch"),  # worse than exact: not used
        ("x_two", "11-1011.00", "exactMatch"),
        ("x_two", "22-2022.00", "exactMatch"),  # two exact matches: their mean
        ("x_close", "22-2022.00", "narrowMatch"),
        ("x_close", "33-3033.00", "closeMatch"),  # close before narrow
        ("x_sub", "11-1011.07", "exactMatch"),  # not in the styles: its .00 code is
        ("x_unknown_type", "22-2022.00", "someMatch"),
        ("x_narrow", "99-9999.00", "exactMatch"),  # no styles for this code: skipped
        ("x_exact", "33-3033.00", "someMatch"),  # an unknown type ranks after the known ones
        ("x_narrow", "33-3033.00", "broadMatch"),
        ("x_narrow", "11-1011.00", "narrowMatch"),
        ("nobody", "11-1011.00", "exactMatch"),  # not in the catalogue: ignored
    )
    imp, found = importance_table(uris, isco, COMPS, _styles(), walk)
    assert imp.shape == (6, 5) and imp.dtype == np.float32
    assert found.tolist() == [True] * 6
    # samenwerken = Cooperation; zelfstandigheid = Independence; literacy = mean of
    # Analytical Thinking and Attention to Detail, shifted by major group (1: +0.5, 2: +0.6,
    # 7: none, 9: -0.5, none: none, 5: none)
    want = [
        [4.0, 3.0, 3.5 + 0.5, PHYSICAL_BY_MAJOR["1"], 3.5],
        [3.0, 4.0, (4 + 3 + 2 + 2) / 4 + 0.6, PHYSICAL_BY_MAJOR["2"], 3.5],
        [3.0, 1.0, 1.1, PHYSICAL_BY_MAJOR["7"], 3.5],
        [4.0, 3.0, 3.5 - 0.5, PHYSICAL_BY_MAJOR["9"], 3.5],
        [2.0, 5.0, 2.0, 3.0, 3.5],  # an unknown match type still matches (ranked last)
        [4.0, 3.0, 3.5, PHYSICAL_BY_MAJOR["5"], 3.5],  # narrow before broad
    ]
    np.testing.assert_allclose(imp, want, atol=1e-6)


def test_occupations_without_a_match_take_the_longest_shared_isco_prefix():
    # unmatched occupations before and among the matched ones
    uris = ["u4", "m1", "m2", "m3", "m4", "m5", "u3", "u2", "u1", "u0", "u_same", "u_none"]
    isco = ["1112", "1111", "1121", "2111", "1122", "1211", "1125", "1199", "1311", "3111",
            "1121", ""]  # fmt: skip
    walk = _walk(
        ("u4", "99-9999.00", "exactMatch"),  # a code without styles: no match (listed first)
        ("m1", "11-1011.00", "exactMatch"),
        ("m2", "22-2022.00", "exactMatch"),
        ("m3", "33-3033.00", "exactMatch"),
        ("m4", "33-3033.00", "closeMatch"),
        ("m5", "11-1011.00", "broadMatch"),
    )
    comps = ("samenwerken", "zelfstandigheid")
    imp, found = importance_table(uris, isco, comps, _styles(), walk)
    assert found.tolist() == [False] + [True] * 5 + [False] * 6
    m1, m2, m3, m4, m5 = [4.0, 3.0], [2.0, 5.0], [3.0, 1.0], [3.0, 1.0], [4.0, 3.0]
    want = [
        m1,  # 1112: shares 111 with m1 only
        m1,
        m2,
        m3,
        m4,
        m5,
        [2.5, 3.0],  # 1125: shares 112 with m2 and m4
        [3.0, 3.0],  # 1199: shares 11 with m1, m2 and m4 (not m5, 12..)
        [3.25, 3.0],  # 1311: shares only the major group 1 with m1, m2, m4 and m5
        [3.2, 2.6],  # 3111: shares nothing: the mean of every matched occupation
        m2,  # the same unit group as m2 (not the minor group 112 with m4)
        [3.2, 2.6],  # no group: the mean of all
    ]
    np.testing.assert_allclose(imp, want, atol=1e-6)
    # nothing matched anywhere: middling, physical fitness still by major group
    imp, found = importance_table(
        ["x", "y"], ["7111", ""], comps + ("fysieke_mogelijkheden",), _styles(), []
    )
    assert not found.any()
    np.testing.assert_allclose(imp, [[3.5, 3.5, 4.0], [3.5, 3.5, 3.0]])


def test_importances_stay_within_one_and_five():
    styles = [
        {"O*NET-SOC Code": code, "Element Name": s, "Data Value": v}
        for code, v in (("11-1011.00", "4.9"), ("22-2022.00", "1.2"))
        for s in ("Analytical Thinking", "Attention to Detail", "Social Orientation")
    ]
    walk = _walk(("hi", "11-1011.00", "exactMatch"), ("lo", "22-2022.00", "exactMatch"))
    imp, _ = importance_table(
        ["hi", "lo"],
        ["2111", "9111"],
        ("lezen_schrijven_rekenen", "taalkennis_nederlands"),
        styles,
        walk,
    )
    # literacy 4.9 + 0.6 -> 5 and 1.2 - 0.5 -> 1; Dutch 4.9 + 0.6 -> 5 and 1.2 - 0.4 -> 1
    np.testing.assert_allclose(imp, [[5.0, 5.0], [1.0, 1.0]], atol=1e-6)


def test_the_default_tables_are_the_shipped_files():
    import csv

    from doorstroom_match.resources import open_resource

    with open_resource("onet_work_styles") as fh:
        styles = list(csv.DictReader(fh, delimiter="\t"))
    with open_resource("onet_crosswalk") as fh:
        walk = list(csv.DictReader(fh))
    uris = [walk[0]["esco_uri"], walk[-1]["esco_uri"], "not-in-the-crosswalk"]
    isco = ["1120", "9112", "5120"]
    comps = ("samenwerken", "lezen_schrijven_rekenen", "fysieke_mogelijkheden")
    imp, found = importance_table(uris, isco, comps)
    want_imp, want_found = importance_table(uris, isco, comps, styles, walk)
    np.testing.assert_array_equal(imp, want_imp)
    assert found.tolist() == want_found.tolist() == [True, True, False]


def test_shares_in_double_precision_at_the_smallest_temperature():
    # two scores one float32 step apart at temperature 1e-6 (the smallest allowed): the
    # shares of the exact softmax of those float32 scores; and a second text whose scores
    # lie far below the first's
    hi = 0.9
    lo = float(np.nextafter(np.float32(hi), np.float32(0)))
    m = model({"t": [("b", hi), ("a1", lo)], "u": [("c", 0.3), ("d", 0.2999)]}, k=2,
              temperature=1e-6)  # fmt: skip
    _, share = m.guess(["t", "u"])
    x, y = float(np.float32(hi)), float(np.float32(lo))
    p = 1.0 / (1.0 + math.exp((y - x) / 1e-6))
    np.testing.assert_allclose(share[0], [p, 1 - p], atol=1e-6)
    assert 0.5 < p < 0.52
    np.testing.assert_array_equal(share[1], [1.0, 0.0])  # 1e-4 apart at 1e-6: certain
    m2 = model({"t": [("b", 0.9)], "u": [("c", 0.3), ("d", 0.3)]}, k=2, temperature=1e-4)
    _, share = m2.guess(["t", "u"])
    np.testing.assert_array_equal(share[1], [0.5, 0.5])


def test_ties_at_the_cut_go_to_the_earlier_competences(monkeypatch):
    # five competences tie for the four places of 40% of ten: the first four in the order
    # asked (a quicksort would pick another four)
    ids = tuple(f"K{j:02d}" for j in range(10))
    leans = [1, 2, 3, 6, 7]

    def table(uris, isco, comp_ids):
        imp = np.full((len(uris), len(comp_ids)), 2.0, dtype=np.float32)
        imp[0, leans] = 4.2
        return imp

    monkeypatch.setattr(occ_mod, "_importance_table", table)
    assert model().inferred_requirements(0, ids) == {"K01": 3, "K02": 3, "K03": 3, "K06": 3}


def test_a_text_below_min_score_is_not_asked_again():
    m = model({"low": [("a1", 0.1)]}, k=2)
    for _ in range(3):
        assert m.guess(["low"])[0].tolist() == [[-1, -1]]
    assert m.normalizer_.asked == ["low"]


def test_guess_checks_n_jobs_also_for_texts_guessed_before():
    m = model({"kok": [("a1", 0.9)]}, k=2)
    m.guess(["kok"], n_jobs=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValidationError, match="n_jobs"):
            m.guess(["kok"], n_jobs=bad)


@given(
    st.lists(
        st.floats(min_value=1.0, max_value=5.0, allow_nan=False, allow_subnormal=False),
        min_size=1,
        max_size=12,
    )
)
def test_the_mean_of_a_few_importances_has_numpys_bits(values):
    # importance_table averages a handful of work styles per cell without building arrays
    assert occ_mod._mean(values) == float(np.mean(values))
