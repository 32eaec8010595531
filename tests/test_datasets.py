"""Tests of datasets/: the seeded generator, the bundled sample, the reference-data lookup."""

from __future__ import annotations

import doctest
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

import datasets
from datasets import _reference, generate
from doorstroom_match._exceptions import UnknownCompetenceError, ValidationError
from doorstroom_match.competences import LEVEL_LABELS, default_dictionary

REPO = Path(__file__).resolve().parents[1]
DICT = default_dictionary()
LABEL_TO_LEVEL = {v: k for k, v in LEVEL_LABELS.items()}
SAMPLE_COMMAND = "--workers 60 --vacancies 600 --places 40 --seed 7 --week 2 --broken 10".split()


def level_of(value) -> int:
    """The level 1..4 of an exported value (int or Dutch label, any case)."""
    if isinstance(value, bool):
        raise AssertionError(f"level is a bool: {value!r}")
    if isinstance(value, int):
        assert 1 <= value <= 4, value
        return value
    assert isinstance(value, str), value
    return LABEL_TO_LEVEL[value.lower()]


@pytest.fixture(scope="module")
def sample():
    """A generated sample, large enough for proportions."""
    return datasets.generate_sample(400, 2000, 300, seed=11)


@pytest.fixture(scope="module")
def esco_uris():
    ref = generate._reference(None)
    return set(ref.uri.tolist()), set(ref.label.tolist())


# ------------------------------------------------------------------ reproducibility
def test_same_seed_gives_byte_identical_files(tmp_path):
    args = "--workers 30 --vacancies 200 --places 20 --seed 5 --week 3 --broken 5".split()
    for name in ("a", "b"):
        assert generate.main([*args, "--out", str(tmp_path / name)]) == 0
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "feed_week3.jsonl" in files and "feed_broken.manifest.json" in files
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_other_seed_gives_other_data():
    a = datasets.generate_sample(10, 30, 5, seed=1)
    b = datasets.generate_sample(10, 30, 5, seed=2)
    assert a != b
    assert datasets.generate_sample(10, 30, 5, seed=1) == a


def test_parts_have_independent_streams():
    w1, v1, p1 = datasets.generate_sample(20, 50, 10, seed=3)
    w2, v2, p2 = datasets.generate_sample(20, 80, 10, seed=3)
    assert w1 == w2 and p1 == p2  # more vacancies change neither workers nor places
    assert len(v2) == 80


