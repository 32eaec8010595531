"""Rater calibration: the rules around the estimation, from the documented wording (the
``calibration.py`` docstrings and the README section "Rater calibration").

- plain levels: each rater's ratings of a cell averaged, then the raters averaged with the
  self-assessment at half weight, the nearest level, a mean exactly half-way rounded down
  (README "Several raters"); checked against exact fractions for every small rating set.
- disagreements: two raters (each rater's ratings averaged) two levels or more apart.
- subsets: raters who share no worker, directly or through colleagues, cannot be compared;
  the warning names the sizes and says when self-assessments link them.
- records: ids kept as given (strings stripped), the self-assessment names in any case,
  levels as numbers or Dutch labels, every documented error with the rating's number.
- ``cutoff_changes``: a worker passes when every required competence is at or above its
  minimum (a competence not rated does not pass); "before" the plain levels, "after" the
  fair ones; in worker order, then cut-off order; the competences that crossed the minimum.
- ``feedback``: the coordinator's sentence, in full.
- ``read_ratings``: the ratings file format, line numbers as a coach sees them.
"""

from __future__ import annotations

import itertools
import json
import warnings
from fractions import Fraction

import numpy as np
import pytest

from doorstroom_match import (
    CalibrationWarning,
    EmptyInputError,
    FeedError,
    LevelError,
    RaterCalibration,
    UnknownCompetenceError,
    Vacancy,
    ValidationError,
    WorkerProfile,
    calibrate_raters,
    cutoff_changes,
    default_dictionary,
)
from doorstroom_match.calibration import (
    SELF,
    _round_half_down,
    read_ratings,
    simulate_ratings,
    with_fair_levels,
)


def reference_plain(per_rater: dict[str, list[int]]) -> int:
    """The README's rule in exact arithmetic: each rater's ratings averaged, the raters
    averaged with weight 1 and the self-assessment 1/2, the nearest level, half-way down."""
    num = den = Fraction(0)
    for rater, levels in per_rater.items():
        w = Fraction(1, 2) if rater == SELF else Fraction(1)
        num += w * Fraction(sum(levels), len(levels))
        den += w
    mean = num / den
    low = int(mean)  # floor: the mean is positive
    level = low if mean - low <= Fraction(1, 2) else low + 1
    return min(4, max(1, level))


def reference_disagrees(per_rater: dict[str, list[int]]) -> bool:
    means = [Fraction(sum(v), len(v)) for v in per_rater.values()]
    return len(means) > 1 and max(means) - min(means) >= 2


def _rating_sets() -> list[dict[str, list[int]]]:
    sets = []
    lv = range(1, 5)
    sets += [{"A": [a], "B": [b]} for a, b in itertools.product(lv, lv)]
    sets += [{"A": [a1, a2], "B": [b]} for a1, a2, b in itertools.product(lv, lv, lv)]
    sets += [{"A": [a], SELF: [s]} for a, s in itertools.product(lv, lv)]
    sets += [{"A": [a], "B": [b], "C": [c]} for a, b, c in itertools.product(lv, lv, lv)]
    sets += [{"A": [a], "B": [b], SELF: [s]} for a, b, s in itertools.product(lv, lv, lv)]
    # exactly half-way, where floating-point sums land just above or below it:
    # (7/3 + 11/4 + 7/3 / 2) / 2.5 = 2.5, and (1 + 1 + 8/3 + 4/3) / 4 = 1.5
    sets.append({"A": [3, 2, 2], "B": [4, 4, 1, 2], SELF: [2, 3, 2]})
    sets.append({"A": [1], "B": [1, 1], "C": [2, 4, 2], "D": [2, 1, 1]})
    return sets


