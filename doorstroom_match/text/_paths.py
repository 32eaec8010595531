"""Where the trained title artefacts are looked for (see :mod:`doorstroom_match.resources`)."""

from __future__ import annotations

from pathlib import Path

from doorstroom_match.resources import RESOURCES, resource_path

_BY_ENV = {r.env_var: r.name for r in RESOURCES.values() if r.env_var}


def model_file(env_var: str, name: str) -> Path:
    """``$env_var`` when set (and not empty), else the copy shipped in the package."""
    return resource_path(_BY_ENV[env_var], must_exist=False)
