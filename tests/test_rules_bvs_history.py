"""The BVS history as a coach gives it: pairs or mappings, and the errors for anything else.

``assign_places``' ``bvs_history`` maps a worker id to past BVS, each ``(employer, post)`` or
``{"employer": ..., "post": ...}`` (also read from the worker's ``extra["bvs_history"]``).
Both forms mean the same. A past BVS without a known employer is a company of its own, one
without a known post a post of its own: it blocks no place, whatever the place is called (also
a place literally called "None"). Anything else is a ``ValidationError`` that names the worker
and what was received.
"""

from __future__ import annotations

import datetime as dt

import pytest

from doorstroom_match import DoorstroomError
from doorstroom_match.assignment import assign_places
from doorstroom_match.profiles import Vacancy, WorkerProfile

TODAY = dt.date(2025, 3, 3)


def worker(wid="W1", **extra):
    return WorkerProfile(wid, {"samenwerken": 3}, extra=extra)


def bvs(pid, employer, post):
    return Vacancy(
        pid,
        "magazijnier",
        kind="bvs",
        requirements={"samenwerken": 3},
        capacity=1,
        employer=employer,
        post=post,
    )


def blocked(history, places, *, via_extra=False):
    ws = [worker(bvs_history=history)] if via_extra else [worker()]
    hist = None if via_extra else {"W1": history}
    res = assign_places(ws, places, bvs_history=hist, max_km=None, on_date=TODAY)
    return dict(res.explain("W1").blocked), res.placements["W1"]


@pytest.mark.parametrize("via_extra", [False, True])
@pytest.mark.parametrize(
    "history",
    [
        [("Acme", "inpak")],
        [["acme ", " INPAK"]],
        [{"employer": "Acme", "post": "inpak"}],
        [{"post": "Inpak", "employer": "ACME"}],
    ],
    ids=["tuple", "list", "mapping", "mapping-reordered"],
)
def test_pairs_and_mappings_mean_the_same(history, via_extra):
    places = [bvs("ACME-1", "Acme", "inpak"), bvs("BETA-1", "Beta", "inpak")]
    assert blocked(history, places, via_extra=via_extra) == ({"bvs_post": 1}, "BETA-1")


def test_two_mappings_at_one_company_block_a_third_post():
    history = [{"employer": "Acme", "post": "inpak"}, {"employer": "Acme", "post": "kassa"}]
    assert blocked(history, [bvs("A3", "Acme", "magazijn")]) == ({"bvs_company": 1}, None)


@pytest.mark.parametrize(
    "history",
    [
        [("Acme", None)],
        [("Acme", "")],
        [("Acme", "  ")],
        [{"employer": "Acme"}],
        [{"employer": "Acme", "post": None}],
    ],
)
def test_an_unknown_past_post_blocks_no_post_whatever_its_name(history):
    for post in ("None", "none", "inpak"):
        assert blocked(history, [bvs("ACME-1", "Acme", post)]) == ({}, "ACME-1"), post


@pytest.mark.parametrize("employer", [None, "", " "])
def test_an_unknown_past_employer_is_a_company_of_its_own(employer):
    history = [(employer, "inpak"), (employer, "kassa")]
    for company in ("None", "none", "Acme"):
        assert blocked(history, [bvs("P1", company, "inpak")]) == ({}, "P1"), company


def test_an_entry_that_is_not_a_pair_is_refused_naming_the_worker():
    for entry, kind in (("ab", "str"), (("Acme",), "tuple"), (7, "int"), (None, "NoneType")):
        with pytest.raises(DoorstroomError) as info:
            blocked([entry], [bvs("P1", "Acme", "inpak")])
        assert str(info.value) == (
            "bvs_history of worker 'W1': each entry must be (employer, post) or "
            f"{{'employer': ..., 'post': ...}}, got {kind}"
        )


@pytest.mark.parametrize(("history", "kind"), [("Acme", "str"), ({"Acme": "inpak"}, "dict")])
def test_a_history_that_is_not_a_list_is_refused_naming_the_worker(history, kind):
    with pytest.raises(DoorstroomError) as info:
        blocked(history, [bvs("P1", "Acme", "inpak")])
    assert str(info.value) == (
        f"bvs_history of worker 'W1' must be a list of (employer, post) entries, got {kind}"
    )


def test_no_history_and_an_empty_history_block_nothing():
    for history in (None, [], ()):
        assert blocked(history, [bvs("P1", "Acme", "inpak")]) == ({}, "P1")
    ws = [worker()]  # nothing in extra, no mapping
    res = assign_places(ws, [bvs("P1", "Acme", "inpak")], max_km=None, on_date=TODAY)
    assert res.placements["W1"] == "P1"
