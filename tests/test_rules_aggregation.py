"""The rater-aggregation rule, checked from its wording with exact fractions.

The rule (README "Several raters", ``aggregate_ratings``): each rater's indicator scores for a
competence are averaged; the raters are averaged with weights assessor 1, begeleider 1, zelf
1/2; the mean is rounded to the nearest level and a mean exactly half-way rounds *down* (so
nobody passes a cut-off on a coin toss); two raters two or more levels apart are flagged.

The reference below computes that with :class:`fractions.Fraction`, so it neither shares the
implementation's float arithmetic nor its rounding expression.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from doorstroom_match.profiles import Vacancy, WorkerProfile, aggregate_ratings
from doorstroom_match.ranking import match

WEIGHTS = {"assessor": Fraction(1), "begeleider": Fraction(1), "zelf": Fraction(1, 2)}


def reference(per_rater: dict[str, list[int]], weights=WEIGHTS) -> tuple[int, Fraction, bool]:
    """(level, exact mean, flagged) for one competence, from the rule's wording."""
    avg = {r: Fraction(sum(v), len(v)) for r, v in per_rater.items()}
    mean = sum(weights[r] * a for r, a in avg.items()) / sum(weights[r] for r in avg)
    lower = mean.numerator // mean.denominator  # floor
    frac = mean - lower
    # nearest level; exactly half-way goes to the lower one
    level = lower + 1 if frac > Fraction(1, 2) else lower
    flagged = max(avg.values()) - min(avg.values()) >= 2
    return level, mean, flagged


def ratings_of(per_rater: dict[str, list[int]], competence="initiatief") -> list[dict]:
    return [
        {"rater": r, "competence": competence, "level": v, "indicator": f"i{k}"}
        for r, vals in per_rater.items()
        for k, v in enumerate(vals)
    ]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(1, 2, 1), (2, 3, 2), (3, 4, 3)],
    ids=["1.5", "2.5", "3.5"],
)
def test_half_way_mean_rounds_down_at_every_half_way_point(low, high, expected):
    # two equally weighted raters, one level apart: the mean is exactly low + 0.5
    agg = aggregate_ratings(
        [
            {"rater": "assessor", "competence": "initiatief", "level": low},
            {"rater": "begeleider", "competence": "initiatief", "level": high},
        ]
    )
    assert agg.means["initiatief"] == low + 0.5
    assert agg.levels["initiatief"] == expected
    # the same half-way point from one rater's indicators (averaged first)
    agg = aggregate_ratings(ratings_of({"assessor": [high, low]}))
    assert agg.levels["initiatief"] == expected
    # the same half-way point with the self-assessment's half weight: (a + zelf/2) / 1.5
    # is half-way when a = low + 0.5 ... reached by two assessor indicators and a zelf level
    agg = aggregate_ratings(ratings_of({"begeleider": [low, high], "zelf": [low, high]}))
    assert agg.means["initiatief"] == low + 0.5
    assert agg.levels["initiatief"] == expected


@pytest.mark.parametrize("level", [1, 2, 3])
def test_just_above_half_way_rounds_up(level):
    # 2 x (level + 1) and 1 x level by the assessor: mean level + 2/3 -> level + 1
    agg = aggregate_ratings(ratings_of({"assessor": [level + 1, level, level + 1]}))
    assert agg.levels["initiatief"] == level + 1
    # and just below half-way (level + 1/3) stays down
    agg = aggregate_ratings(ratings_of({"assessor": [level, level + 1, level]}))
    assert agg.levels["initiatief"] == level


def test_a_half_way_rater_mix_cannot_pass_a_cut_off():
    # required level 3; assessor 3, begeleider 2: mean 2.5 is not enough
    worker = WorkerProfile.from_ratings(
        "W1",
        [
            {"rater": "assessor", "competence": "samenwerken", "level": 3},
            {"rater": "begeleider", "competence": "samenwerken", "level": 2},
        ],
    )
    assert worker.competences["samenwerken"] == 2
    vacancy = Vacancy("V1", "magazijnier", requirements={"samenwerken": 3})
    (m,) = match(worker, [vacancy])
    assert not m.passes_cutoff and m.distance > 0


def _indicator_sets(max_len):
    out = []
    for n in range(1, max_len + 1):
        out += [list(c) for c in itertools.combinations_with_replacement(range(1, 5), n)]
    return out


def test_aggregation_against_exact_reference_for_every_small_rating_set():
    """Every combination of up to three assessor indicators and up to two begeleider and zelf
    indicators (each rater may be absent): levels, means and flags as the rule says."""
    three, two = _indicator_sets(3), _indicator_sets(2)
    n_half_way = 0
    for a, b, z in itertools.product([None, *three], [None, *two], [None, *two]):
        per_rater = {r: v for r, v in (("assessor", a), ("begeleider", b), ("zelf", z)) if v}
        if not per_rater:
            continue
        agg = aggregate_ratings(ratings_of(per_rater))
        level, mean, flagged = reference(per_rater)
        n_half_way += mean.denominator == 2
        assert agg.levels["initiatief"] == level, per_rater
        assert agg.means["initiatief"] == pytest.approx(float(mean), abs=1e-12)
        assert ("initiatief" in agg.disagreements) == flagged, per_rater
        assert set(agg.by_rater["initiatief"]) == set(per_rater)
    assert n_half_way > 100  # the half-way cases are well represented


@pytest.mark.parametrize("zelf_weight", [Fraction(1, 3), Fraction(2), Fraction(1, 4)])
def test_custom_rater_weights_against_exact_reference(zelf_weight):
    weights = dict(WEIGHTS, zelf=zelf_weight)
    for a, z in itertools.product(_indicator_sets(2), repeat=2):
        per_rater = {"assessor": a, "zelf": z}
        agg = aggregate_ratings(ratings_of(per_rater), rater_weights={"zelf": float(zelf_weight)})
        level, mean, _ = reference(per_rater, weights)
        assert agg.levels["initiatief"] == level, per_rater
        assert agg.means["initiatief"] == pytest.approx(float(mean), abs=1e-12)


def test_disagreement_is_two_levels_between_raters_not_within_one():
    # one rater's indicators 1 and 4 average to 2.5: no disagreement between raters
    agg = aggregate_ratings(ratings_of({"assessor": [1, 4], "begeleider": [2, 3]}))
    assert agg.disagreements == ()
    # raters 2 and 4 (exactly two apart) are flagged; 2 and 3.5 (1.5 apart) are not
    agg = aggregate_ratings(ratings_of({"assessor": [2], "begeleider": [4]}))
    assert agg.disagreements == ("initiatief",)
    agg = aggregate_ratings(ratings_of({"assessor": [2], "begeleider": [3, 4]}))
    assert agg.disagreements == ()
