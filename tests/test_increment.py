"""The weekly increment: merged rankings equal full ones, exact inner products, forget."""

from __future__ import annotations

import datetime
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import Matcher, Vacancy, WorkerProfile
from doorstroom_match.batch import forget_worker, run_batch
from doorstroom_match.core import ExactDot
from doorstroom_match.increment import MARGIN, Previous, _merge
from doorstroom_match.store import Store
from doorstroom_match.synthetic import generate_sample, week_feed, write_jsonl
from doorstroom_match.text.encoders import TfidfEncoder

from .strategies import unit_rows

WEEKS = ("2026-11-02", "2026-11-09", "2026-11-16")


# ------------------------------------------------------------------------------ exact products
@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    left=unit_rows(max_rows=12, dim=st.sampled_from([3, 16, 128])),
)
def test_exact_dot_gives_the_same_bits_for_any_rows_and_columns(data, left):
    dim = left.shape[1]
    right = data.draw(unit_rows(max_rows=40, dim=st.just(dim)))
    right = np.concatenate([right, right[: len(right) // 2]])  # repeated rows share a column
    dot = ExactDot(right)
    full = dot(left, slice(0, len(right)))
    ref = left.astype(np.float64) @ right.astype(np.float64).T
    assert np.abs(full - ref).max() <= 1e-6  # about float32's own rounding
    rows = np.array(data.draw(st.lists(st.integers(0, len(left) - 1), min_size=1, max_size=5)))
    cols = np.array(
        sorted(set(data.draw(st.lists(st.integers(0, len(right) - 1), min_size=1, max_size=9))))
    )
    assert np.array_equal(dot(left[rows], cols), full[np.ix_(rows, cols)])
    assert np.array_equal(
        dot.subset(cols)(left[rows], slice(0, len(cols))), full[np.ix_(rows, cols)]
    )
    assert np.array_equal(
        ExactDot(right[cols])(left[rows], np.arange(len(cols))), full[np.ix_(rows, cols)]
    )


def test_exact_dot_needs_no_more_than_53_bits():
    from doorstroom_match.core import _exact_bits

    for dim in (1, 2, 3, 127, 128, 129, 384, 768, 4096):
        bits = _exact_bits(dim)
        assert dim * 2 ** (2 * bits) <= 2**53 < dim * 2 ** (2 * bits + 4)


# ------------------------------------------------------------------------------ the merge
@settings(max_examples=60, deadline=None)
@given(st.data())
def test_merge_keeps_the_ranking_order_and_only_the_known_prefix(data):
    n_cols = 30
    scores = data.draw(
        st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.5]), min_size=n_cols, max_size=n_cols)
    )
    scores = np.array(scores, np.float32)
    key = sorted(range(n_cols), key=lambda j: (-scores[j], j))  # the ranking's order
    delta = np.array(sorted(data.draw(st.sets(st.integers(0, n_cols - 1), max_size=12))), int)
    rest = [j for j in key if j not in set(delta.tolist())]
    n_old = data.draw(st.integers(0, len(rest)))
    k = data.draw(st.integers(1, 8))
    d_order = [j for j in key if j in set(delta.tolist())][:k]
    prev = Previous(np.array(rest[:n_old], int), scores[rest[:n_old]], n_old == len(rest))
    pos = {j: n for n, j in enumerate(delta.tolist())}
    d_idx = np.full((1, max(k, 1)), -1, np.int64)
    d_val = np.full((1, max(k, 1)), np.nan, np.float32)
    for n, j in enumerate(d_order):
        d_idx[0, n], d_val[0, n] = pos[j], scores[j]
    cols, vals, exact, complete = _merge([prev], delta, d_idx, d_val, k)
    known = [j for j in key if j in set(rest[:n_old]) | set(d_order)]
    assert cols[0, : len(known)].tolist() == known
    assert vals[0, : len(known)].tolist() == scores[known].tolist()
    # the exact prefix is the true order of everything (nothing unknown ranks inside it)
    assert cols[0, : exact[0]].tolist() == key[: exact[0]]
    assert complete[0] == (n_old == len(rest) and len(d_order) < k)
    if complete[0]:
        assert exact[0] == n_cols


