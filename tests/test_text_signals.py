from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text.cache import EmbeddingCache
from doorstroom_match.text.corpus import TitleCorpus
from doorstroom_match.text.signals import TextSignals, agreement_matrix
from doorstroom_match.text.titles import TitleNormalizer

CORPUS = TitleCorpus.from_rows(
    [
        {"uri": "u:mag", "text": "magazijnmedewerker"},
        {"uri": "u:order", "text": "orderpicker"},
        {"uri": "u:kok", "text": "kok"},
    ],
    isco_groups={"u:mag": "4321", "u:order": "9333", "u:kok": "5120"},
)
VACANCIES = ["Magazijnmedewerker (m/v/x)", "orderpicker nachtploeg", "kok in een rusthuis"]


def test_blocks_shapes_and_values():
    tn = TitleNormalizer(model=None).fit(CORPUS)
    ts = TextSignals(normalizer=tn).fit(VACANCIES)
    sim = ts.similarity(["magazijnmedewerkster", "kok"])
    assert sim.shape == (2, 3) and sim.dtype == np.float32
    assert sim[0].argmax() == 0 and sim[1].argmax() == 2
    agree = ts.occupation_agreement(["magazijnmedewerkster", "kok"])
    np.testing.assert_array_equal(agree, [[1, 0, 0], [0, 0, 1]])
    assert [m.uri for m in ts.occupations(["kokkin"])] == ["u:kok"]


def test_agreement_levels():
    a = agreement_matrix(
        ["x", "y", ""], ["4321", "4321", ""], ["x", "z", "w"], ["4321", "4321", "4399"]
    )
    np.testing.assert_array_equal(a, [[1, 0.5, 0.25], [0.5, 0.5, 0.25], [0, 0, 0]])


def test_cache_encodes_only_new_vacancies(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    # a fixed encoder (fitted once), as a weekly batch would keep
    from doorstroom_match.text.encoders import TfidfEncoder

    enc = TfidfEncoder().fit(VACANCIES + ["lasser"])
    assert TextSignals(encoder=enc, cache=cache).fit(VACANCIES).n_encoded_ == 3
    assert TextSignals(encoder=enc, cache=cache).fit(VACANCIES[:2] + ["lasser"]).n_encoded_ == 1


def test_errors():
    with pytest.raises(NotFittedError, match="TextSignals is not fitted"):
        TextSignals().similarity(["kok"])
    ts = TextSignals().fit(VACANCIES)
    with pytest.raises(ValidationError, match="needs a normalizer"):
        ts.occupation_agreement(["kok"])
    with pytest.raises(ValidationError, match="single str"):
        ts.similarity("kok")


def test_import_is_light():
    code = (
        "import sys, doorstroom_match.text, doorstroom_match.index; "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'faiss')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
