"""The weekly batch: counts, idempotence, the increment, crash consistency, forget, Dask."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstroom_match import EmptyInputError, ValidationError
from doorstroom_match import batch as batch_mod
from doorstroom_match.batch import forget_worker, parse_run_date, run_batch
from doorstroom_match.store import Store
from doorstroom_match.text.encoders import TfidfEncoder

from .strategies import feed_lines

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "sample"
WEEK1, WEEK2 = "2026-11-02", "2026-11-09"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]


class CountingEncoder:
    """Wraps a fitted encoder and records every text it is asked to encode."""

    name = "counting"

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[list[str]] = []

    @property
    def fingerprint(self) -> str:
        return "counting:" + self.inner.fingerprint

    def fit(self, texts):
        return self

    def encode(self, texts):
        self.calls.append(list(texts))
        return self.inner.encode(texts)


@pytest.fixture(scope="module")
def small_tfidf():
    # fitted once on a fixed text list, as the batch's catalogue encoder is
    titles = sorted({r["title"] for r in _jsonl(SAMPLE / "feed.jsonl")})
    return TfidfEncoder(n_components=32).fit(titles)


def _run(out: Path, feed: str = "feed.jsonl", date: str = WEEK1, **kw):
    kw.setdefault("encoder", "none")
    kw.setdefault("bulletin", False)
    return run_batch(
        SAMPLE / "workers.jsonl",
        SAMPLE / feed,
        out,
        places=SAMPLE / "places.jsonl",
        run_date=date,
        **kw,
    )


# ------------------------------------------------------------------------------ outputs
def test_every_worker_gets_top_rows_and_rejected_lines_are_counted(tmp_path, small_tfidf):
    res = run_batch(
        SAMPLE / "workers_broken.jsonl",
        SAMPLE / "feed_broken.jsonl",
        tmp_path,
        places=SAMPLE / "places.jsonl",
        run_date=WEEK1,
        encoder=small_tfidf,
        top=7,
    )
    rows = _jsonl(res.matches_path)
    rejected = _jsonl(res.rejected_path)
    n_w = len(_jsonl(SAMPLE / "workers.jsonl"))
    n_bad_w = len(json.loads((SAMPLE / "workers_broken.manifest.json").read_text()))
    n_bad_f = len(json.loads((SAMPLE / "feed_broken.manifest.json").read_text()))
    assert res.n_workers == n_w - n_bad_w
    assert len(rejected) == res.n_rejected == n_bad_w + n_bad_f
    assert res.n_worker_lines + res.n_vacancy_lines == (
        res.n_workers + res.n_vacancies + res.n_expired + res.n_rejected
    )
    by_worker: dict[str, list[dict]] = {}
    for r in rows:
        by_worker.setdefault(r["worker_id"], []).append(r)
    assert len(by_worker) == res.n_workers
    for wid, rs in by_worker.items():
        assert [r["rank"] for r in rs] == list(range(1, 8)), wid
        assert all(
            a["score"] >= b["score"]
            for a, b in zip(rs, rs[1:], strict=False)
            if a["within_commute"] == b["within_commute"]
        )
    required = {
        "worker_id",
        "vacancy_id",
        "rank",
        "score",
        "passes_cutoff",
        "distance",
        "gaps",
        "new",
    }
    assert all(required <= set(r) for r in rows)
    assert all(r["passes_cutoff"] == (r["distance"] == 0) for r in rows)
    assert all(set(r) == {"source", "line", "raw", "reason", "kind", "id"} for r in rejected)
    assert res.bulletin and res.bulletin[0].name == "index.html"
    page = res.bulletin[0].read_text("utf-8")
    assert sorted(by_worker)[0] in page
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert summary["n_rows"] == len(rows) and summary["n_rejected"] == len(rejected)
    # the result's time covers the store's commit and the switch too; the file's, its writing
    assert 0 < summary["seconds"] <= res.seconds


def test_fewer_rows_only_when_fewer_valid_vacancies(tmp_path):
    feed = tmp_path / "feed.jsonl"
    recs = [
        {"id": "V1", "title": "Kok", "postcode": "9000", "requirements": {"samenwerken": 2}},
        {"id": "V2", "title": "Kok", "postcode": "3600", "valid_until": "2026-11-01"},
        {"id": "V3", "title": "Magazijnier", "postcode": "8400"},
        {"id": "V4", "title": "Magazijnier", "postcode": "2000", "valid_until": "2026-11-02"},
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    workers = tmp_path / "workers.jsonl"
    workers.write_text(
        json.dumps(
            {"id": "W1", "competences": {"samenwerken": 3}, "postcode": "9000", "max_commute_km": 5}
        )
        + "\n"
        + json.dumps({"id": "W2", "competences": {}})
        + "\n",
        "utf-8",
    )
    res = run_batch(workers, feed, tmp_path / "out", run_date=WEEK1, encoder="none", bulletin=False)
    rows = _jsonl(res.matches_path)
    assert res.n_expired == 1 and res.n_vacancies == 3
    w1 = [r for r in rows if r["worker_id"] == "W1"]
    assert [r["vacancy_id"] for r in w1][0] == "V1"
    assert len(w1) == 3 and len([r for r in rows if r["worker_id"] == "W2"]) == 3
    # V1 lies within W1's 5 km; the others are topped up beyond the commute
    assert [r["within_commute"] for r in w1] == [True, False, False]
    assert "V2" not in {r["vacancy_id"] for r in rows}


def test_same_command_twice_gives_byte_identical_matches(tmp_path, small_tfidf):
    a = _run(tmp_path / "a", encoder=small_tfidf)
    first = a.matches_path.read_bytes()
    b = _run(tmp_path / "a", encoder=small_tfidf)
    assert b.matches_path.read_bytes() == first
    c = _run(tmp_path / "c", encoder=small_tfidf)  # a fresh store: the same too
    assert c.matches_path.read_bytes() == first
    assert b"T" not in re.sub(rb'"[^"]*"', b"", first)  # no timestamps outside strings


# ------------------------------------------------------------------------------ increment
def test_next_week_encodes_only_new_texts(tmp_path, small_tfidf):
    enc = CountingEncoder(small_tfidf)
    week1 = _run(tmp_path, encoder=enc)
    workers = _jsonl(SAMPLE / "workers.jsonl")
    targets = {r["job_target"].strip() for r in workers if r.get("job_target")}

    def vacancy_texts() -> list[str]:
        # the Matcher encodes the job targets of each block (and again for a commute top-up)
        return [t for call in enc.calls if not set(call) <= targets for t in call]

    vac1 = _jsonl(SAMPLE / "feed.jsonl") + _jsonl(SAMPLE / "places.jsonl")
    titles1 = {r["title"] for r in vac1 if r.get("valid_until", "9") >= WEEK1}
    assert sorted(vacancy_texts()) == sorted(titles1) and week1.n_encoded == len(titles1)

    enc.calls.clear()
    week2 = _run(tmp_path, feed="feed_week2.jsonl", date=WEEK2, encoder=enc)
    vac2 = _jsonl(SAMPLE / "feed_week2.jsonl") + _jsonl(SAMPLE / "places.jsonl")
    active2 = [r for r in vac2 if r.get("valid_until", "9") >= WEEK2]
    titles2 = {r["title"] for r in active2}
    assert sorted(vacancy_texts()) == sorted(titles2 - titles1)
    assert week2.n_encoded == len(titles2 - titles1) < len(titles2) // 4
    assert week2.n_cached == len(titles2 & titles1)

    ids1 = {r["id"] for r in vac1}
    new_ids = {r["id"] for r in active2} - ids1
    assert week2.n_new == len(new_ids) > 0
    assert week2.n_gone == len(ids1 - {r["id"] for r in vac2})
    for row in _jsonl(week2.matches_path):
        assert row["new"] == (row["vacancy_id"] in new_ids)
    # the week's state and history
    with Store(tmp_path / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "done"]
        assert len(st.past_matches()) == 2 * 10 * len(workers)
        states = st.vacancy_states()
        assert {k for k, s in states.items() if s.status == "gone"} == ids1 - {
            r["id"] for r in vac2
        }
        # the cache keeps the vectors of this week's texts only
        assert st.count("embeddings") == len(titles2)


class _CountingBar:
    def __init__(self):
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n


def test_vacancy_texts_are_encoded_once_each_in_chunks_of_distinct_texts(
    tmp_path, small_tfidf, monkeypatch
):
    from doorstroom_match.text.cache import EmbeddingCache, text_sha256

    monkeypatch.setattr(batch_mod, "_ENCODE_CHUNK", 3)  # chunk borders inside the repeats
    titles = sorted({r["title"] for r in _jsonl(SAMPLE / "feed.jsonl")})[:8]
    texts = [titles[i % 5] for i in range(11)] + titles[5:] + [titles[0]]
    enc = CountingEncoder(small_tfidf)
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        # two texts already cached from an earlier week
        cache.put(
            enc.fingerprint, [text_sha256(t) for t in titles[:2]], small_tfidf.encode(titles[:2])
        )
        bar = _CountingBar()
        vectors, keys, n_encoded, n_cached = batch_mod._encode_vacancies(enc, texts, cache, bar)
    assert keys == [text_sha256(t) for t in texts]
    assert (n_encoded, n_cached, bar.n) == (6, 2, len(texts))
    encoded = [t for call in enc.calls for t in call]
    assert sorted(encoded) == sorted(titles[2:])  # each new text once, the cached ones never
    assert all(len(call) <= 3 for call in enc.calls)
    assert vectors.shape == (len(texts), 32) and vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, small_tfidf.encode(texts))


def test_expired_vacancies_drop_out(tmp_path):
    res = _run(tmp_path, date="2027-01-04")
    vac = _jsonl(SAMPLE / "feed.jsonl") + _jsonl(SAMPLE / "places.jsonl")
    expired = {r["id"] for r in vac if r.get("valid_until") and r["valid_until"] < "2027-01-04"}
    assert res.n_expired == len(expired) > 0
    assert not expired & {r["vacancy_id"] for r in _jsonl(res.matches_path)}
    with Store(tmp_path / "state.sqlite") as st:
        assert {k for k, s in st.vacancy_states().items() if s.status == "expired"} == expired


# ------------------------------------------------------------------------------ crashes
def test_exception_midway_leaves_the_store_consistent(tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    _run(clean)
    _run(clean, feed="feed_week2.jsonl", date=WEEK2)

    out = tmp_path / "out"
    _run(out)
    before = out.joinpath("matches.jsonl").read_bytes()
    with Store(out / "state.sqlite") as st:
        states, n_matches = st.vacancy_states(), st.count("matches")

    real = batch_mod._rank_block
    calls = []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kw)

    monkeypatch.setattr(batch_mod, "_rank_block", failing)
    with pytest.raises(OSError, match="No space left"):  # one block at a time: exactly 3 calls
        _run(out, feed="feed_week2.jsonl", date=WEEK2, block_size=10, jobs=1)
    assert len(calls) == 3
    assert out.joinpath("matches.jsonl").read_bytes() == before
    assert not list(out.glob(".*.tmp"))
    with Store(out / "state.sqlite") as st:
        assert st.integrity_ok()
        assert st.vacancy_states() == states and st.count("matches") == n_matches
        assert st.runs()[-1]["status"] == "failed"

    monkeypatch.setattr(batch_mod, "_rank_block", real)
    _run(out, feed="feed_week2.jsonl", date=WEEK2, block_size=10)
    assert (
        out.joinpath("matches.jsonl").read_bytes() == clean.joinpath("matches.jsonl").read_bytes()
    )


_KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from doorstroom_match import batch
    real, calls, batch_pid = batch._rank_block, [], os.getpid()
    def killing(*args, **kw):
        # the batch's process, also where the blocks are ranked in forked processes
        calls.append(1)
        if len(calls) == 3:
            os.kill(batch_pid, signal.SIGKILL)
        return real(*args, **kw)
    batch._rank_block = killing
    sample, out = sys.argv[1], sys.argv[2]
    batch.run_batch(sample + "/workers.jsonl", sample + "/feed_week2.jsonl", out,
                    places=sample + "/places.jsonl", run_date="2026-11-09", encoder="none",
                    block_size=10, bulletin=False)
    """
)