# ------------------------------------------------------------------------------ restricted matcher
def test_restricted_matcher_slices_every_vacancy_array_and_scores_the_same():
    n = 37  # a length no other attribute has
    rng = np.random.default_rng(3)
    comps = ["samenwerken", "nauwkeurigheid", "initiatief", "stiptheid"]
    titles = ["magazijnier", "kok", "schoonmaker", "winkelbediende", "heftruckchauffeur"]
    vacs = [
        Vacancy(
            f"V{j:03d}",
            titles[j % len(titles)],
            requirements={c: int(rng.integers(1, 5)) for c in comps[: 1 + j % 4]},
            postcode=str(9000 + 10 * (j % 7)),
            kind="tbs" if j % 9 == 0 else "vacancy",
        )
        for j in range(n)
    ]
    workers = [
        WorkerProfile(
            f"W{i}",
            {c: int(rng.integers(1, 5)) for c in comps},
            job_target=titles[i % 5],
            postcode="9000",
            max_commute_km=25,
        )
        for i in range(6)
    ]
    enc = TfidfEncoder(n_components=4).fit(titles)
    m = Matcher(text=enc, fit_text=False, occupations=None).fit(vacs)
    cols = np.array([1, 4, 5, 17, 30, 36])
    sub = m._restricted(cols)
    for name, value in vars(m).items():
        if isinstance(value, list | tuple | np.ndarray) and len(value) == n:
            assert len(getattr(sub, name)) == len(cols), name
    assert len(vars(sub)) == len(vars(m))
    ctx_full = m._worker_context(workers, None)
    ctx_sub = sub._worker_context(workers, None)
    full = m._topk(ctx_full, n, far=False)
    part = sub._topk(ctx_sub, len(cols), far=False)
    score_full = {
        (i, int(j)): v
        for i in range(len(workers))
        for j, v in zip(full.indices[i], full.values[i], strict=True)
        if j >= 0
    }
    for i in range(len(workers)):
        for j, v in zip(part.indices[i], part.values[i], strict=True):
            if j >= 0:
                assert score_full[(i, int(cols[j]))] == v  # the same bits


# ------------------------------------------------------------------------------ batch weeks
def _weeks(folder: Path, seed: int) -> dict[str, Path]:
    """Three weeks of inputs: new, changed, expired and gone vacancies; changed, new and
    removed workers; internship places."""
    workers, vacancies, places = generate_sample(40, 300, 12, seed)
    rnd = random.Random(seed)
    w2 = [dict(w, competences=dict(w["competences"])) for w in workers]
    for w in rnd.sample(w2, 4):  # changed profiles
        name = sorted(w["competences"])[0]
        w["competences"][name] = "zeer goed" if w["competences"][name] != "zeer goed" else "matig"
    gone = {w["id"] for w in rnd.sample(w2, 3)}
    w2 = [w for w in w2 if w["id"] not in gone]
    for n, w in enumerate(rnd.sample(workers, 3)):  # new workers
        w2.append(dict(w, id=f"NEW{seed}-{n}", job_target=rnd.choice(vacancies)["title"]))
    files = {
        "workers1": write_jsonl(folder / "workers1.jsonl", workers),
        "workers2": write_jsonl(folder / "workers2.jsonl", w2),
        "feed1": write_jsonl(folder / "feed1.jsonl", vacancies),
        "feed2": write_jsonl(folder / "feed2.jsonl", week_feed(vacancies, 2, seed)),
        "feed3": write_jsonl(folder / "feed3.jsonl", week_feed(vacancies, 3, seed)),
        "places": write_jsonl(folder / "places.jsonl", places),
    }
    return files


def _batch(files, workers, feed, out, day, enc, **kw):
    return run_batch(
        files[workers],
        files[feed],
        out,
        places=files["places"],
        run_date=day,
        encoder=enc,
        bulletin=False,
        **kw,
    )