def test_bundled_sample_matches_recorded_command(tmp_path):
    readme = (REPO / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "python -m datasets.generate " + " ".join(SAMPLE_COMMAND) in readme
    recorded = re.search(r"with numpy (\S+) \(", readme).group(1)
    assert generate.main([*SAMPLE_COMMAND, "--out", str(tmp_path)]) == 0
    for path in sorted(tmp_path.iterdir()):
        bundled = datasets.SAMPLE_DIR / path.name
        assert bundled.is_file(), f"{path.name} missing from datasets/sample"
        if np.__version__ == recorded:
            assert bundled.read_bytes() == path.read_bytes(), (
                f"datasets/sample/{path.name} differs from a fresh run of the recorded command; "
                "regenerate it with the command in datasets/README.md"
            )
        elif path.name in ("workers.jsonl", "feed.jsonl", "places.jsonl"):
            # numpy does not promise identical distribution streams across versions
            fresh, kept = datasets.read_jsonl(path), datasets.read_jsonl(bundled)
            assert [r["id"] for r in fresh] == [r["id"] for r in kept], path.name


# ------------------------------------------------------------------ bundled sample
def test_load_sample_needs_no_shared_data(monkeypatch, tmp_path):
    monkeypatch.setenv(_reference.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="DOORSTROOM_SHARED_DATA"):
        datasets.shared_data_dir()
    workers, vacancies, places = datasets.load_sample()
    assert (len(workers), len(vacancies), len(places)) == (60, 600, 40)
    assert {p["kind"] for p in places} == {"tbs", "bvs", "enclave"}
    assert datasets.load_sample()[0] == workers  # fresh lists, same content
    assert datasets.load_sample()[0] is not workers


def test_bundled_sample_is_small():
    total = sum(p.stat().st_size for p in datasets.SAMPLE_DIR.iterdir())
    assert total < 2_000_000


def test_sample_path(tmp_path):
    assert datasets.sample_path("feed_week2.jsonl").is_file()
    with pytest.raises(FileNotFoundError, match="'nope.jsonl' not found.*available: "):
        datasets.sample_path("nope.jsonl")


def test_every_sample_line_parses_except_the_broken_ones():
    for name in ("workers.jsonl", "feed.jsonl", "places.jsonl", "feed_week2.jsonl"):
        recs = datasets.read_jsonl(datasets.sample_path(name))
        ids = [r["id"] for r in recs]
        assert len(ids) == len(set(ids)), name
    for name in ("feed", "workers"):
        manifest = json.loads(datasets.sample_path(f"{name}_broken.manifest.json").read_text())
        assert Counter(m["kind"] for m in manifest) == {k: 2 for k in datasets.BROKEN_KINDS}
        with pytest.raises(ValidationError, match=r"line \d+ is not valid JSON"):
            datasets.read_jsonl(datasets.sample_path(f"{name}_broken.jsonl"))


# ------------------------------------------------------------------ format
def _check_competence_map(mapping: dict, *, ids_only: bool) -> None:
    for name, value in mapping.items():
        cid = DICT.resolve(name)
        if ids_only:
            assert name == cid
            assert isinstance(value, int) and not isinstance(value, bool)
        level_of(value)


def test_worker_format(sample):
    workers, _, _ = sample
    ids = [w["id"] for w in workers]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"W\d{5}", i) for i in ids)
    for w in workers:
        assert list(w)[:5] == ["id", "competences", "job_target", "postcode", "contract"]
        _check_competence_map(w["competences"], ids_only=False)
        assert isinstance(w["job_target"], str) and w["job_target"].strip()
        assert datasets.is_flemish_postcode(w["postcode"]) and isinstance(w["postcode"], str)
        assert w["contract"] in ("maatwerk", "LDE")
        assert ("lde_end_date" in w) == (w["contract"] == "LDE")
        if w["contract"] == "LDE":
            end = date.fromisoformat(w["lde_end_date"])
            ref = generate.REFERENCE_DATE
            assert ref - timedelta(days=2) <= end <= ref + timedelta(days=5 * 366)
        assert w["regime"] in ("voltijds", "4/5", "halftijds")
        assert w["transport"] in ("openbaar vervoer", "fiets", "auto")
        assert isinstance(w["max_commute_km"], int) and 5 <= w["max_commute_km"] <= 50
        assert re.fullmatch(r"C\d{2}", w["coach"])
        for r in w.get("ratings", []):
            assert set(r) == {"rater", "competence", "level"}
            assert r["rater"] in ("assessor", "begeleider", "zelf")
            assert r["competence"] in w["competences"]
            level_of(r["level"])


def test_vacancy_and_place_format(sample, esco_uris):
    _, vacancies, places = sample
    uris, _ = esco_uris
    keys = [
        "id",
        "title",
        "description",
        "kind",
        "employer",
        "postcode",
        "capacity",
        "requirements",
        "occupation_uri",
        "valid_until",
        "regime",
    ]
    for recs, pattern in ((vacancies, r"V\d{6}"), (places, r"P\d{5}")):
        ids = [r["id"] for r in recs]
        assert len(set(ids)) == len(ids)
        for r in recs:
            assert re.fullmatch(pattern, r["id"])
            extra = ["post", "bvs_days"] if r["kind"] == "bvs" else []
            assert list(r) == keys + extra
            assert r["title"].strip() and len(r["description"]) > 40
            assert r["employer"].strip()
            assert datasets.is_flemish_postcode(r["postcode"])
            assert r["occupation_uri"] in uris
            assert date.fromisoformat(r["valid_until"]) > generate.REFERENCE_DATE
            assert r["regime"] in ("voltijds", "4/5", "halftijds")
            _check_competence_map(r["requirements"], ids_only=True)
    assert {v["kind"] for v in vacancies} == {"vacancy"}
    for p in places:
        cap = p["capacity"]
        if p["kind"] == "tbs":
            assert cap == 1
        elif p["kind"] == "bvs":
            assert 1 <= cap <= 2 and 1 <= p["bvs_days"] <= 5 and p["post"].strip()
        else:
            assert p["kind"] == "enclave" and 3 <= cap <= 8


def test_titles_and_descriptions_come_from_esco(sample):
    _, vacancies, _ = sample
    ref = generate._reference(None)
    by_uri = {u: i for i, u in enumerate(ref.uri.tolist())}
    for v in vacancies[:300]:
        i = by_uri[v["occupation_uri"]]
        names = {ref.label[i].lower(), *(a.lower() for a in ref.alt_labels[i])}
        title = v["title"].removesuffix(" (m/v/x)").lower()
        assert title in names, (title, names)
        first = re.split(r"(?<=[.!?])\s+", str(ref.description[i]))[0]
        assert first in v["description"]