@pytest.fixture(scope="module")
def small_sets():
    sets = _rating_sets()
    records = [
        {"worker": f"W{i:03d}", "rater": rater, "competence": "K", "level": level}
        for i, per_rater in enumerate(sets)
        for rater, levels in per_rater.items()
        for level in levels
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        cal = calibrate_raters(records, min_ratings=1)
    return sets, cal


def test_plain_levels_against_exact_fractions_for_every_small_rating_set(small_sets):
    sets, cal = small_sets
    for i, per_rater in enumerate(sets):
        got = cal.plain_levels(f"W{i:03d}")
        assert got == {"K": reference_plain(per_rater)}, per_rater


def test_disagreements_two_raters_two_levels_apart(small_sets):
    sets, cal = small_sets
    for i, per_rater in enumerate(sets):
        want = ("K",) if reference_disagrees(per_rater) else ()
        assert cal.disagreements(f"W{i:03d}") == want, per_rater
    flagged = sum(reference_disagrees(s) for s in sets)
    assert 0 < flagged < len(sets)


def test_round_half_down_at_every_half_way_point():
    mean = np.array(
        [
            0.2,
            1.0,
            1.5,
            1.5000001,
            2.5,
            2.5000000000000004,
            2.4999999999999996,
            3.5,
            3.50001,
            4.0,
            4.5,
            6.0,
        ]
    )
    got = _round_half_down(mean)
    assert got.tolist() == [1, 1, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4]
    assert got.dtype == np.int64


# --------------------------------------------------------------------------- records


def _rec(worker, rater, comp, level):
    return {"worker": worker, "rater": rater, "competence": comp, "level": level}


def test_ids_are_kept_as_given_and_self_names_in_any_case():
    recs = [
        _rec(" W1 ", " A ", " K ", 2),
        _rec("W1", "B", "K", "goed"),  # a Dutch label
        _rec(7, "A", "K", np.int64(4)),
        _rec(np.int32(7), "B", "K", 3),  # the same worker 7
        _rec("7", "A", "K", 1),  # text "7" is another worker than 7
        _rec("7", "B", "K", 2),
        _rec("W1", " Zelf ", "K", 4),
        _rec(7, "SELF", "K", 4),
        _rec("7", "ZelfEvaluatie", "K", 4),
        _rec("W1", "zelfassessment", "L", 4),
        _rec("W1", "zelfbeoordeling", "L", 3),
        _rec("W1", "zelfje", "L", 2),  # not a self name: a rater
        _rec("W1", "A", "L", 2),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalibrationWarning)
        cal = calibrate_raters(recs, min_ratings=1)
    assert cal.workers == ("W1", 7, "7")
    assert cal.raters == ("A", "B", "zelfje")
    assert cal.competences == ("K", "L")
    assert cal.self_assessment is not None and cal.self_assessment.n_ratings == 5
    assert cal.checks.n_ratings == len(recs) and cal.checks.n_raters == 3
    assert cal.n_ratings == {"A": 4, "B": 3, "zelfje": 1}
    # W1 on K: A 2, B goed (3), self 4 -> (2 + 3 + 2) / 2.5 = 2.8 -> 3
    assert cal.plain_levels(" W1 ") == cal.plain_levels("W1") == {"K": 3, "L": 2}
    assert cal.plain_levels(7) == {"K": 4}  # (4 + 3 + 2) / 2.5 = 3.6
    assert cal.plain_levels("7") == {"K": 2}  # (1 + 2 + 2) / 2.5 = 2.0


def test_a_dictionary_resolves_competence_names():
    d = default_dictionary()
    comp = d.ids[0]
    label = d[comp].label
    recs = [_rec("W1", "A", comp, 3), _rec("W1", "B", label.upper(), 2)]
    with pytest.warns(CalibrationWarning, match="level"):
        cal = calibrate_raters(recs, dictionary=d, min_ratings=1)
    assert cal.competences == (comp,)
    assert cal.plain_levels("W1") == {comp: 2}  # 2.5 rounds down
    with pytest.raises(UnknownCompetenceError, match="competence of rating 1"):
        calibrate_raters([_rec("W1", "A", comp, 3), _rec("W1", "A", "qqqxyz", 2)], dictionary=d)


@pytest.mark.parametrize(
    ("records", "error", "match"),
    [
        (None, ValidationError, r"^records must be an iterable of mappings .* got NoneType$"),
        (b"x", ValidationError, r"got bytes$"),
        ({"worker": "W1"}, ValidationError, r"got dict$"),
        ([], EmptyInputError, r"^records must hold at least one rating, got 0$"),
        ([_rec("W1", "A", "K", 2), 5], ValidationError, r"^rating 1 must be a mapping, got int$"),
        (
            [{"worker": "W1", "competence": "K", "level": 2}],
            ValidationError,
            r"^rating 0 has no 'rater'; each rating needs 'worker', 'rater', 'competence' and "
            r"'level'$",
        ),
        (
            [{"rater": "A", "level": 2}],
            ValidationError,
            r"^rating 0 has no 'worker';",
        ),
        (
            [{"worker": "W1", "rater": "A", "level": 2}],
            ValidationError,
            r"^rating 0 has no 'competence';",
        ),
        (
            [_rec("W1", "A", "K", 2), {"worker": "W1", "rater": "A", "competence": "K"}],
            ValidationError,
            r"^rating 1 has no 'level';",
        ),
        (
            [_rec("W1", "A", "K", 2), _rec(True, "A", "K", 2)],
            ValidationError,
            r"^worker of rating 1 must be a non-empty string or an int, got bool$",
        ),
        (
            [_rec("W1", "  ", "K", 2)],
            ValidationError,
            r"^rater of rating 0 must be a non-empty string or an int, got str$",
        ),
        (
            [_rec("W1", "A", 2.0, 2)],
            ValidationError,
            r"^competence of rating 0 must be a non-empty string or an int, got float$",
        ),
        ([_rec("W1", "A", "K", 0)], LevelError, r"level of rating 0"),
        ([_rec("W1", "A", "K", True)], LevelError, r"level of rating 0"),
        ([_rec("W1", "A", "K", 2), _rec("W1", "A", "K", 4.5)], LevelError, r"level of rating 1"),
    ],
)
def test_every_documented_record_error(records, error, match):
    with pytest.raises(error, match=match):
        calibrate_raters(records)


# --------------------------------------------------------------------------- subsets


def _linked(raters_workers):
    return [_rec(w, r, "K", 1 + (i % 4)) for i, (r, w) in enumerate(raters_workers)]


def test_raters_who_share_no_worker_fall_into_subsets():
    recs = _linked(
        [
            ("A", "W1"),
            ("A", "W2"),
            ("B", "W2"),
            ("B", "W1"),
            ("C", "W3"),
            ("D", "W3"),
            ("D", "W4"),
            ("C", "W4"),
            ("E", "W5"),
            ("E", "W6"),
            (SELF, "W1"),
            (SELF, "W2"),
        ]
    )
    with pytest.warns(CalibrationWarning) as caught:
        cal = calibrate_raters(recs, min_ratings=1)
    msgs = [str(w.message) for w in caught]
    assert (
        "the raters fall into 3 subsets that share no worker (sizes 2, 2, 1); severities are "
        "comparable only within a subset"
    ) in msgs
    assert cal.checks.subsets == (("A", "B"), ("C", "D"), ("E",))
    assert not cal.checks.connected and not cal.checks.linked_by_self
    for sub in cal.checks.subsets:
        assert abs(sum(cal.severity[r] for r in sub)) < 1e-9
    # self-assessments of workers of every subset put them on one scale, and say so
    linked = recs + _linked([(SELF, "W3"), (SELF, "W5"), ("zelf", "W6")])
    with pytest.warns(CalibrationWarning) as caught:
        cal2 = calibrate_raters(linked, min_ratings=1)
    assert (
        "the raters fall into 3 subsets that share no worker (sizes 2, 2, 1); they are put "
        "on one scale only through the self-assessments"
    ) in [str(w.message) for w in caught]
    assert cal2.checks.linked_by_self and cal2.checks.subsets == cal.checks.subsets
    assert abs(sum(cal2.severity.values())) < 1e-9


def test_raters_linked_through_a_colleague_are_one_subset():
    # A and C share no worker, but both share one with B; self-assessment links nothing
    recs = _linked(
        [
            ("A", "W1"),
            ("B", "W1"),
            ("B", "W2"),
            ("C", "W2"),
            ("A", "W3"),
            ("C", "W4"),
            (SELF, "W5"),
            ("B", "W5"),
            ("D", "W4"),  # one rating only: still a member of the subset
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", CalibrationWarning)
        cal = calibrate_raters(recs + _linked([("A", "W6")] * 4), min_ratings=1)
    assert cal.checks.subsets == (("A", "B", "C", "D"),) and cal.checks.connected
    assert not cal.checks.linked_by_self
    assert abs(sum(cal.severity.values())) < 1e-9


def test_no_numerical_warnings_without_self_assessments():
    # the self-assessment facet is empty: its fit statistics are undefined, silently
    sim = simulate_ratings(40, 3, 4, 2, n_erratic=0, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cal = calibrate_raters(sim.records, min_ratings=1)
    assert cal.self_assessment is None


def test_a_rater_known_only_through_self_assessments_is_its_own_subset():
    # D rates only W9, whom only the self-assessment also rates
    recs = _linked(
        [
            ("A", "W1"),
            ("B", "W1"),
            ("A", "W2"),
            ("B", "W2"),
            ("D", "W9"),
            (SELF, "W9"),
            (SELF, "W1"),
            ("D", "W9"),
        ]
    )
    with pytest.warns(CalibrationWarning, match="through the self-assessments"):
        cal = calibrate_raters(recs, min_ratings=1)
    assert cal.checks.subsets == (("A", "B"), ("D",))


# --------------------------------------------------------------------------- cut-offs


@pytest.fixture(scope="module")
def named_case():
    d = default_dictionary()
    sim = simulate_ratings(80, 5, 6, 3, n_erratic=0, severity_sd=1.2, seed=8)
    ids = d.ids
    recs = [dict(r, competence=ids[int(r["competence"][1:]) - 1]) for r in sim.records]
    return recs, calibrate_raters(recs, dictionary=d), ids[:5]


def _reference_changes(cal, cutoffs, workers):
    out = []
    for w in workers:
        fair, plain = cal.fair_levels(w), cal.plain_levels(w)
        for name, req in cutoffs:
            before = [plain.get(c, 0) >= lo for c, lo in req.items()]
            after = [fair.get(c, 0) >= lo for c, lo in req.items()]
            if all(before) != all(after):
                crossed = tuple(c for c, b, a in zip(req, before, after, strict=True) if b != a)
                out.append((w, name, all(before), all(after), crossed))
    return out


def _as_tuples(changes):
    return [(c.worker, c.cutoff, c.passes_before, c.passes_after, c.competences) for c in changes]


def test_cutoff_changes_for_several_vacancies_against_the_rule(named_case):
    _, cal, comps = named_case
    extra = default_dictionary().ids[12]  # required, never rated: nobody passes it
    vacs = [
        Vacancy("V1", "Kok", requirements={comps[0]: 3, comps[1]: 2}),
        Vacancy("V2", "Schilder", requirements={comps[2]: 3}),
        Vacancy("V3", "Magazijnier", requirements={comps[3]: 2, comps[4]: 3}),
        Vacancy("V4", "Poetshulp", requirements={comps[0]: 2, extra: 1}),
    ]
    sets = [(v.id, dict(v.requirements)) for v in vacs]
    want = _reference_changes(cal, sets, cal.workers)
    assert _as_tuples(cutoff_changes(cal, vacs)) == want
    assert len({w for w, *_ in want}) >= 3 and {n for _, n, *_ in want} >= {"V1", "V2"}
    assert "V4" not in {n for _, n, *_ in want}  # fails before and after
    # one vacancy, and a subset of workers in the order given
    some = list(reversed(cal.workers[:40]))
    want_v1 = _reference_changes(cal, sets[:1], some)
    assert _as_tuples(cutoff_changes(cal, vacs[0], workers=some)) == want_v1 and want_v1


def test_cutoff_changes_for_a_plain_cut_off_with_labels(named_case):
    _, cal, comps = named_case
    cut = {comps[0]: "goed", comps[2]: 3}
    want = _reference_changes(cal, [(None, {comps[0]: 3, comps[2]: 3})], cal.workers)
    got = cutoff_changes(cal, cut)
    assert _as_tuples(got) == want and want
    assert all(c.cutoff is None for c in got)
    with pytest.raises(LevelError, match=f"cut-off for {comps[0]!r}"):
        cutoff_changes(cal, {comps[0]: 5})
    with pytest.raises(ValidationError, match=r"^requirements item 1 must be a Vacancy, got dict$"):
        cutoff_changes(cal, [Vacancy("V1", "Kok", requirements={comps[0]: 3}), {comps[0]: 3}])
    with pytest.raises(
        ValidationError, match=r"^calibration must be a RaterCalibration, got dict$"
    ):
        cutoff_changes({}, cut)


def test_with_fair_levels_replaces_only_rated_competences(named_case):
    _, cal, comps = named_case
    d = default_dictionary()
    extra = d.ids[12]
    w = WorkerProfile("W0005", {extra: 2, comps[0]: 1}, disagreements=(extra,))
    nobody = WorkerProfile("NOBODY", {extra: 3})
    got = with_fair_levels([nobody, w, nobody], cal)
    assert dict(got[1].competences) == {extra: 2, **cal.fair_levels("W0005")}
    assert got[1].disagreements == cal.disagreements("W0005")
    assert got[0] is nobody and got[2] is nobody and len(got) == 3
    assert dict(w.competences) == {extra: 2, comps[0]: 1}  # the input is not changed
    with pytest.raises(ValidationError, match=r"^workers must be WorkerProfile objects, got dict$"):
        with_fair_levels([{"id": "W0005"}], cal)


# --------------------------------------------------------------------------- feedback


def _cal(levels: dict, misfits=()) -> RaterCalibration:
    return RaterCalibration(
        severity={
            r: 0.55 * (i + 1) * (1 if lv >= 0 else -1) for i, (r, lv) in enumerate(levels.items())
        },
        severity_se={r: 0.125 for r in levels},
        severity_levels=levels,
        fit={r: {"infit": 1.5, "outfit": 1.234} for r in levels},
        misfits=tuple(misfits),
    )


def test_feedback_sentence_in_full():
    cal = _cal(
        {"B07": 0.4, "B08": -0.35, "B09": 0.0499, "B10": -0.0499, "B11": 0.05, "B12": -0.05},
        misfits=("B08",),
    )
    assert cal.feedback("B07") == (
        "B07 scoort gemiddeld 0.4 niveau lager dan collega's (strengheid +0.55 logit, SE 0.12)."
    )
    assert cal.feedback("B08") == (
        "B08 scoort gemiddeld 0.3 niveau hoger dan collega's (strengheid -1.10 logit, SE 0.12)"
        "; de scores passen slecht bij die van collega's (infit 1.50, outfit 1.23): bespreek "
        "de criteria."
    )
    assert cal.feedback("B09").startswith("B09 scoort gemiddeld zoals collega's (strengheid +1.65")
    assert cal.feedback("B10").startswith("B10 scoort gemiddeld zoals collega's (")
    assert cal.feedback("B11").startswith("B11 scoort gemiddeld 0.1 niveau lager dan")
    assert cal.feedback("B12").startswith("B12 scoort gemiddeld 0.1 niveau hoger dan")
    with pytest.raises(ValidationError, match=r"^rater 'B99' is not in this calibration$"):
        cal.feedback("B99")


# --------------------------------------------------------------------------- ratings files


def test_read_ratings_file_format(tmp_path):
    c = tmp_path / "week.csv"
    # a byte-order mark, extra columns, ids as text and stripped; the level as given
    c.write_bytes(
        "\ufeffworker,date,rater,competence,level,indicator\n"
        " W1 ,2026-11-02, zelf ,samenwerken,goed,x\n"
        "7,2026-11-03,B07, initiatief ,2,\n".encode()
    )
    quoted = tmp_path / "quoted.csv"  # a quoted field keeps its line break as written
    quoted.write_bytes(b'worker,rater,competence,level\r\nW1,A,"lezen,\r\nschrijven",2\r\n')
    assert read_ratings(quoted) == [
        {"worker": "W1", "rater": "A", "competence": "lezen,\r\nschrijven", "level": "2"}
    ]
    j = tmp_path / "hist.jsonl"
    j.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "worker": 7,
                        "rater": " B08",
                        "competence": "x",
                        "level": 4,
                        "date": "2026-10-01",
                    }
                ),
                "   ",
                json.dumps({"worker": "W2", "rater": 3, "competence": "y", "level": "matig"}),
            ]
        )
        + "\n",
        "utf-8",
    )
    want_csv = [
        {"worker": "W1", "rater": "zelf", "competence": "samenwerken", "level": "goed"},
        {"worker": "7", "rater": "B07", "competence": " initiatief ", "level": "2"},
    ]
    want_jsonl = [
        {"worker": "7", "rater": "B08", "competence": "x", "level": 4},
        {"worker": "W2", "rater": "3", "competence": "y", "level": "matig"},
    ]
    assert read_ratings(c) == want_csv
    assert read_ratings(str(j)) == want_jsonl
    assert read_ratings([j, c]) == want_jsonl + want_csv  # several files, in order
    assert read_ratings([]) == []


