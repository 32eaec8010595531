"""The rules of the one flow from job target to suggestions (issue: recommendations a coach
can trust), each checked from the rule, on the default path (``match()`` with no options and
the weekly batch with no flags)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from doorstroom_match import Matcher, Vacancy, WorkerProfile, match
from doorstroom_match.batch import run_batch
from doorstroom_match.geo import haversine_km, postcode_coordinates
from doorstroom_match.occupations import OccupationModel
from doorstroom_match.ranking import default_occupation_model

GENT = "9000"
# postcodes at known crow-flies distances from Gent (9000)
NEAR = ["9050", "9031", "9030", "9040", "9070", "9090", "9820", "9810", "9052", "9032"]
FAR = ["2000", "3500", "8400", "3000"]  # Antwerpen, Hasselt, Oostende, Leuven


def _km(a: str, b: str) -> float:
    return float(haversine_km(postcode_coordinates([a]), postcode_coordinates([b]))[0, 0])


def _worker(wid: str = "W1", **kw) -> WorkerProfile:
    comps = {"samenwerken": 3, "stiptheid": 3, "nauwkeurigheid": 2, "werktempo": 3}
    kw.setdefault("job_target", "kok")
    kw.setdefault("postcode", GENT)
    kw.setdefault("max_commute_km", 20)
    return WorkerProfile(wid, comps, **kw)


@pytest.fixture(scope="module")
def occ() -> OccupationModel:
    return default_occupation_model()


def test_occupation_model_recognises_titles_and_affinity_is_a_cosine(occ):
    idx, share = occ.guess(["kok", "Kok (m/v/x)", "keukenhulp", None, ""])
    assert occ.isco(idx)[0] == "5120" and share[0].sum() == pytest.approx(1.0)
    assert (idx[3] == -1).all() and (share[3] == 0).all() and (idx[4] == -1).all()
    aff = occ.affinity(["kok", "kok", "kok"], ["kok", "keukenhulp", "heftruckchauffeur"])
    assert aff[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert aff[0, 0] > max(aff[1, 1], aff[2, 2]) and aff.min() >= 0.0
    f = occ.features(idx, share)
    norms = np.sqrt(np.asarray(f.multiply(f).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1, 1, 1, 0, 0], atol=1e-5)


def test_a_job_in_its_setting_is_read_as_the_job(occ):
    # the setting's words made the title read as a manager of the setting (restaurantmanager,
    # supermarktmanager); the job without its setting is now scored too
    cases = {
        "kok in een restaurant": "kok",
        "vakkenvuller in de supermarkt": "winkelmedewerker",
    }
    idx, _ = occ.guess_targets(list(cases))
    labels = dict(zip(occ.uris_, occ.normalizer_.labels_, strict=True))
    for (text, want), row in zip(cases.items(), idx, strict=True):
        assert labels[occ.uris_[row[0]]] == want, (text, labels[occ.uris_[row[0]]])


def test_flemish_job_words_are_read_as_the_catalogues_jobs(occ):
    # words of Flemish postings and coaches that the Dutch catalogue lacks; by spelling alone
    # each was read as another job (kuiper, steenhouwer, buschauffeur, autopoetser, data
    # warehouse designer, operator kelder, ...)
    cases = {
        "Kuisvrouw (m/v/x)": "schoonmaker",
        "poetshulp": "schoonmaker",
        "hulpbeenhouwer": "slager",
        "camionchauffeur": "vrachtwagenchauffeur",
        "Chauffeur camionette": "auto- en bestelwagenkoerier",  # a van, not a truck
        "clarkchauffeur": "heftruckchauffeur",
        "serrearbeider": "tuinbouwmedewerker",
        "medewerker groenonderhoud": "medewerker groenvoorziening",
        "plongeur": "keukenhulp",
        # English loan titles of postings
        "Forklift driver": "heftruckchauffeur",
        "Warehouse worker (m/f/x)": "magazijnmedewerker",
        "Cleaner": "schoonmaker",
        "Welder": "lasser",
    }
    idx, _ = occ.guess_targets(list(cases))
    labels = dict(zip(occ.uris_, occ.normalizer_.labels_, strict=True))
    for (text, want), row in zip(cases.items(), idx, strict=True):
        assert labels[occ.uris_[row[0]]].startswith(want), (text, labels[occ.uris_[row[0]]])


def test_posting_filler_is_dropped_by_the_rankings_normaliser(occ):
    # seniority, working time and "gezocht" name no job; without them the title is a label
    assert occ.normalizer_.drop_filler is True
    cases = {
        "Ervaren lasser - voltijds": "lasser",
        "Kassamedewerker gezocht": "kassamedewerker",
        "Junior kok (m/v/x)": "kok",
    }
    idx, share = occ.guess(list(cases))
    labels = dict(zip(occ.uris_, occ.normalizer_.labels_, strict=True))
    for (text, want), row, sh in zip(cases.items(), idx, share, strict=True):
        assert labels[occ.uris_[row[0]]] == want and sh[0] == 1.0, (text, labels[occ.uris_[row[0]]])


def test_affinity_levels_follow_the_isco_tree(occ):
    # certain guesses (given uris): same occupation 1, then each shared level of the ISCO tree
    by_group: dict[str, list[str]] = {}
    for u, g in zip(occ.uris_, occ.isco_, strict=True):
        by_group.setdefault(g, []).append(u)
    g4 = next(
        g
        for g, us in by_group.items()
        if len(us) >= 2
        and any(h[:3] == g[:3] and h != g for h in by_group)
        and any(h[:2] == g[:2] and h[:3] != g[:3] for h in by_group)
    )
    sib = next(g for g in by_group if g[:3] == g4[:3] and g != g4)
    cousin = next(g for g in by_group if g[:2] == g4[:2] and g[:3] != g4[:3])
    other = next(g for g in by_group if g[:1] != g4[:1])
    a, b = by_group[g4][:2]
    uris = [a, b, by_group[sib][0], by_group[cousin][0], by_group[other][0]]
    f = occ.features(*occ.known(uris))
    aff = (f[:1] @ f.T).toarray()[0]
    a_occ, a4, a3, a2 = occ.weights
    np.testing.assert_allclose(aff, [1.0, a4 + a3 + a2, a3 + a2, a2, 0.0], atol=1e-5)


def test_requirement_free_vacancy_never_outranks_a_same_occupation_one_for_stating_nothing():
    w = _worker()
    stated = {"samenwerken": 3, "stiptheid": 3}  # the worker passes it
    vs = [
        Vacancy("free-other", "Schilder", postcode="9050"),
        Vacancy("free-same", "Kok", postcode="9050"),
        Vacancy("stated-same", "Kok", postcode="9050", requirements=stated),
    ]
    out = match(w, vs)
    order = [m.vacancy_id for m in out]
    assert order.index("stated-same") < order.index("free-same") < order.index("free-other")
    src = {m.vacancy_id: m.requirements_source for m in out}
    assert src == {"stated-same": "vacancy", "free-same": "inferred", "free-other": "inferred"}
    # the inferred cut-off is real: its gaps explain the distance, pass <=> distance 0
    m = next(m for m in out if m.vacancy_id == "free-same")
    assert m.passes_cutoff == (m.distance == 0) == (not m.gaps)
    assert m.distance == pytest.approx(sum(g.weighted for g in m.gaps))


def test_unknown_occupation_and_no_requirements_counts_as_half_fit():
    w = _worker()
    vs = [Vacancy("x", "qqqq zzzz", postcode="9050"), Vacancy("y", "Kok", postcode="9050")]
    out = {m.vacancy_id: m for m in match(w, vs)}
    assert out["x"].requirements_source == "none"
    assert out["x"].components["competence_fit"] == pytest.approx(0.5 * 0.2)
    assert out["x"].components["cutoff"] == 0.0
    assert out["y"].score > out["x"].score


def test_nothing_beyond_the_limit_while_top_lie_within_it():
    w = _worker(max_commute_km=20)
    vs = [Vacancy(f"n{i}", "Schilder", postcode=p) for i, p in enumerate(NEAR)]
    vs += [Vacancy(f"f{i}", "Kok", postcode=p) for i, p in enumerate(FAR)]  # better title
    within = {v.id for v in vs if _km(GENT, v.postcode) <= 20}
    assert len(within) >= 5
    out = match(w, vs, top=5)
    assert all(m.within_commute for m in out) and {m.vacancy_id for m in out} <= within
    # top larger than what lies within: every within row first, then beyond, nearest first
    out = match(w, vs, top=len(vs))
    flags = [m.within_commute for m in out]
    assert flags == sorted(flags, reverse=True)
    assert {m.vacancy_id for m in out if m.within_commute} == within
    beyond = [m for m in out if not m.within_commute]
    assert [m.commute_km for m in beyond] == sorted(m.commute_km for m in beyond)
    assert all("pendelgrens" in " ".join(m.reasons) for m in beyond)
    assert not any(not m.within_commute for m in match(w, vs, top=len(vs), fill_beyond=False))


def test_managers_and_professionals_only_for_such_a_job_target():
    vs = [
        Vacancy("mgr", "Algemeen directeur", postcode="9050"),
        Vacancy("prof", "Cybersecurity risk manager", postcode="9050"),
        Vacancy("job", "Magazijnier", postcode="9050"),
    ]
    low = {m.vacancy_id for m in match(_worker(job_target="magazijnier"), vs)}
    assert low == {"job"}
    high = {m.vacancy_id for m in match(_worker(job_target="ict security manager"), vs)}
    assert "prof" in high
    assert {m.vacancy_id for m in match(_worker(), vs, high_skill_rule=False)} == {
        "mgr",
        "prof",
        "job",
    }


def test_regime_and_limits_are_flagged_and_cost_a_little():
    w = _worker(job_target="schilder", regime="halftijds", limits=("geen zwaar tillen",))
    vs = [
        Vacancy("full", "Schilder", postcode="9050", regime="voltijds"),
        Vacancy("part", "Schilder", postcode="9050", regime="halftijds"),
    ]
    out = {m.vacancy_id: m for m in match(w, vs)}
    assert out["full"].components["regime"] < 0 and "regime" not in out["part"].components
    assert out["part"].score > out["full"].score
    assert any("deeltijds" in r for r in out["full"].reasons)
    assert any("fysiek zwaar" in r for r in out["part"].reasons)  # a painter (ISCO 7)


def test_work_unrelated_to_a_recognised_job_target_says_so():
    from doorstroom_match.ranking import UNRELATED_REASON

    # a short commute limit: only the unrelated jobs lie within it, so they come first
    vs = [
        Vacancy("kap", "Heftruckchauffeur (m/v/x)", postcode="9050"),
        Vacancy("bak", "Schilder", postcode="9031"),
        Vacancy("kok", "Kok", postcode="9070"),
        Vacancy("hulp", "Chef-kok", postcode="9050"),
    ]
    w = _worker(job_target="kok", max_commute_km=60)
    out = {m.vacancy_id: m for m in match(w, vs, top=4)}
    assert UNRELATED_REASON in out["kap"].reasons and UNRELATED_REASON in out["bak"].reasons
    for vid in ("kok", "hulp"):  # the same occupation, a related one
        assert UNRELATED_REASON not in out[vid].reasons
        assert any("jobdoelwit" in r for r in out[vid].reasons)
    # no job target, or one the model does not recognise: nothing to be unrelated to
    for target in (None, "qqq xyz"):
        lone = match(_worker(job_target=target, max_commute_km=60), vs, top=4)
        assert len(lone) == 4 and not any(UNRELATED_REASON in m.reasons for m in lone)
    # the bulletin's card says it where a coach reads why
    from doorstroom_match.bulletin import _why_html

    assert "Gekozen op bereik en competenties" in _why_html(out["kap"].reasons)


def test_exclude_never_suggests_those_vacancies():
    w = _worker()
    vs = [Vacancy(f"V{i}", "Kok", postcode="9050") for i in range(4)]
    m = Matcher().fit(vs)
    got = m.rank([w], top=4, exclude={"W1": ["V1", "V3", "unknown"]})[0]
    assert [x.vacancy_id for x in got] == ["V0", "V2"]


def test_fitted_matcher_is_not_changed_by_rank():
    vs = [Vacancy(f"V{i}", t, postcode="9050") for i, t in enumerate(["Kok", "Schilder"])]
    m = Matcher().fit(vs)
    before = {k: v for k, v in vars(m).items() if not k.startswith("__")}
    m.rank([_worker(), _worker("W2", job_target="schilder")], top=2)
    # only the place order of the vacancies may be added, built at the first ranking
    assert set(vars(m)) - {"_reach_cache"} == set(before)
    assert all(vars(m)[k] is v for k, v in before.items())


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_batch_never_offers_one_place_to_two_workers(tmp_path):
    workers = [
        {
            "id": f"W{i}",
            "job_target": "magazijnier",
            "postcode": GENT,
            "max_commute_km": 30,
            "competences": {"samenwerken": 3, "stiptheid": 3, "werktempo": 3},
        }
        for i in range(4)
    ]
    feed = [
        {"id": f"V{i}", "title": "Magazijnmedewerker", "postcode": p, "employer": "E"}
        for i, p in enumerate(NEAR[:6])
    ]
    places = [
        {"id": "P1", "title": "Magazijnier", "kind": "tbs", "postcode": "9050", "capacity": 1},
        {"id": "P2", "title": "Magazijnier", "kind": "bvs", "postcode": "9030", "capacity": 2},
    ]
    for name, rows in (("w.jsonl", workers), ("f.jsonl", feed), ("p.jsonl", places)):
        _write(tmp_path / name, rows)
    res = run_batch(
        tmp_path / "w.jsonl",
        tmp_path / "f.jsonl",
        tmp_path / "out",
        places=tmp_path / "p.jsonl",
        run_date="2026-11-30",
        bulletin=False,
    )
    rows = [json.loads(x) for x in res.matches_path.read_text("utf-8").splitlines()]
    assigned = [json.loads(x) for x in res.assignments_path.read_text("utf-8").splitlines()]
    assert {a["worker_id"] for a in assigned} == {w["id"] for w in workers}
    holders: dict[str, set[str]] = {}
    for r in rows:
        if r["vacancy_id"].startswith("P"):
            holders.setdefault(r["vacancy_id"], set()).add(r["worker_id"])
    cap = {"P1": 1, "P2": 2}
    for pid, who in holders.items():
        assert len(who) <= cap[pid]
    mine = {a["worker_id"]: a["place_id"] for a in assigned}
    for r in rows:  # a place row is only ever the worker's own assigned place
        if r["vacancy_id"].startswith("P"):
            assert mine[r["worker_id"]] == r["vacancy_id"]
    n_placed = sum(1 for a in assigned if a["place_id"])
    assert n_placed == 3 == res.assignment["n_placed"]  # capacities 1 + 2, four workers
    assert all(a["reason"] for a in assigned)
    assert {r["requirements_source"] for r in rows} <= {"vacancy", "inferred", "none"}


def test_an_organisations_requirement_profile_overrides_the_inferred_one(occ):
    (uri,) = occ.top(occ.guess(["kok"])[0])
    w = _worker()
    vs = [Vacancy("k", "Kok", postcode="9050")]
    (m,) = match(w, vs, requirement_profiles={uri: {"samenwerken": 4}})
    assert m.requirements_source == "inferred"
    assert [(g.competence, g.required) for g in m.gaps] == [("samenwerken", 4)]
    with pytest.raises(ValueError, match="level"):
        match(w, vs, requirement_profiles={uri: {"samenwerken": 7}})


def test_batch_output_does_not_depend_on_jobs(tmp_path, monkeypatch):
    from pathlib import Path

    import doorstroom_match.bulletin as bulletin

    monkeypatch.setattr(bulletin, "_MIN_PARALLEL_WORKERS", 1)  # pages in forked processes too

    sample = Path(__file__).resolve().parents[1] / "datasets" / "sample"
    out = {}
    for jobs in (1, 3):
        res = run_batch(
            sample / "workers.jsonl",
            sample / "feed.jsonl",
            tmp_path / f"j{jobs}",
            places=sample / "places.jsonl",
            run_date="2026-11-02",
            block_size=16,
            jobs=jobs,
        )
        out[jobs] = res.matches_path.read_bytes()
        out[jobs, "pages"] = {p.name: p.read_bytes() for p in res.bulletin}
    assert out[1] == out[3]
    assert len(out[1, "pages"]) > 60 and out[1, "pages"] == out[3, "pages"]
    with pytest.raises(ValueError, match="jobs"):
        run_batch(sample / "workers.jsonl", sample / "feed.jsonl", tmp_path / "x", jobs=0)


def test_target_prior_benchmark_runs_and_the_prior_lowers_manager_misreads():
    """``benchmarks.target_prior``'s coach-typed part (the unseen-label part needs the team's
    reference data): with the prior, no more targets read as ISCO 1-2 than without, and with
    its manager-word part no more than with the ISCO 1-2 part alone."""
    from benchmarks.target_prior import coach_typed

    res = coach_typed([(0.0, 0.0), (0.1, 0.0), (0.1, 0.2)], 300, [1])
    off, on, mgr = res["0.0,0.0"][0], res["0.1,0.0"][0], res["0.1,0.2"][0]
    assert off["true_isco12"] == 0 and 0.0 <= on["read_as_isco12"] <= off["read_as_isco12"]
    assert mgr["read_as_isco12"] < on["read_as_isco12"]  # the manager-word part, on top
    assert 0.0 < on["occupation"] <= on["minor_group"] <= on["major"] <= 1.0
