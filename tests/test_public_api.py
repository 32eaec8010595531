from __future__ import annotations

import subprocess
import sys

import doorstroom_match


def test_every_name_in_all_resolves():
    for name in doorstroom_match.__all__:
        assert getattr(doorstroom_match, name) is not None, name


def test_errors_subclass_builtins():
    from doorstroom_match import (
        DoorstroomError,
        FeedError,
        LevelError,
        NotFittedError,
        UnknownCompetenceError,
        ValidationError,
    )

    for cls in (ValidationError, LevelError, UnknownCompetenceError, FeedError, NotFittedError):
        assert issubclass(cls, DoorstroomError) and issubclass(cls, ValueError)
    assert issubclass(NotFittedError, AttributeError)


def test_import_is_light_and_has_no_side_effects():
    code = (
        "import sys, warnings, numpy, scipy; before = list(warnings.filters); import doorstroom_match; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'dask', 'matplotlib') if m in sys.modules]; "
        "assert not heavy, heavy; assert warnings.filters == before"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
