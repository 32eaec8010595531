"""The BVS rule, checked from the field's wording against a reference written from it.

DOMAIN.md: "BVS (beroepsverkennende stage) ... at most 2 BVS per worker at the same company,
and then on different posts". So a BVS place is excluded for a worker who already did two BVS
at that company, and otherwise when the worker did a BVS on *that post at that company*; a post
of the same name at another company does not count. A place or past BVS without a known
employer counts as its own company, one without a known post as its own post (``assign_places``
docstring). Names are compared without case and surrounding spaces.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from doorstroom_match.assignment import assign_places
from doorstroom_match.profiles import Vacancy, WorkerProfile

TODAY = dt.date(2025, 3, 3)
EMPLOYERS = ["Acme", "Beta", None]
POSTS = ["inpak", "kassa", None]


def _norm(x):
    return None if x is None or not x.strip() else x.strip().casefold()


def expected_reason(history, employer, post):
    """The rule as written: "" (allowed), "bvs_company" or "bvs_post"."""
    company = _norm(employer)
    if company is None:  # an unknown employer is a company of its own: no history there
        return ""
    here = [_norm(p) for e, p in history if _norm(e) == company]
    if len(here) >= 2:
        return "bvs_company"
    if _norm(post) is not None and _norm(post) in here:
        return "bvs_post"
    return ""


def worker(wid):
    return WorkerProfile(wid, {"samenwerken": 3, "nauwkeurigheid": 3})


def bvs(pid, employer, post, capacity):
    return Vacancy(
        pid,
        "magazijnier",
        kind="bvs",
        requirements={"samenwerken": 3},
        capacity=capacity,
        employer=employer,
        post=post,
    )


# every history of up to two past BVS over two companies, two posts and the unknowns
PAIRS = list(itertools.product(EMPLOYERS, POSTS))
HISTORIES = [[]] + [[p] for p in PAIRS] + list(itertools.combinations_with_replacement(PAIRS, 2))


@pytest.mark.parametrize(("employer", "post"), PAIRS)
def test_bvs_rule_against_the_wording_for_every_small_history(employer, post):
    workers = [worker(f"W{i}") for i in range(len(HISTORIES))]
    history = {w.id: list(h) for w, h in zip(workers, HISTORIES, strict=True)}
    place = bvs("B1", employer, post, capacity=len(workers))
    res = assign_places(workers, [place], bvs_history=history, max_km=None, on_date=TODAY)
    for w, h in zip(workers, HISTORIES, strict=True):
        want = expected_reason(h, employer, post)
        e = res.explain(w.id)
        if want:
            assert dict(e.blocked) == {want: 1}, (h, employer, post)
            assert e.place_id is None
        else:
            assert dict(e.blocked) == {}, (h, employer, post)
            assert e.place_id == "B1"


def test_same_post_name_at_another_company_is_a_different_post():
    # one BVS on post "inpak" at Acme: a BVS on "inpak" at Beta is allowed, at Acme it is not
    ws = [worker("W1")]
    ps = [bvs("ACME-1", "Acme", "inpak", 1), bvs("BETA-1", "Beta", "inpak", 1)]
    res = assign_places(ws, ps, bvs_history={"W1": [("Acme", "inpak")]}, max_km=None, on_date=TODAY)
    assert dict(res.explain("W1").blocked) == {"bvs_post": 1}
    assert res.placements["W1"] == "BETA-1"


def test_two_bvs_at_a_company_block_a_third_even_on_a_new_post():
    ws = [worker("W1")]
    ps = [bvs("A3", " ACME ", "magazijn", 1)]
    hist = {"W1": [("acme", "inpak"), ("Acme", "kassa")]}
    res = assign_places(ws, ps, bvs_history=hist, max_km=None, on_date=TODAY)
    assert dict(res.explain("W1").blocked) == {"bvs_company": 1}
    # two BVS at two different companies block nothing
    hist = {"W1": [("Beta", "inpak"), ("Gamma", "magazijn")]}
    res = assign_places(ws, ps, bvs_history=hist, max_km=None, on_date=TODAY)
    assert res.placements["W1"] == "A3"


def test_bvs_history_never_blocks_a_tbs_or_a_vacancy():
    ws = [worker("W1")]
    hist = {"W1": [("Acme", "inpak"), ("Acme", "kassa")]}
    for kind in ("tbs", "vacancy", "enclave"):
        p = Vacancy(
            "P1",
            "magazijnier",
            kind=kind,
            requirements={"samenwerken": 3},
            employer="Acme",
            post="inpak",
        )
        res = assign_places(ws, [p], bvs_history=hist, max_km=None, on_date=TODAY)
        assert res.placements["W1"] == "P1", kind
