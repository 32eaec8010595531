"""The wheel is the product: its package data, its contents, and (slow) a clean install.

The fast tests compare the package-data globs of ``pyproject.toml`` with the files on disk and
build a wheel from a copy of the sources to check its contents list. The slow one runs
``.ci/wheel-check`` (build, install into a clean venv outside the repository, run there).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from doorstroom_match.resources import RESOURCES

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "doorstroom_match"
PYPI_LIMIT = 100_000_000


def _globs() -> list[str]:
    conf = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return conf["tool"]["setuptools"]["package-data"]["doorstroom_match"]


def _data_files() -> list[str]:
    """Every non-Python file of the package, relative to it (caches left out)."""
    out = []
    for path in PACKAGE.rglob("*"):
        if (
            path.is_file()
            and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts
        ):
            out.append(path.relative_to(PACKAGE).as_posix())
    return sorted(out)


def _matched(rel: str, globs: list[str]) -> bool:
    # setuptools globs are relative to the package; "*" does not cross "/"
    return any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs)


def test_package_data_globs_match_the_files_on_disk():
    globs = _globs()
    files = _data_files()
    unshipped = [f for f in files if not _matched(f, globs)]
    assert not unshipped, f"data files no package-data glob ships: {unshipped}"
    for g in globs:
        assert any(_matched(f, [g]) for f in files), f"package-data glob {g!r} matches nothing"


def test_every_resource_is_package_data():
    globs = _globs()
    for name, res in RESOURCES.items():
        if name == "title_model":  # the optional fine-tuned model folder, never shipped
            assert not (PACKAGE / res.package_path).exists()
            continue
        assert (PACKAGE / res.package_path).is_file(), name
        assert _matched(res.package_path, globs), name


def _copy_sources(dest: Path) -> Path:
    dest.mkdir()
    for name in ("pyproject.toml", "README.md", "NOTICE"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(
        PACKAGE, dest / "doorstroom_match", ignore=shutil.ignore_patterns("__pycache__")
    )
    return dest


def test_wheel_contents(tmp_path):
    pytest.importorskip("build", reason="python -m build needs the 'build' package (dev extra)")
    src = _copy_sources(tmp_path / "src")
    out = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=src,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (wheel,) = tmp_path.glob("doorstroom_match-*.whl")
    assert wheel.stat().st_size < PYPI_LIMIT
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = z.read(f"{dist_info}/entry_points.txt").decode()
        top_level = z.read(f"{dist_info}/top_level.txt").decode().split()
    expected = {
        p.relative_to(REPO).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    } | {f"doorstroom_match/{f}" for f in _data_files()}
    assert expected <= names, sorted(expected - names)
    assert f"{dist_info}/licenses/NOTICE" in names
    assert "doorstroom-match = doorstroom_match.cli:main" in entry_points
    assert top_level == ["doorstroom_match"]  # no 'datasets', 'tests', 'benchmarks', 'models'
    assert not any(n.startswith(("datasets/", "tests/", "benchmarks/", "models/")) for n in names)


def test_notice_names_every_source_and_licence():
    text = (REPO / "NOTICE").read_text(encoding="utf-8")
    for needle in (
        "European Commission",
        "CC BY 4.0",
        "O*NET 29.3",
        "Employment and Training Administration",
        "OpenStreetMap contributors",
        "ODbL",
        "bpost",
    ):
        assert needle in text, needle
    for res in RESOURCES.values():
        if res.name != "title_model":
            assert Path(res.package_path).name in text, res.package_path


@pytest.mark.slow
def test_clean_venv_install(tmp_path):
    """.ci/wheel-check: the built wheel installed in a clean venv runs outside the repository."""
    pytest.importorskip("build", reason="python -m build needs the 'build' package (dev extra)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTROOM_")}
    env["TMPDIR"] = str(tmp_path)
    out = subprocess.run(
        [str(REPO / ".ci" / "wheel-check"), sys.executable],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert "wheel-check passed" in out.stdout