# ------------------------------------------------------------------ realistic proportions
def _levels(workers) -> np.ndarray:
    ids = DICT.ids
    out = np.zeros((len(workers), len(ids)), dtype=int)
    for i, w in enumerate(workers):
        for name, value in w["competences"].items():
            out[i, ids.index(DICT.resolve(name))] = level_of(value)
    return out


def _requirements(recs) -> np.ndarray:
    ids = DICT.ids
    out = np.zeros((len(recs), len(ids)), dtype=int)
    for i, r in enumerate(recs):
        for name, value in r["requirements"].items():
            out[i, ids.index(name)] = value
    return out


def test_worker_levels_are_realistic(sample):
    workers, _, _ = sample
    lv = _levels(workers)
    rated = lv[lv > 0]
    share = np.bincount(rated, minlength=5)[1:] / rated.size
    assert share[1] + share[2] > 0.7  # mostly matig/goed
    assert 0.03 < share[3] < 0.15  # few zeer goed
    assert 0.05 < share[0] < 0.2  # some onvoldoende
    groups = np.array([c.group for c in DICT])
    rated_share = (lv > 0).mean(axis=0)
    assert rated_share[groups == "kern"].min() > 0.9
    assert rated_share[groups == "extra"].mean() < 0.75
    # competences correlate through the latent ability
    core = lv[:, groups == "kern"].astype(float)
    core[core == 0] = np.nan
    corr = np.ma.corrcoef(np.ma.masked_invalid(core).T)
    assert 0.15 < corr[np.triu_indices(core.shape[1], 1)].mean() < 0.7


def test_worker_mix_and_ratings(sample):
    workers, _, _ = sample
    lde = np.mean([w["contract"] == "LDE" for w in workers])
    assert 0.2 < lde < 0.5
    regimes = Counter(w["regime"] for w in workers)
    assert set(regimes) == {"voltijds", "4/5", "halftijds"}
    assert set(Counter(w["transport"] for w in workers)) == {"openbaar vervoer", "fiets", "auto"}
    styles = Counter(type(v).__name__ for w in workers for v in w["competences"].values())
    assert styles["int"] > 0 and styles["str"] > 0  # mixed like real exports
    assert any(name != DICT.resolve(name) for w in workers for name in w["competences"])
    with_ratings = [w for w in workers if "ratings" in w]
    assert 0.25 < len(with_ratings) / len(workers) < 0.55
    diff: dict[str, list[int]] = {"assessor": [], "begeleider": [], "zelf": []}
    spread = []
    for w in with_ratings:
        per: dict[str, list[int]] = {}
        for r in w["ratings"]:
            lv = level_of(r["level"])
            diff[r["rater"]].append(lv - level_of(w["competences"][r["competence"]]))
            per.setdefault(r["competence"], []).append(lv)
        spread += [max(v) - min(v) for v in per.values()]
    assert np.mean(diff["zelf"]) > np.mean(diff["assessor"]) + 0.2  # self-assessment lenient
    assert abs(np.mean(diff["assessor"])) < 0.2
    two = np.mean(np.array(spread) >= 2)
    assert 0.01 < two < 0.2  # sometimes a two-level disagreement


def test_job_targets_look_typed_by_coaches(sample, esco_uris):
    workers, _, _ = sample
    _, labels = esco_uris
    targets = [w["job_target"] for w in workers]
    exact = np.mean([t in labels for t in targets])
    assert 0.25 < exact < 0.7
    from datasets._vocab import VAGUE_TARGETS

    vague = np.mean([t in VAGUE_TARGETS for t in targets])
    assert 0.05 < vague < 0.3
    assert any(t[:1].isupper() for t in targets)
    assert any(re.search(r"(ster|euse|trice|ente)\b", t) for t in targets)
    # SEC jobs: elementary, operators, crafts, service and some clerks
    ref = generate._reference(None)
    by_label = dict(zip(ref.label.tolist(), ref.isco.tolist(), strict=True))
    majors = Counter(by_label[t][0] for t in targets if t in by_label)
    assert sum(majors[m] for m in "45789") / sum(majors.values()) > 0.85


def test_required_share_and_lower_levels_for_places(sample):
    _, vacancies, places = sample
    rv = _requirements(vacancies)
    assert 0.35 < (rv > 0).mean() < 0.45
    share = np.bincount(rv[rv > 0], minlength=5)[1:] / (rv > 0).sum()
    assert share[1] + share[2] > 0.6 and share[3] < 0.2
    kinds = Counter(p["kind"] for p in places)
    assert set(kinds) == {"tbs", "bvs", "enclave"} and kinds["bvs"] > kinds["enclave"]
    for kind in ("bvs", "enclave"):
        rp = _requirements([p for p in places if p["kind"] == kind])
        assert rp[rp > 0].mean() < rv[rv > 0].mean() - 0.5, kind
    # internship places are a small minority of all offers in a realistic run
    assert len(places) / (len(places) + len(vacancies)) < 0.15