def test_sigkill_during_scoring_then_the_next_run_completes_the_week(tmp_path):
    clean = tmp_path / "clean"
    _run(clean)
    _run(clean, feed="feed_week2.jsonl", date=WEEK2)

    out = tmp_path / "out"
    _run(out)
    before = out.joinpath("matches.jsonl").read_bytes()
    with Store(out / "state.sqlite") as st:
        states, n_matches = st.vacancy_states(), st.count("matches")
    proc = subprocess.run(
        [sys.executable, "-c", _KILLER, str(SAMPLE), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert out.joinpath("matches.jsonl").read_bytes() == before
    with Store(out / "state.sqlite") as st:
        assert st.integrity_ok()
        assert st.vacancy_states() == states and st.count("matches") == n_matches
        assert st.runs()[-1]["status"] == "running"

    res = _run(out, feed="feed_week2.jsonl", date=WEEK2)
    assert (
        out.joinpath("matches.jsonl").read_bytes() == clean.joinpath("matches.jsonl").read_bytes()
    )
    with Store(out / "state.sqlite") as st:
        assert [r["status"] for r in st.runs()] == ["done", "interrupted", "done"]
        assert st.runs()[-1]["run_id"] == res.run_id
    assert not list(out.glob(".*.tmp"))  # the next run replaced the leftover temp file


# ------------------------------------------------------------------------------ forget
def test_forget_removes_the_worker_everywhere(tmp_path, small_tfidf):
    res = run_batch(
        SAMPLE / "workers_broken.jsonl",
        SAMPLE / "feed.jsonl",
        tmp_path,
        places=SAMPLE / "places.jsonl",
        run_date=WEEK1,
        encoder=small_tfidf,
    )
    wid = sorted({r["worker_id"] for r in _jsonl(res.matches_path)})[1]
    with Store(res.store_path) as st:
        st.record_outcome(wid, "V000001", "applied", "2026-11-05")
    assert any(wid in p.read_text("utf-8") for p in res.bulletin)

    out = forget_worker(wid, res.store_path, out_dir=tmp_path)
    assert out.store_rows["workers"] == 1 and out.store_rows["outcomes"] == 1
    assert out.store_rows["matches"] == 10
    pat = re.compile(rf"(?<![\w-]){re.escape(wid)}(?!\w)".encode())
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert not pat.search(f.read_bytes()), f
    with Store(res.store_path) as st:
        assert st.mentions(wid) == []
    # the other workers are still there
    assert len({r["worker_id"] for r in _jsonl(res.matches_path)}) == res.n_workers - 1


# ------------------------------------------------------------------------------ Dask
def test_dask_scoring_equals_local(tmp_path, small_tfidf):
    distributed = pytest.importorskip(
        "dask.distributed", reason="needs the 'batch' extra (dask[distributed])"
    )
    local = _run(tmp_path / "local", encoder=small_tfidf, block_size=16)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = _run(tmp_path / "dask", encoder=small_tfidf, block_size=16, scheduler=client)
        by_address = _run(
            tmp_path / "addr",
            encoder=small_tfidf,
            block_size=16,
            scheduler=cluster.scheduler_address,
        )
    assert remote.matches_path.read_bytes() == local.matches_path.read_bytes()
    assert by_address.matches_path.read_bytes() == local.matches_path.read_bytes()


def test_cyclic_gc_is_paused_for_the_week_and_restored(tmp_path, monkeypatch):
    import gc

    seen = []
    inner = batch_mod._run_batch

    def spy(*a, **kw):
        seen.append(gc.isenabled())
        return inner(*a, **kw)

    monkeypatch.setattr(batch_mod, "_run_batch", spy)
    assert gc.isenabled()
    _run(tmp_path / "a")
    assert seen == [False] and gc.isenabled()
    # restored after an error too
    with pytest.raises(EmptyInputError):
        _run(tmp_path / "b", date="2030-W02")
    assert seen == [False, False] and gc.isenabled()
    # a caller that paused it keeps it paused
    gc.disable()
    try:
        _run(tmp_path / "c")
        assert not gc.isenabled()
    finally:
        gc.enable()


# ------------------------------------------------------------------------------ errors
def test_no_valid_worker_still_writes_rejected(tmp_path):
    workers = tmp_path / "workers.jsonl"
    workers.write_text('{"id": "W1", "competences": {"samenwerken": 9}}\n{oops\n', "utf-8")
    with pytest.raises(EmptyInputError, match="no valid worker in .*2 lines read, 2 rejected"):
        run_batch(workers, SAMPLE / "feed.jsonl", tmp_path / "out", run_date=WEEK1, encoder="none")
    assert len(_jsonl(tmp_path / "out" / "rejected.jsonl")) == 2
    assert not (tmp_path / "out" / "matches.jsonl").exists()


def test_no_valid_vacancy(tmp_path):
    with pytest.raises(EmptyInputError, match="no valid vacancy for 2030-01-07: .* expired"):
        _run(tmp_path, date="2030-W02")


def test_parameter_errors(tmp_path):
    with pytest.raises(ValidationError, match="text_field must be 'title' or 'text'"):
        _run(tmp_path, text_field="body")
    with pytest.raises(ValidationError, match="top must be >= 1"):
        _run(tmp_path, top=0)
    with pytest.raises(ValidationError, match="encoder must be one of"):
        _run(tmp_path, encoder="word2vec")
    with pytest.raises(ValidationError, match="run date must be YYYY-MM-DD or an ISO week"):
        parse_run_date("next monday")
    assert str(parse_run_date("2026-W46")) == "2026-11-09"


# ------------------------------------------------------------------------------ property
@settings(max_examples=15)
@given(case=feed_lines(max_lines=14), top=st.integers(1, 6))
def test_rows_per_worker_is_min_of_top_and_valid_vacancies(tmp_path_factory, case, top):
    lines, n_good = case
    d = tmp_path_factory.mktemp("prop")
    feed = d / "feed.jsonl"
    feed.write_text("".join(x + "\n" for x in lines), "utf-8")
    workers = d / "workers.jsonl"
    workers.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"W{i}",
                    "competences": {"samenwerken": 1 + i % 4},
                    "postcode": "9000",
                    "max_commute_km": 1 + i,
                }
            )  # fmt: skip
            + "\n"
            for i in range(3)
        ),
        "utf-8",
    )
    if n_good == 0:
        with pytest.raises(EmptyInputError, match="no valid vacancy"):
            run_batch(workers, feed, d / "out", run_date=WEEK1, encoder="none", bulletin=False)
        return
    res = run_batch(
        workers, feed, d / "out", run_date=WEEK1, encoder="none", bulletin=False, top=top
    )
    rows = _jsonl(res.matches_path)
    for i in range(3):
        mine = [r for r in rows if r["worker_id"] == f"W{i}"]
        assert [r["rank"] for r in mine] == list(range(1, min(top, n_good) + 1))
        assert len({r["vacancy_id"] for r in mine}) == len(mine)
    n_blank = sum(1 for x in lines if not x.strip())
    assert res.n_vacancies + res.n_rejected == len(lines) - n_blank


