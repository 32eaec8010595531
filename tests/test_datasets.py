"""Tests of doorstroom_match.synthetic (the seeded generator) and the bundled datasets/sample.

Nothing here needs the team's reference data beside the checkout: the generator reads the
tables shipped in the package.
"""

from __future__ import annotations

import csv
import doctest
import gzip
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from doorstroom_match import cli, synthetic
from doorstroom_match._exceptions import FeedError, UnknownCompetenceError, ValidationError
from doorstroom_match.competences import LEVEL_LABELS, default_dictionary
from doorstroom_match.resources import ResourceNotFoundError, resource_path
from doorstroom_match.synthetic import _reference, _vocab, generate

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "datasets" / "sample"
DICT = default_dictionary()
LABEL_TO_LEVEL = {v: k for k, v in LEVEL_LABELS.items()}
SAMPLE_COMMAND = "--workers 60 --vacancies 600 --places 40 --seed 7 --week 2 --broken 10".split()


def _sample_path(name: str) -> Path:
    path = SAMPLE_DIR / name
    assert path.is_file(), name
    return path


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
def sample_truth():
    """A generated sample, large enough for proportions, and its truth (id -> uri)."""
    truth: dict[str, str] = {}
    return synthetic.generate_sample(400, 2000, 300, seed=11, truth=truth), truth


@pytest.fixture(scope="module")
def sample(sample_truth):
    return sample_truth[0]


@pytest.fixture(scope="module")
def truth(sample_truth):
    return sample_truth[1]


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
    a = synthetic.generate_sample(10, 30, 5, seed=1)
    b = synthetic.generate_sample(10, 30, 5, seed=2)
    assert a != b
    assert synthetic.generate_sample(10, 30, 5, seed=1) == a


def test_parts_have_independent_streams():
    w1, v1, p1 = synthetic.generate_sample(20, 50, 10, seed=3)
    w2, v2, p2 = synthetic.generate_sample(20, 80, 10, seed=3)
    assert w1 == w2 and p1 == p2  # more vacancies change neither workers nor places
    assert len(v2) == 80


def test_bundled_sample_matches_recorded_command(tmp_path):
    readme = (REPO / "datasets" / "README.md").read_text(encoding="utf-8")
    command = "doorstroom-match sample " + " ".join(SAMPLE_COMMAND) + " --out datasets/sample"
    assert command in readme
    recorded = re.search(r"with numpy (\S+) \(", readme).group(1)
    assert cli.main(["sample", *SAMPLE_COMMAND, "--out", str(tmp_path)]) == 0
    for path in sorted(tmp_path.iterdir()):
        bundled = SAMPLE_DIR / path.name
        assert bundled.is_file(), f"{path.name} missing from datasets/sample"
        if np.__version__ == recorded:
            assert bundled.read_bytes() == path.read_bytes(), (
                f"datasets/sample/{path.name} differs from a fresh run of the recorded command; "
                "regenerate it with the command in datasets/README.md"
            )
        elif path.name in ("workers.jsonl", "feed.jsonl", "places.jsonl", "truth.csv"):
            # numpy does not promise identical distribution streams across versions
            if path.suffix == ".csv":
                assert list(synthetic.read_truth(path)) == list(synthetic.read_truth(bundled))
                continue
            fresh, kept = synthetic.read_jsonl(path), synthetic.read_jsonl(bundled)
            assert [r["id"] for r in fresh] == [r["id"] for r in kept], path.name


# ------------------------------------------------------------------ bundled sample
def test_load_sample(tmp_path):
    workers, vacancies, places = synthetic.load_sample(SAMPLE_DIR)
    assert (len(workers), len(vacancies), len(places)) == (60, 600, 40)
    assert {p["kind"] for p in places} == {"tbs", "bvs", "enclave"}
    assert synthetic.load_sample(SAMPLE_DIR)[0] == workers  # fresh lists, same content
    assert synthetic.load_sample(SAMPLE_DIR)[0] is not workers
    with pytest.raises(FeedError, match=r"lacks workers.jsonl, .*doorstroom-match sample"):
        synthetic.load_sample(tmp_path)


def test_bundled_truth_covers_every_record():
    truth = synthetic.read_truth(_sample_path("truth.csv"))
    catalogue = set(generate._reference(None).uri.tolist())
    ids = set()
    for name in ("workers.jsonl", "feed.jsonl", "places.jsonl", "feed_week2.jsonl"):
        ids |= {r["id"] for r in synthetic.read_jsonl(_sample_path(name))}
    assert set(truth) == ids
    assert set(truth.values()) <= catalogue
    for v in synthetic.read_jsonl(_sample_path("feed.jsonl")):
        if "occupation_uri" in v:
            assert v["occupation_uri"] == truth[v["id"]]


