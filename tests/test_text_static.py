"""The static title encoder (doorstroom_match/text/static.py), its training and the switch
between query encoders in TitleNormalizer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from doorstroom_match._exceptions import NotFittedError, ValidationError
from doorstroom_match.text.corpus import TitleCorpus
from doorstroom_match.text.encoders import AdaptedEncoder, TfidfEncoder
from doorstroom_match.text.static import StaticTitleEncoder, prepare_title, static_table_path
from doorstroom_match.text.titles import TitleNormalizer, adapter_path
from models.train_title_static import build_vocabulary, fit_static, quantise_rows, ridge_cg, save

REPO = Path(__file__).resolve().parents[1]
TITLES = [
    "magazijnmedewerker",
    "Kassamedewerkster (m/v/x)",
    "Verantwoordelijke logistiek - voltijds",
    "coördinator onderhoud",
    "Senior developer",
    "",
]


@pytest.fixture(scope="module")
def shipped():
    return StaticTitleEncoder().fit()


def test_the_table_is_shipped_in_the_package_and_small():
    path = static_table_path()
    assert path.is_file(), "doorstroom_match/data/models/title-static.npz is committed"
    assert path.stat().st_size < 20 * 2**20


def test_shape_dtype_unit_norm_and_determinism(shipped):
    a = shipped.encode(TITLES)
    assert a.shape == (len(TITLES), 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a, shipped.encode(TITLES))
    other = StaticTitleEncoder(static_table_path()).fit()
    np.testing.assert_array_equal(a, other.encode(TITLES))
    assert other.fingerprint == shipped.fingerprint
    # one title at a time is the same as a batch (no state between texts)
    np.testing.assert_allclose(np.vstack([shipped.encode([t]) for t in TITLES]), a, atol=1e-6)
    assert shipped.encode([]).shape == (0, 384)


def test_loads_offline_without_torch_or_sentence_transformers():
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['sentence_transformers'] = None\n"
        "from doorstroom_match.text.static import StaticTitleEncoder\n"
        "e = StaticTitleEncoder().encode(['magazijnier'])\n"
        "assert e.shape == (1, 384)\n"
        "assert 'torch' not in [m for m, v in sys.modules.items() if v is not None]\n"
    )
    env = {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=REPO)


def test_errors(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted"):
        StaticTitleEncoder().features(["kok"])
    with pytest.raises(FileNotFoundError, match="does not exist.*train_title_static"):
        StaticTitleEncoder(tmp_path / "absent.npz").fit()
    comps, mean = np.eye(2, 3, dtype=np.float32), np.zeros(3, np.float32)
    with pytest.raises(ValidationError, match=r"table must have shape \(3, rank\)"):
        StaticTitleEncoder.from_arrays(["ab"], ["x", "y"], np.zeros((2, 2)), comps, mean)
    with pytest.raises(ValidationError, match=r"components must have shape \(2, dim\)"):
        StaticTitleEncoder.from_arrays(["ab"], [], np.zeros((1, 2)), np.eye(3), mean)
    with pytest.raises(ValidationError, match=r"mean must have shape \(3,\)"):
        StaticTitleEncoder.from_arrays(["ab"], [], np.zeros((1, 2)), comps, np.zeros(2))
    with pytest.raises(ValidationError, match="must be finite"):
        StaticTitleEncoder.from_arrays(["ab"], [], np.full((1, 2), np.nan), comps, mean)
    with pytest.raises(ValidationError, match="got a single str"):
        StaticTitleEncoder.from_arrays(["ab"], [], np.zeros((1, 2)), comps, mean).encode("kok")


def test_features_are_the_mean_of_ngrams_and_words_by_hand():
    enc = StaticTitleEncoder.from_arrays(
        [" ko", "kok", "ok "], ["kok"], np.eye(4, dtype=np.float32), np.eye(4), np.zeros(4)
    )
    x = enc.features(["Kok!", "hulpkok", "zzz"]).toarray()
    # "kok": n-grams " ko", "kok", "ok " (3-grams; the padded word " kok " has no 4/5-gram
    # in the vocabulary) and the word itself; "hulpkok": "kok", "ok " but not the word
    np.testing.assert_allclose(x[0], [0.25, 0.25, 0.25, 0.25])
    np.testing.assert_allclose(x[1], [0.0, 0.5, 0.5, 0.0])
    np.testing.assert_allclose(x[2], 0.0)
    # no known feature: the mean direction (zeros here, so a zero row)
    np.testing.assert_allclose(enc.encode(["zzz"]), 0.0)
    assert prepare_title("Coördinator_Onderhoud (M/V/X)") == "coordinator onderhoud m v x"


def test_ridge_cg_matches_the_dense_solution():
    rng = np.random.default_rng(0)
    x = sparse.random(300, 40, density=0.2, random_state=1, dtype=np.float32).tocsr()
    b = rng.normal(size=(300, 5)).astype(np.float32)
    u, n_iter = ridge_cg(x, b, alpha=0.1, max_iter=500, tol=1e-6)
    xd = x.toarray().astype(np.float64)
    ref = np.linalg.solve(xd.T @ xd + 0.1 * np.eye(40), xd.T @ b)
    np.testing.assert_allclose(u, ref, atol=2e-3)
    assert 1 <= n_iter < 500


def test_fit_static_recovers_a_bag_of_words_target(tmp_path):
    """Targets that are exactly a mean of word vectors are learned back (cosine near 1), and
    a saved table loads to the same encoder."""
    rng = np.random.default_rng(0)
    vocab = ["kok", "hulp", "magazijn", "medewerker", "kassa", "chauffeur", "bouw", "zorg"]
    vec = {w: rng.normal(size=16) for w in vocab}
    texts = list(
        dict.fromkeys(" ".join(rng.choice(vocab, size=rng.integers(1, 4))) for _ in range(400))
    )
    y = np.stack([np.mean([vec[w] for w in t.split()], axis=0) for t in texts])
    y = (y / np.linalg.norm(y, axis=1, keepdims=True)).astype(np.float32)
    enc = fit_static(texts, y, rank=16, alpha=1e-5, max_iter=500)
    assert (enc.encode(texts) * y).sum(axis=1).mean() > 0.97
    ngrams, words = build_vocabulary(texts, min_df=2)
    assert set(words) == set(vocab) and len(enc.ngrams_) == len(ngrams)
    save(enc, tmp_path / "t.npz")  # int8 rows: nearly the same vectors
    loaded = StaticTitleEncoder(tmp_path / "t.npz").fit()
    assert (loaded.encode(texts) * enc.encode(texts)).sum(axis=1).min() > 0.999
    assert loaded.info_["rank"] == 16


def test_quantise_rows_error_is_half_a_step():
    rng = np.random.default_rng(3)
    t = rng.normal(size=(50, 8)).astype(np.float32)
    t[7] = 0.0
    q, scale = quantise_rows(t)
    assert q.dtype == np.int8 and scale.shape == (50,)
    assert (np.abs(q.astype(np.float32) * scale[:, None] - t) <= scale[:, None] / 2 + 1e-7).all()
    assert (q[7] == 0).all() and scale[7] == 0


def test_agrees_with_minilm_on_titles(shipped):
    pytest.importorskip("sentence_transformers", reason="needs the 'embeddings' extra")
    from doorstroom_match.text.encoders import SentenceTransformerEncoder

    titles = [t for t in TITLES if t] + ["Poetshulp (m/v/x)", "bediende boekhouding", "kapper"]
    ref = SentenceTransformerEncoder(None, 32, 32, False).encode(titles)
    cos = (shipped.encode(titles) * ref).sum(axis=1)
    assert cos.mean() > 0.8 and cos.min() > 0.6, cos


# ------------------------------------------------------------------------- the switch
ROWS = [
    ("u:magazijn", "magazijnmedewerker"),
    ("u:magazijn", "magazijnier"),
    ("u:kassa", "kassamedewerker"),
    ("u:kok", "kok"),
    ("u:kok", "hulpkok"),
    ("u:poets", "schoonmaker"),
]


def _corpus():
    return TitleCorpus.from_rows([{"uri": u, "text": t} for u, t in ROWS])


class WordDense:
    """A cheap deterministic dense encoder (word TF-IDF), for the custom paths."""

    name = "word"

    def __init__(self):
        self.inner = TfidfEncoder(analyzer="word", ngram_range=(1, 1))

    @property
    def fingerprint(self):
        return "word:" + self.inner.fingerprint

    def fit(self, texts=None):
        self.inner.fit([t for _, t in ROWS] + ["hulp magazijn"])
        return self

    def encode(self, texts):
        return self.inner.encode(texts)


def test_query_encoder_switch_with_the_default_adapter(shipped):
    pytest.importorskip("sentence_transformers", reason="needs the 'embeddings' extra")
    queries = ["magazijnmedewerkster (m/v/x)", "hulpkok", "poetsvrouw"]
    model = TitleNormalizer(query_encoder="model", reranker=None).fit(_corpus())
    static = TitleNormalizer(query_encoder="static", reranker=None).fit(_corpus())
    assert model.query_kind_ == "model" and model.query_encoder_ is model.dense_encoder_
    assert static.query_kind_ == "static" and isinstance(static.query_encoder_, AdaptedEncoder)
    assert isinstance(static.query_encoder_.encoder_, StaticTitleEncoder)
    # same corpus side; the query side is the static table under the same adapter
    np.testing.assert_array_equal(model._rows_dense, static._rows_dense)
    ref = AdaptedEncoder(adapter_path(), shipped).fit().encode(queries)
    np.testing.assert_allclose(static.query_encoder_.encode(queries), ref, atol=1e-6)
    assert TitleNormalizer().fit(_corpus()).query_kind_ in ("model", "int8", "static")
    s_model, s_static = model.score_occupations(queries), static.score_occupations(queries)
    assert not np.array_equal(s_model, s_static)
    # the character signal dominates these: both put the same occupation first
    assert [p[0].uri for p in model.predict(queries, 1)] == [
        p[0].uri for p in static.predict(queries, 1)
    ]


def test_query_encoder_custom_object_and_errors():
    dense = WordDense()
    same = TitleNormalizer(model=dense, query_encoder="model", reranker=None).fit(_corpus())
    # an encoder object for the queries: here the very same model, so the same scores
    custom = TitleNormalizer(
        model=WordDense(), query_encoder=same.dense_encoder_, reranker=None
    ).fit(_corpus())
    assert custom.query_kind_ == "custom"
    q = ["hulp magazijn", "kok"]
    np.testing.assert_array_equal(same.score_occupations(q), custom.score_occupations(q))
    none = TitleNormalizer(model=None, query_encoder="static").fit(_corpus())
    assert none.query_encoder_ is None and none.query_kind_ == "none"
    with pytest.raises(ValidationError, match="query_encoder='static' approximates.*'custom'"):
        TitleNormalizer(model=WordDense(), query_encoder="static").fit(_corpus())
    with pytest.raises(ValidationError, match="query_encoder must be 'auto', 'int8', 'static'"):
        TitleNormalizer(model=WordDense(), query_encoder="minilm").fit(_corpus())