def test_requirements_follow_onet_importance(sample):
    _, vacancies, _ = sample
    ref = generate._reference(None)
    assert ref.from_crosswalk.mean() > 0.75
    by_uri = {u: i for i, u in enumerate(ref.uri.tolist())}
    rv = _requirements(vacancies)
    imp = ref.importance[[by_uri[v["occupation_uri"]] for v in vacancies]]
    mask = rv > 0
    assert np.corrcoef(imp[mask], rv[mask])[0, 1] > 0.4
    j = DICT.ids.index("fysieke_mogelijkheden")
    major = np.array([g[0] for g in ref.isco.tolist()])
    assert ref.importance[major == "9", j].mean() > ref.importance[major == "2", j].mean() + 1


def test_postcodes_are_flemish_and_weighted_to_towns(sample):
    workers, vacancies, _ = sample
    codes = [w["postcode"] for w in workers] + [v["postcode"] for v in vacancies]
    assert all(datasets.is_flemish_postcode(c) for c in codes)
    top = {"2000", "9000"}
    assert np.mean([c in top for c in codes]) > 0.04  # 2 of ~520 postcodes
    assert not datasets.is_flemish_postcode("1000") and not datasets.is_flemish_postcode("x")


# ------------------------------------------------------------------ weekly feed
def test_week_feed_changes_about_ten_percent(sample):
    _, vacancies, _ = sample
    before = json.dumps(vacancies)
    week2 = datasets.week_feed(vacancies, 2, seed=11)
    assert json.dumps(vacancies) == before  # input not modified
    old = {v["id"]: json.dumps(v, ensure_ascii=False) for v in vacancies}
    new = {v["id"]: json.dumps(v, ensure_ascii=False) for v in week2}
    assert len(new) == len(week2)  # unique ids
    added = set(new) - set(old)
    gone = set(old) - set(new)
    changed = [k for k in set(old) & set(new) if old[k] != new[k]]
    n = len(vacancies)
    assert 0.08 * n <= len(added) <= 0.12 * n
    assert 0.02 * n <= len(gone) <= 0.15 * n
    assert 0.02 * n <= len(changed) <= 0.12 * n
    assert min(added) > max(old)
    week2_day = generate.REFERENCE_DATE + timedelta(days=7)
    assert all(date.fromisoformat(v["valid_until"]) >= week2_day for v in week2)
    assert datasets.week_feed(vacancies, 1, seed=11) == vacancies
    assert datasets.week_feed(vacancies, 2, seed=11) == week2
    week3 = datasets.week_feed(vacancies, 3, seed=11)
    assert min(set(v["id"] for v in week3) - set(new)) > max(new)


def test_sample_week2_differs_from_week1():
    feed = {r["id"] for r in datasets.read_jsonl(datasets.sample_path("feed.jsonl"))}
    week2 = {r["id"] for r in datasets.read_jsonl(datasets.sample_path("feed_week2.jsonl"))}
    assert feed - week2 and week2 - feed


# ------------------------------------------------------------------ broken lines
@pytest.mark.parametrize("which", [1, 0])
def test_inject_broken_makes_each_kind(sample, which):
    recs = sample[which][:60]
    field = "requirements" if which else "competences"
    lines, manifest = datasets.inject_broken(recs, 10, seed=4)
    assert len(lines) == len(recs)
    assert Counter(m["kind"] for m in manifest) == {k: 2 for k in datasets.BROKEN_KINDS}
    broken = {m["line"]: m for m in manifest}
    seen_ids: set[str] = set()
    for no, line in enumerate(lines, 1):
        m = broken.get(no)
        if m is None:
            assert line == json.dumps(recs[no - 1], ensure_ascii=False)
            seen_ids.add(recs[no - 1]["id"])
            continue
        if m["kind"] == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
            continue
        rec = json.loads(line)
        if m["kind"] == "missing_id":
            assert "id" not in rec and m["id"] is None
        elif m["kind"] == "level_5":
            assert 5 in rec[field].values()
        elif m["kind"] == "unknown_competence":
            assert "samenwerkn" in rec[field]
            with pytest.raises(UnknownCompetenceError, match="samenwerkn.*did you mean"):
                DICT.resolve("samenwerkn")
        else:
            assert rec["id"] == m["id"] and m["id"] in seen_ids  # a valid earlier line
    assert datasets.inject_broken(recs, 0) == (
        [json.dumps(r, ensure_ascii=False) for r in recs],
        [],
    )