def test_dask_with_worker_processes_equals_local(tmp_path, small_tfidf):
    """Real pickling across processes, as on a cluster (starts two worker processes).

    The same bytes: every score is computed per pair in an order that does not depend on
    blocks, threads or BLAS (``core.ExactDot`` for the text product, the compiled score block),
    though Dask's workers run BLAS on one thread and this process on two.
    """
    distributed = pytest.importorskip(
        "dask.distributed", reason="needs the 'batch' extra (dask[distributed])"
    )
    # with the bulletin: its Match lists come back from the workers (they pickle)
    local = _run(tmp_path / "local", encoder=small_tfidf, block_size=8, bulletin=True)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = _run(
            tmp_path / "dask", encoder=small_tfidf, block_size=8, scheduler=client, bulletin=True
        )
    assert len(_jsonl(local.matches_path)) > 0
    assert remote.matches_path.read_bytes() == local.matches_path.read_bytes()
    pages = sorted(p.name for p in (tmp_path / "local" / "bulletin").iterdir())
    assert pages == sorted(p.name for p in (tmp_path / "dask" / "bulletin").iterdir())
    for name in pages:
        a = (tmp_path / "local" / "bulletin" / name).read_bytes()
        assert a == (tmp_path / "dask" / "bulletin" / name).read_bytes(), name


