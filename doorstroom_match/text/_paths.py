"""Where the trained title artefacts are looked for: an environment variable or ``models/``."""

from __future__ import annotations

import os
from pathlib import Path

#: ``models/`` of the repository (the artefacts are committed there).
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def model_file(env_var: str, name: str) -> Path:
    """``$env_var`` when set (and not empty), else ``models/<name>`` in the repository."""
    env = os.environ.get(env_var)
    return Path(env) if env else MODELS_DIR / name
