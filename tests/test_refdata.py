"""benchmarks/_refdata.py: the one place training and evaluation scripts find the team's data."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import _refdata
from doorstroom_match.resources import ResourceNotFoundError


def _make(path: Path) -> Path:
    (path / "esco_nl").mkdir(parents=True)
    (path / "esco_nl" / "dev_title_queries.csv").write_text("query,uri\n", encoding="utf-8")
    return path


def test_lookup_order(monkeypatch, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.setattr(_refdata, "_REPO", repo)
    for var in _refdata._VARS:
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ResourceNotFoundError, match=r"<repo>/\.\./shared/data.*<repo>/shared"):
        _refdata.team_data_dir()
    inside = _make(repo / "shared" / "data")
    assert _refdata.team_data_dir() == inside
    beside = _make(tmp_path / "shared" / "data")
    assert _refdata.team_data_dir() == beside  # ../shared/data wins
    env = _make(tmp_path / "elsewhere")
    monkeypatch.setenv("DOORSTROOM_SHARED_DATA", str(env))
    assert _refdata.esco_dir() == env / "esco_nl"
    monkeypatch.setenv("DOORSTROOM_DATA_DIR", str(tmp_path / "typo"))
    with pytest.raises(ResourceNotFoundError, match=r"\$DOORSTROOM_DATA_DIR = .*typo"):
        _refdata.team_data_dir()  # an explicit setting never falls back silently


def test_the_library_never_uses_it():
    """Nothing in the library reads the team's data, the repository's models/ or its own
    data/ folder except through resources.py."""
    root = Path(__file__).resolve().parents[1] / "doorstroom_match"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "_refdata" not in text and "shared/data" not in text, path
        assert 'parents[1] / "models"' not in text, path
        if path.name != "resources.py":
            assert '/ "data"' not in text and "../shared" not in text, path