def _increment_and_full(files, workers, feed, out, day, enc, tmp):
    """The week incrementally on ``out``, and in full on a copy of the same store."""
    full_dir = tmp / f"full-{day}"
    full_dir.mkdir()
    shutil.copy(out / "state.sqlite", full_dir / "state.sqlite")
    inc = _batch(files, workers, feed, out, day, enc)
    full = _batch(files, workers, feed, full_dir, day, enc, incremental=False)
    for name in ("matches.jsonl", "assignments.jsonl"):
        assert (out / name).read_bytes() == (full_dir / name).read_bytes(), name
    assert full.n_merged == 0 and full.n_ranked_full == full.n_workers
    assert inc.n_merged + inc.n_ranked_full == inc.n_workers
    return inc, full


def _rows(path: Path, drop: tuple[str, ...] = ()) -> list[dict]:
    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines()]
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_weeks_equal_full_runs(tmp_path, seed):
    files = _weeks(tmp_path, seed)
    titles = sorted({r["title"] for r in _rows(files["feed1"])})
    enc = TfidfEncoder(n_components=24).fit(titles)
    out = tmp_path / "out"
    week1 = _batch(files, "workers1", "feed1", out, WEEKS[0], enc)
    assert week1.n_merged == 0
    rows1 = _rows(week1.matches_path)
    # feedback: two workers mark their best suggestion not relevant
    marked = [rows1[0], rows1[-1]]
    with Store(week1.store_path) as s:
        for r in marked:
            s.record_feedback(r["worker_id"], r["vacancy_id"], "niet_relevant", date=WEEKS[0])
        assert s.count("candidates") == week1.n_workers

    inc2, _ = _increment_and_full(files, "workers2", "feed2", out, WEEKS[1], enc, tmp_path)
    assert inc2.n_merged > inc2.n_workers // 2  # most workers and vacancies did not change
    assert inc2.n_ranked_full >= 7  # at least the 4 changed and 3 new workers
    for r in marked:
        assert (r["worker_id"], r["vacancy_id"]) not in {
            (x["worker_id"], x["vacancy_id"]) for x in _rows(inc2.matches_path)
        }
    # a cold run of week 2 (a fresh store, so no feedback) differs only in the ``new`` flag,
    # which depends on what earlier weeks saw, and for the workers with feedback
    cold = _batch(files, "workers2", "feed2", tmp_path / "cold", WEEKS[1], enc)
    fed = {r["worker_id"] for r in marked}
    assert [r for r in _rows(cold.matches_path, ("new",)) if r["worker_id"] not in fed] == [
        r for r in _rows(inc2.matches_path, ("new",)) if r["worker_id"] not in fed
    ]
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert (summary["n_merged"], summary["n_ranked_full"]) == (inc2.n_merged, inc2.n_ranked_full)

    # week 3: one exclusion is released (the list cannot know where that vacancy ranks)
    with Store(week1.store_path) as s:
        s.record_feedback(
            marked[0]["worker_id"], marked[0]["vacancy_id"], "besproken", date=WEEKS[1]
        )
    inc3, _ = _increment_and_full(files, "workers2", "feed3", out, WEEKS[2], enc, tmp_path)
    assert inc3.n_merged > 0


