from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from doorstroom_match import Vacancy, ValidationError, WorkerProfile, development_plan


def _pair():
    w = WorkerProfile("W1", {"samenwerken": "matig", "initiatief": "onvoldoende", "stiptheid": 4})
    v = Vacancy(
        "V9",
        "magazijnier",
        requirements={
            "samenwerken": "goed",
            "initiatief": "goed",
            "stiptheid": "goed",
            "taalkennis_nederlands": 2,
        },
    )
    return w, v


def test_plan_lists_gaps_most_important_first():
    w, v = _pair()
    plan = development_plan(w, v, start=dt.date(2026, 1, 5))
    # initiatief: 1.5 * 2 = 3, samenwerken 1.5 * 1, taalkennis not rated: 1.0 * 2
    assert [i.competence for i in plan.items] == [
        "initiatief",
        "taalkennis_nederlands",
        "samenwerken",
    ]
    assert [i.priority for i in plan.items] == [1, 2, 3]
    first = plan.items[0]
    assert first.required == "goed" and first.actual == "onvoldoende" and first.shortfall == 2
    assert first.competence_type == "generiek"
    assert first.deadline == "2026-03-02"  # 2 levels x 4 weeks
    assert plan.items[1].actual == "niet gemeten" and "meten" in plan.items[1].action
    for item in plan.items:
        assert item.action and item.who_helps and item.measurable_result
    assert not plan.passes_cutoff


def test_plan_exports_csv_and_markdown(tmp_path):
    w, v = _pair()
    plan = development_plan(w, v, kind="POP", start=dt.date(2026, 1, 5))
    path = tmp_path / "pop.csv"
    text = plan.to_csv(str(path))
    assert path.read_text(encoding="utf-8") == text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 and rows[0]["competentie_id"] == "initiatief"
    assert {"actie", "wie helpt", "tegen wanneer", "meetbaar resultaat", "type"} <= set(rows[0])
    md = plan.to_markdown()
    assert md.startswith("# POP — werknemer W1") and md.count("\n| ") == 4


def test_plan_when_worker_passes():
    w = WorkerProfile("W1", {"samenwerken": 4})
    plan = development_plan(w, Vacancy("V1", "x", requirements={"samenwerken": 2}))
    assert plan.passes_cutoff and plan.items == ()
    assert "geen kloof" in plan.to_markdown()


def test_technical_competence_gets_a_training_action():
    from doorstroom_match import Competence, CompetenceDictionary

    d = CompetenceDictionary(
        [Competence("heftruck", "heftruck rijden", type="technisch", group="extra")]
    )
    w = WorkerProfile("W1", {"heftruck": 1}, dictionary=d)
    v = Vacancy("V1", "magazijnier", requirements={"heftruck": 3}, dictionary=d)
    (item,) = development_plan(w, v).items
    assert item.competence_type == "technisch" and "opleid" in item.who_helps.lower()


def test_plan_errors():
    w, v = _pair()
    with pytest.raises(ValidationError, match="kind must be 'PDP' or 'POP', got 'ABC'"):
        development_plan(w, v, kind="ABC")
    with pytest.raises(ValidationError, match="weeks_per_level must be >= 1"):
        development_plan(w, v, weeks_per_level=0)


def test_opening_gap_is_the_first_plan_line_with_done_remark_and_strengths():
    from doorstroom_match import opening_gaps

    w = WorkerProfile("W1", {"samenwerken": 2, "stiptheid": 4, "nauwkeurigheid": 3})
    target = Vacancy("T", "magazijnier", requirements={"initiatief": 3})
    market = [
        Vacancy(f"M{i}", "job", requirements={"samenwerken": 3, "stiptheid": 3}) for i in range(3)
    ]
    g = opening_gaps(w, market, max_km=None)
    plan = development_plan(w, target, start=dt.date(2026, 1, 5), opening=g)
    first = plan.items[0]
    assert (first.priority, first.competence, first.actual, first.required) == (
        1,
        "samenwerken",
        "matig",
        "goed",
    )
    assert first.remark == "opent 3 vacatures binnen bereik" and not first.for_vacancy
    assert [i.competence for i in plan.items[1:]] == ["initiatief"]
    assert plan.items[1].priority == 2 and plan.items[1].for_vacancy
    assert not plan.passes_cutoff and not any(i.done for i in plan.items)
    d = w.dictionary
    assert plan.strengths == (d.label("stiptheid"), d.label("nauwkeurigheid"))
    md = plan.to_markdown()
    assert "Sterktes:" in md and "| voltooid | opmerking |" in md and "[ ]" in md
    assert "Werkpunt dat de meeste deuren opent" in md
    rows = list(csv.DictReader(io.StringIO(plan.to_csv())))
    assert rows[0]["voltooid"] == "False" and rows[0]["opmerking"].startswith("opent 3")
    # when the vacancy needs that competence too, its own line moves first
    plan2 = development_plan(w, market[0], start=dt.date(2026, 1, 5), opening=g)
    assert [i.competence for i in plan2.items] == ["samenwerken"]
    assert plan2.items[0].for_vacancy and plan2.items[0].remark.startswith("opent 3")
    with pytest.raises(ValidationError, match="opening is for worker 'W1'"):
        development_plan(WorkerProfile("W2", {}), target, opening=g)