@pytest.mark.parametrize(
    ("name", "text", "error", "match"),
    [
        (
            "a.csv",
            "worker,rater,level\nW1,A,3\n",
            FeedError,
            "has no column 'competence'; needed: worker, rater, competence, level$",
        ),
        ("b.CSV", "rater,competence,level\n", FeedError, "has no column 'worker'"),
        (
            "c.csv",
            "worker,rater,competence,level\nW1,A,k,3\nW1,A,k,\n",
            ValidationError,
            r"line 3: 'level' is missing or empty$",
        ),
        (
            "d.jsonl",
            '{"worker": "W1", "rater": "A", "competence": "k", "level": 3}\n\n[1, 2]\n',
            FeedError,
            r"line 3 must be a JSON object, got list$",
        ),
        (
            "e.jsonl",
            '\n{"worker": 1, "rater": "A", "competence": "k", "level": 3}\n{no\n',
            FeedError,
            r"line 3 is not JSON: ",
        ),
        (
            "f.jsonl",
            '{"worker": null, "rater": "A", "competence": "k", "level": 3}\n',
            ValidationError,
            r"line 1: 'worker' is missing or empty$",
        ),
        (
            "g.jsonl",
            '{"worker": "W1", "rater": "A", "level": 3}\n',
            ValidationError,
            r"line 1: 'competence' is missing or empty$",
        ),
    ],
)
def test_read_ratings_errors_name_the_file_and_line(tmp_path, name, text, error, match):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    with pytest.raises(error, match=f"^ratings file {str(path)!r}.*{match}"):
        read_ratings(path)


def test_read_ratings_unreadable_file(tmp_path):
    with pytest.raises(FeedError, match=r"^cannot read ratings file .*missing\.csv'"):
        read_ratings(tmp_path / "missing.csv")
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(FeedError, match="cannot read ratings file"):
        read_ratings(tmp_path / "dir.jsonl")