def test_a_store_of_the_previous_digest_format_sees_what_changed(tmp_path, monkeypatch):
    # week 1 written by a version whose record digests were the plain-JSON ones (32 hex
    # digits), week 2 by this one: the same merged workers, changed vacancies and rows as
    # when both weeks wrote this version's digests
    from doorstroom_match import batch as batch_mod

    files = _weeks(tmp_path, 4)
    enc = TfidfEncoder(n_components=24).fit(sorted({r["title"] for r in _rows(files["feed1"])}))
    old, now = tmp_path / "old", tmp_path / "now"
    with monkeypatch.context() as m:
        m.setattr(batch_mod, "_record_digest", batch_mod._digest)
        _batch(files, "workers1", "feed1", old, WEEKS[0], enc)
    with Store(old / "state.sqlite") as s:
        assert not any(v.hash.startswith("r2:") for v in s.vacancy_states().values())
    _batch(files, "workers1", "feed1", now, WEEKS[0], enc)
    with Store(now / "state.sqlite") as s:
        assert all(v.hash.startswith("r2:") for v in s.vacancy_states().values())
    a = _batch(files, "workers2", "feed2", old, WEEKS[1], enc)
    b = _batch(files, "workers2", "feed2", now, WEEKS[1], enc)
    assert a.n_merged == b.n_merged > a.n_workers // 2
    assert (a.n_changed, a.n_new, a.n_gone) == (b.n_changed, b.n_new, b.n_gone)
    assert b.n_changed < b.n_vacancies // 2
    assert (old / "matches.jsonl").read_bytes() == (now / "matches.jsonl").read_bytes()
    seen = {r["id"] for f in ("feed2", "places") for r in _rows(files[f])}
    with Store(old / "state.sqlite") as s:  # and the store now holds this version's digests
        states = s.vacancy_states()
        assert all(states[v].hash.startswith("r2:") for v in seen)
        assert any(not v.hash.startswith("r2:") for v in states.values())  # the gone ones
        assert all(c.worker_hash.startswith("r2:") for c in s.candidate_lists().values())


def test_record_digests_follow_the_content_not_the_key_order():
    from doorstroom_match.batch import _record_digest

    a = {"id": "V1", "title": "Kok", "competences": {"samenwerken": 2, "stiptheid": 3}}
    b = {"competences": {"stiptheid": 3, "samenwerken": 2}, "title": "Kok", "id": "V1"}
    assert _record_digest(a) == _record_digest(b)
    assert _record_digest(a) != _record_digest({**a, "title": "Kokkin"})
    assert _record_digest({"d": datetime.date(2026, 11, 2)}) == _record_digest({"d": "2026-11-02"})


def test_new_settings_rank_everyone_in_full(tmp_path):
    files = _weeks(tmp_path, 5)
    out = tmp_path / "out"
    _batch(files, "workers1", "feed1", out, WEEKS[0], "none")
    again = _batch(files, "workers1", "feed2", out, WEEKS[1], "none", max_km=30.0)
    assert again.n_merged == 0
    same = _batch(files, "workers1", "feed3", out, WEEKS[2], "none", max_km=30.0)
    assert same.n_merged > 0


def test_the_job_targets_prior_is_part_of_the_settings():
    # the prior reorders stored guesses (its penalties are not in the occupation model's
    # fingerprint), so last week's lists must not be merged when it changes
    import copy

    from doorstroom_match.increment import config_digest
    from doorstroom_match.ranking import default_occupation_model

    vacs = [Vacancy("V1", "kok", requirements={"stiptheid": 2}, postcode="9000")]
    occ = copy.copy(default_occupation_model())
    m = Matcher(text=None, occupations=occ).fit(vacs)
    before = config_digest(m, top=10)
    assert config_digest(m, top=10) == before
    occ.target_manager_penalty = 0.0
    assert config_digest(m, top=10) != before
    occ.target_manager_penalty, occ.target_high_skill_penalty = 0.2, 0.3
    assert config_digest(m, top=10) != before


def test_forget_removes_the_candidate_rows(tmp_path):
    files = _weeks(tmp_path, 4)
    res = _batch(files, "workers1", "feed1", tmp_path / "out", WEEKS[0], "none")
    wid = _rows(res.matches_path)[0]["worker_id"]
    with Store(res.store_path) as s:
        lists = s.candidate_lists()
        assert wid in lists and len(lists[wid].vacancy_ids) == 10 + MARGIN
    out = forget_worker(wid, res.store_path, out_dir=tmp_path / "out")
    assert out.store_rows["candidates"] == 1
    with Store(res.store_path) as s:
        assert wid not in s.candidate_lists()
        assert s.mentions(wid) == []