def test_inject_broken_rejects_too_many():
    with pytest.raises(ValidationError, match=r"n_broken must be at most len\(records\) - 1 = 2"):
        datasets.inject_broken([{"id": "a"}, {"id": "b"}, {"id": "c"}], 3)
    with pytest.raises(ValidationError, match="n_broken must be an integer >= 0, got -1"):
        datasets.inject_broken([{"id": "a"}], -1)


# ------------------------------------------------------------------ arrays for benchmarks
def test_synthetic_arrays():
    levels, req, w = datasets.synthetic_arrays(500, 800, 23, seed=2)
    assert levels.shape == (500, 23) and levels.dtype == np.int8
    assert req.shape == (800, 23) and req.dtype == np.int8
    assert w.shape == (800, 23) and w.dtype == np.float32
    assert levels.min() >= 0 and levels.max() <= 4 and req.min() >= 0 and req.max() <= 4
    assert 0.37 < (req > 0).mean() < 0.43
    assert 0.07 < (levels == 0).mean() < 0.13
    assert (w >= 0.5).all() and (w <= 2.0).all()
    again = datasets.synthetic_arrays(500, 800, 23, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip((levels, req, w), again, strict=True))
    with pytest.raises(ValidationError, match="n_competences must be an integer >= 1, got 0"):
        datasets.synthetic_arrays(5, 5, 0)


# ------------------------------------------------------------------ errors and lookup
def test_counts_are_validated():
    with pytest.raises(ValidationError, match="n_workers must be an integer >= 0, got -1"):
        datasets.generate_workers(-1)
    with pytest.raises(ValidationError, match="n_vacancies must be an integer >= 0, got 2.5"):
        datasets.generate_vacancies(2.5)
    with pytest.raises(ValidationError, match="n_places must be an integer >= 0, got True"):
        datasets.generate_places(True)
    assert datasets.generate_sample(0, 0, 0) == ([], [], [])


def test_shared_data_lookup_order(monkeypatch, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setattr(_reference, "_REPO", repo)
    monkeypatch.delenv(_reference.ENV_VAR, raising=False)
    with pytest.raises(FileNotFoundError, match=r"<repo>/\.\./shared/data.*<repo>/shared/data"):
        _reference.shared_data_dir()

    def make(path: Path) -> Path:
        (path / "esco_nl").mkdir(parents=True)
        (path / "esco_nl" / "occupations.csv").write_text("uri\n")
        return path

    inside = make(repo / "shared" / "data")
    assert _reference.shared_data_dir() == inside
    beside = make(tmp_path / "shared" / "data")
    assert _reference.shared_data_dir() == beside  # ../shared/data wins
    env = make(tmp_path / "elsewhere")
    monkeypatch.setenv(_reference.ENV_VAR, str(env))
    assert _reference.shared_data_dir() == env
    monkeypatch.setenv(_reference.ENV_VAR, str(tmp_path / "typo"))
    with pytest.raises(FileNotFoundError, match=r"\$DOORSTROOM_SHARED_DATA = .*typo"):
        _reference.shared_data_dir()  # an explicit setting never falls back silently


def test_bad_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no esco_nl/occupations.csv"):
        datasets.generate_workers(3, data_dir=tmp_path)


def test_cli_errors(tmp_path, capsys):
    with pytest.raises(SystemExit):
        generate.main(["--out", str(tmp_path), "--week", "1"])
    assert "--week must be >= 2" in capsys.readouterr().err
    code = generate.main(["--out", str(tmp_path), "--data-dir", str(tmp_path / "none")])
    assert code == 2 and "holds no esco_nl" in capsys.readouterr().err
    code = generate.main(
        [
            "--workers",
            "3",
            "--vacancies",
            "3",
            "--places",
            "0",
            "--broken",
            "5",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 2 and "n_broken must be at most" in capsys.readouterr().err


# ------------------------------------------------------------------ package surface
def test_all_names_resolve():
    for name in datasets.__all__:
        assert getattr(datasets, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'Column'"):
        datasets.Column  # noqa: B018 - what sentence-transformers probes for


def test_import_is_light():
    code = "import sys, datasets; print('datasets.generate' in sys.modules, 'numpy' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_doctests():
    for module in (datasets, generate, _reference, datasets._vocab):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
