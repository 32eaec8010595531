"""The examples in the docstrings run and show what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "doorstroom_match.competences",
    "doorstroom_match.profiles",
    "doorstroom_match.core",
    "doorstroom_match.ranking",
    "doorstroom_match.plan",
    "doorstroom_match.proposals",
    "doorstroom_match.calibration",
    "doorstroom_match.text.lexicon",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