# ------------------------------------------------------------------------------ merge vs full
def _market(rng, n, prefix, titles, comps):
    return [
        Vacancy(
            f"{prefix}{j:03d}",
            titles[int(rng.integers(len(titles)))],
            requirements={c: int(rng.integers(1, 4)) for c in comps[: int(rng.integers(0, 3))]},
            postcode=str(9000 + 10 * int(rng.integers(0, 4))),
            kind="tbs" if rng.random() < 0.1 else "vacancy",
        )
        for j in range(n)
    ]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), top=st.integers(1, 6), margin=st.integers(0, 4))
def test_merged_ranking_equals_the_full_ranking(seed, top, margin):
    """Many ties (few titles and requirement profiles): merging must break them as the full
    ranking does, keep only what it can prove, and fall back to a full ranking otherwise."""
    from doorstroom_match.increment import plan_merges, rank_block
    from doorstroom_match.store import StoredCandidates

    rng = np.random.default_rng(seed)
    comps = ["samenwerken", "nauwkeurigheid", "stiptheid"]
    titles = ["magazijnier", "kok", "schoonmaker"]
    week1 = _market(rng, 40, "V", titles, comps)
    workers = [
        WorkerProfile(
            f"W{i}",
            {c: int(rng.integers(1, 5)) for c in comps},
            job_target=titles[i % 3],
            postcode="9000",
            max_commute_km=float(rng.choice([5.0, 15.0, 40.0])),
        )
        for i in range(8)
    ]
    enc = TfidfEncoder(n_components=3).fit(titles)
    params = {"text": enc, "fit_text": False, "occupations": None}
    m1 = Matcher(**params).fit(week1)
    done = rank_block(m1, workers, top, margin=margin)
    stored = {
        w.id: StoredCandidates(
            w.id,
            1,
            "h",
            "c",
            (),
            r.candidates.complete,
            r.candidates.vacancy_ids,
            np.array(r.candidates.scores, np.float32),
        )
        for w, r in zip(workers, done, strict=True)
    }
    # week 2: some vacancies go, some change, some are new; one exclusion appears
    keep = [v for v in week1 if rng.random() > 0.2]
    changed = {v.id for v in keep if rng.random() < 0.15}
    week2 = [
        Vacancy(v.id, v.title, requirements={"samenwerken": 4}, postcode=v.postcode)
        if v.id in changed
        else v
        for v in keep
    ] + _market(rng, 6, "N", titles, comps)
    week2.sort(key=lambda v: v.id)
    m2 = Matcher(**params).fit(week2)
    old = {v.id for v in week1}
    unchanged = np.array(
        [v.id in old and v.id not in changed and v.kind == "vacancy" for v in week2]
    )
    exclude = {"W0": {week2[0].id}}
    previous = plan_merges(
        stored,
        {w.id: "h" for w in workers},
        "c",
        1,
        {vid: j for j, vid in enumerate(m2.vacancy_ids_)},
        unchanged,
        exclude,
    )
    delta_cols = np.flatnonzero(~unchanged)
    delta = (m2._restricted(delta_cols), delta_cols) if len(delta_cols) else None
    merged = rank_block(
        m2, workers, top, margin=margin, exclude=exclude, previous=previous, delta=delta
    )
    full = rank_block(m2, workers, top, margin=margin, exclude=exclude)
    for a, b in zip(merged, full, strict=True):
        assert [(m.to_record(), w) for m, w in a.pairs] == [(m.to_record(), w) for m, w in b.pairs]
        # a merged list is a prefix of the full one (full lists are as long as they can be)
        n = len(a.candidates.vacancy_ids)
        assert a.candidates.vacancy_ids == b.candidates.vacancy_ids[:n]
        assert a.candidates.scores == b.candidates.scores[:n]
        if a.candidates.complete:
            assert a.candidates == b.candidates
    assert sum(r.merged for r in merged) <= len(previous)