def test_encoder_without_the_catalogue_fits_on_the_titles(monkeypatch, caplog, tmp_path):
    from doorstroom_match.batch import batch_encoder

    monkeypatch.setattr(batch_mod, "_catalogue_path", lambda: None)
    with Store(tmp_path / "s.sqlite") as st, caplog.at_level("WARNING"):
        enc = batch_encoder("tfidf", st, fallback_texts=["kok", "magazijnier", "kok", "poetser"])
        again = batch_encoder("tfidf", st, fallback_texts=["poetser", "magazijnier", "kok"])
    assert "ESCO catalogue not found" in caplog.text
    assert enc.fingerprint == again.fingerprint  # the same titles: the same (cached) encoder
    assert enc.encode(["kok"]).shape[0] == 1
    with pytest.raises(EmptyInputError, match="no texts to fit the tfidf encoder"):
        batch_encoder("tfidf", None, fallback_texts=[])
    assert batch_encoder("none") is None


def test_the_shipped_batch_encoder_is_the_fit_on_the_shipped_catalogue(tmp_path):
    # data/models/batch-tfidf.npz must be rebuilt (models/train_batch_encoder.py) whenever
    # the catalogue or the encoder changes: a stale file would give other vectors
    import hashlib

    from doorstroom_match.batch import (
        _TFIDF_COMPONENTS,
        _catalogue_path,
        _catalogue_titles,
        _shipped_encoder,
        batch_encoder,
    )
    from doorstroom_match.text import make_encoder

    cat = _catalogue_path()
    source = hashlib.sha256(cat.read_bytes()).hexdigest()[:16]
    shipped = _shipped_encoder(source)
    assert shipped is not None
    fresh = make_encoder("tfidf", n_components=_TFIDF_COMPONENTS).fit(_catalogue_titles(cat))
    assert shipped.fingerprint == fresh.fingerprint
    titles = ["Magazijnier (m/v/x)", "kok", "Medewerker groenonderhoud"]
    # the SVD's last bits depend on the BLAS kernels the CPU gets (OpenBLAS's Haswell and
    # SkylakeX paths differ by ~4e-6 here); a stale file differs by far more than that
    np.testing.assert_allclose(shipped.encode(titles), fresh.encode(titles), rtol=0, atol=1e-4)
    assert _shipped_encoder("another-catalog") is None  # fitted on the spot instead
    with Store(tmp_path / "s.sqlite") as st:
        assert batch_encoder("tfidf", st).fingerprint == fresh.fingerprint
        assert st._db.execute("SELECT COUNT(*) FROM artifacts").fetchone()[0] == 0


def test_guesses_on_threads_are_the_guesses_of_one_thread():
    # the shipped model (the weekly batch's, fitted on the whole catalogue: not in
    # test_rules_occupations, whose hand-built catalogue keeps mutation runs fast); more texts
    # than two chunks of its normaliser, split over threads
    from doorstroom_match.ranking import default_occupation_model

    m = default_occupation_model()
    chunk = m.normalizer_.chunk_size
    labels = [str(x) for x in m.normalizer_.labels_[: 2 * chunk + 37]]
    texts = [f"{t} (m/v/x)" if i % 3 else t.upper() for i, t in enumerate(labels)]
    one = m.normalizer_.predict_topk(texts, 5, n_jobs=1)
    for n_jobs in (2, 3, 8):
        many = m.normalizer_.predict_topk(texts, 5, n_jobs=n_jobs)
        assert np.array_equal(one[0], many[0]) and np.array_equal(one[1], many[1])
    with pytest.raises(ValidationError, match="n_jobs"):
        m.guess(["kok"], n_jobs=0)