def test_bundled_sample_is_small():
    assert not (REPO / "datasets" / "__init__.py").exists()  # not an importable package
    total = sum(p.stat().st_size for p in SAMPLE_DIR.iterdir())
    assert total < 2_000_000


def test_every_sample_line_parses_except_the_broken_ones():
    for name in ("workers.jsonl", "feed.jsonl", "places.jsonl", "feed_week2.jsonl"):
        recs = synthetic.read_jsonl(_sample_path(name))
        ids = [r["id"] for r in recs]
        assert len(ids) == len(set(ids)), name
    for name in ("feed", "workers"):
        manifest = json.loads(_sample_path(f"{name}_broken.manifest.json").read_text())
        assert Counter(m["kind"] for m in manifest) == {k: 2 for k in synthetic.BROKEN_KINDS}
        with pytest.raises(ValidationError, match=r"line \d+ is not valid JSON"):
            synthetic.read_jsonl(_sample_path(f"{name}_broken.jsonl"))


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
        assert synthetic.is_flemish_postcode(w["postcode"]) and isinstance(w["postcode"], str)
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


def test_vacancy_and_place_format(sample, truth, esco_uris):
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
            # a regular vacancy may lack requirements and occupation_uri, as in real feeds
            have = [k for k in keys if k in r or k not in ("requirements", "occupation_uri")]
            assert list(r) == have + extra
            if r["kind"] != "vacancy":
                assert have == keys
            assert r["title"].strip() and len(r["description"]) > 40
            assert r["employer"].strip()
            assert synthetic.is_flemish_postcode(r["postcode"])
            assert truth[r["id"]] in uris
            assert r.get("occupation_uri", truth[r["id"]]) == truth[r["id"]]
            assert date.fromisoformat(r["valid_until"]) > generate.REFERENCE_DATE
            assert r["regime"] in ("voltijds", "4/5", "halftijds")
            _check_competence_map(r.get("requirements", {}), ids_only=True)
    assert {v["kind"] for v in vacancies} == {"vacancy"}
    for p in places:
        cap = p["capacity"]
        if p["kind"] == "tbs":
            assert cap == 1
        elif p["kind"] == "bvs":
            assert 1 <= cap <= 2 and 1 <= p["bvs_days"] <= 5 and p["post"].strip()
        else:
            assert p["kind"] == "enclave" and 3 <= cap <= 8


def test_titles_and_descriptions_come_from_esco(sample, truth):
    _, vacancies, _ = sample
    ref = generate._reference(None)
    by_uri = {u: i for i, u in enumerate(ref.uri.tolist())}
    coach = generate._coach_titles(ref)
    preferred = 0
    for v in vacancies[:500]:
        i = by_uri[truth[v["id"]]]
        names = {ref.label[i].lower(), *(a.lower() for a in ref.alt_labels[i])}
        names |= {t.lower() for t in coach.get(i, ())}
        title = v["title"].removesuffix(" (m/v/x)").removesuffix(" gezocht").lower()
        title = re.sub(r" - (voltijds|4/5|halftijds)$", "", title)
        assert title in names or title.split("/")[0] in names, (title, names)
        preferred += title == ref.label[i].lower()
        first = re.split(r"(?<=[.!?])\s+", str(ref.description[i]))[0]
        assert first in v["description"]
    assert preferred < 0.75 * 500  # ad titles, not only the ESCO preferred label


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
        for name, value in r.get("requirements", {}).items():
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


def test_job_targets_look_typed_by_coaches(sample, truth, esco_uris):
    workers, _, _ = sample
    _, labels = esco_uris
    targets = [w["job_target"] for w in workers]
    ref = generate._reference(None)
    by_uri = {u: i for i, u in enumerate(ref.uri.tolist())}
    preferred = np.mean(
        [t == ref.label[by_uri[truth[w["id"]]]] for t, w in zip(targets, workers, strict=True)]
    )
    assert 0.05 < preferred < 0.3  # the ESCO preferred label only now and then
    typed = {t.lower() for titles in _vocab.COACH_TITLES.values() for t in titles}
    assert 0.2 < np.mean([t.lower() in typed for t in targets]) < 0.6
    vague = np.mean([t in _vocab.VAGUE_TARGETS for t in targets])
    assert 0.03 < vague < 0.2
    assert any(t[:1].isupper() for t in targets)
    assert any(re.search(r"(ster|euse|trice|ente)\b", t) for t in targets)
    assert all(w["id"] in truth for w in workers) and "job_target_uri" not in workers[0]
    # SEC jobs: elementary, operators, crafts, service and some clerks
    majors = Counter(ref.isco[by_uri[truth[w["id"]]]][0] for w in workers)
    assert sum(majors[m] for m in "45789") / len(workers) > 0.85
    assert sum(majors[m] for m in "12") / len(workers) < 0.05


def test_feed_is_like_the_field(sample, truth):
    _, vacancies, places = sample
    ref = generate._reference(None)
    isco = dict(zip(ref.uri.tolist(), ref.isco.tolist(), strict=True))
    majors = Counter(isco[truth[v["id"]]][0] for v in vacancies)
    assert sum(majors[m] for m in "5789") / len(vacancies) > 0.7  # jobs SEC workers move to
    assert sum(majors[m] for m in "12") / len(vacancies) < 0.1
    no_req = np.mean(["requirements" not in v for v in vacancies])
    assert 0.6 < no_req < 0.7
    with_uri = np.mean(["occupation_uri" in v for v in vacancies])
    assert 0.25 < with_uri < 0.35
    # partner places always state requirements and their occupation
    assert all(p["requirements"] and p["occupation_uri"] == truth[p["id"]] for p in places)


def test_required_share_and_lower_levels_for_places(sample):
    _, vacancies, places = sample
    rv = _requirements([v for v in vacancies if "requirements" in v])
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


def test_requirements_follow_onet_importance(sample, truth):
    _, vacancies, _ = sample
    vacancies = [v for v in vacancies if "requirements" in v]
    ref = generate._reference(None)
    assert ref.from_crosswalk.mean() > 0.75
    by_uri = {u: i for i, u in enumerate(ref.uri.tolist())}
    rv = _requirements(vacancies)
    imp = ref.importance[[by_uri[truth[v["id"]]] for v in vacancies]]
    mask = rv > 0
    assert np.corrcoef(imp[mask], rv[mask])[0, 1] > 0.4
    j = DICT.ids.index("fysieke_mogelijkheden")
    major = np.array([g[0] for g in ref.isco.tolist()])
    assert ref.importance[major == "9", j].mean() > ref.importance[major == "2", j].mean() + 1


def test_postcodes_are_flemish_and_weighted_to_towns(sample):
    workers, vacancies, _ = sample
    codes = [w["postcode"] for w in workers] + [v["postcode"] for v in vacancies]
    assert all(synthetic.is_flemish_postcode(c) for c in codes)
    top = {"2000", "9000"}
    assert np.mean([c in top for c in codes]) > 0.04  # 2 of ~520 postcodes
    assert not synthetic.is_flemish_postcode("1000") and not synthetic.is_flemish_postcode("x")


# ------------------------------------------------------------------ weekly feed
def test_week_feed_changes_about_ten_percent(sample):
    _, vacancies, _ = sample
    before = json.dumps(vacancies)
    week2 = synthetic.week_feed(vacancies, 2, seed=11)
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
    assert synthetic.week_feed(vacancies, 1, seed=11) == vacancies
    assert synthetic.week_feed(vacancies, 2, seed=11) == week2
    week3 = synthetic.week_feed(vacancies, 3, seed=11)
    assert min(set(v["id"] for v in week3) - set(new)) > max(new)


def test_sample_week2_differs_from_week1():
    feed = {r["id"] for r in synthetic.read_jsonl(_sample_path("feed.jsonl"))}
    week2 = {r["id"] for r in synthetic.read_jsonl(_sample_path("feed_week2.jsonl"))}
    assert feed - week2 and week2 - feed


# ------------------------------------------------------------------ broken lines
@pytest.mark.parametrize("which", [1, 0])
def test_inject_broken_makes_each_kind(sample, which):
    recs = sample[which][:60]
    field = "requirements" if which else "competences"  # also for a vacancy stating none
    lines, manifest = synthetic.inject_broken(recs, 10, seed=4)
    assert len(lines) == len(recs)
    assert Counter(m["kind"] for m in manifest) == {k: 2 for k in synthetic.BROKEN_KINDS}
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
    assert synthetic.inject_broken(recs, 0) == (
        [json.dumps(r, ensure_ascii=False) for r in recs],
        [],
    )


def test_inject_broken_rejects_too_many():
    with pytest.raises(ValidationError, match=r"n_broken must be at most len\(records\) - 1 = 2"):
        synthetic.inject_broken([{"id": "a"}, {"id": "b"}, {"id": "c"}], 3)
    with pytest.raises(ValidationError, match="n_broken must be an integer >= 0, got -1"):
        synthetic.inject_broken([{"id": "a"}], -1)


# ------------------------------------------------------------------ arrays for benchmarks
def test_synthetic_arrays():
    levels, req, w = synthetic.synthetic_arrays(500, 800, 23, seed=2)
    assert levels.shape == (500, 23) and levels.dtype == np.int8
    assert req.shape == (800, 23) and req.dtype == np.int8
    assert w.shape == (800, 23) and w.dtype == np.float32
    assert levels.min() >= 0 and levels.max() <= 4 and req.min() >= 0 and req.max() <= 4
    assert 0.37 < (req > 0).mean() < 0.43
    assert 0.07 < (levels == 0).mean() < 0.13
    assert (w >= 0.5).all() and (w <= 2.0).all()
    again = synthetic.synthetic_arrays(500, 800, 23, seed=2)
    assert all(np.array_equal(a, b) for a, b in zip((levels, req, w), again, strict=True))
    with pytest.raises(ValidationError, match="n_competences must be an integer >= 1, got 0"):
        synthetic.synthetic_arrays(5, 5, 0)


# ------------------------------------------------------------------ errors and lookup
def test_counts_are_validated():
    with pytest.raises(ValidationError, match="n_workers must be an integer >= 0, got -1"):
        synthetic.generate_workers(-1)
    with pytest.raises(ValidationError, match="n_vacancies must be an integer >= 0, got 2.5"):
        synthetic.generate_vacancies(2.5)
    with pytest.raises(ValidationError, match="n_places must be an integer >= 0, got True"):
        synthetic.generate_places(True)
    assert synthetic.generate_sample(0, 0, 0) == ([], [], [])


def _team_layout(folder: Path) -> Path:
    """A reference-data folder (esco_nl/, onet/, geo/) made from the package's own tables."""
    for name, rel in _reference._FILES.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        src = resource_path(name)
        with gzip.open(src, "rb") as fh, open(folder / rel, "wb") as out:
            shutil.copyfileobj(fh, out)
    return folder


def test_reference_data_from_the_package_or_a_folder(monkeypatch, tmp_path):
    for var in ("DOORSTROOM_DATA_DIR", "DOORSTROOM_SHARED_DATA", "DOORSTROOM_ESCO_OCCUPATIONS"):
        monkeypatch.delenv(var, raising=False)
    ids = DICT.ids
    shipped = _reference.load_reference(ids)
    folder = _team_layout(tmp_path / "data")
    same = _reference.load_reference(ids, folder)
    assert np.array_equal(shipped.uri, same.uri)
    assert np.array_equal(shipped.importance, same.importance)
    assert np.array_equal(shipped.postcode, same.postcode)
    # the environment is honoured, and a wrong setting is an error, not a silent fallback
    monkeypatch.setenv("DOORSTROOM_DATA_DIR", str(folder))
    assert generate.generate_workers(3, 1) == generate.generate_workers(3, 1, data_dir=folder)
    monkeypatch.setenv("DOORSTROOM_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(ResourceNotFoundError, match=r"DOORSTROOM_DATA_DIR.*typo"):
        synthetic.generate_workers(3)


def test_bad_data_dir(tmp_path):
    with pytest.raises(ResourceNotFoundError, match="esco_occupations not found"):
        synthetic.generate_workers(3, data_dir=tmp_path)


def test_cli_errors(tmp_path, capsys):
    assert cli.main(["sample", "--out", str(tmp_path), "--week", "1"]) == 1
    assert "week must be an integer >= 2, got 1" in capsys.readouterr().err
    code = cli.main(["sample", "--out", str(tmp_path), "--data-dir", str(tmp_path / "none")])
    assert code == 1 and "esco_occupations not found" in capsys.readouterr().err
    argv = "--workers 3 --vacancies 3 --places 0 --broken 5".split()
    assert cli.main(["sample", *argv, "--out", str(tmp_path / "x")]) == 1
    assert "n_broken must be at most" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # nothing half-written
    with pytest.raises(SystemExit):
        cli.main(["sample", "--out", str(tmp_path), "--workers", "many"])


def test_cli_sample_writes_files(tmp_path, capsys):
    out = tmp_path / "s"
    assert cli.main(["sample", "--out", str(out), "--workers", "4", "--vacancies", "9"]) == 0
    assert "4 workers, 9 vacancies, 40 places" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert names == ["feed.jsonl", "places.jsonl", "truth.csv", "workers.jsonl"]
    with open(out / "truth.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 + 9 + 40
    module = subprocess.run(
        [sys.executable, "-m", "doorstroom_match.synthetic", "--out", str(tmp_path / "m")]
        + "--workers 4 --vacancies 9".split(),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert module.returncode == 0, module.stderr
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / "m" / name).read_bytes()


# ------------------------------------------------------------------ package surface
def test_all_names_resolve():
    for name in synthetic.__all__:
        assert getattr(synthetic, name) is not None, name


def test_repository_datasets_folder_is_no_import_name():
    """``datasets/`` would shadow Hugging Face's ``datasets`` when run from the checkout."""
    code = (
        "import importlib.util as u, pathlib, sys; s = u.find_spec('datasets'); "
        "print(s is None or not str(s.origin or '').startswith(sys.argv[1]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(REPO / "datasets")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True"]


def test_doctests():
    for module in (synthetic, generate, _reference, _vocab):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
