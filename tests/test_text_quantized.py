"""MiniLM in int8 for the title queries (doorstroom_match/text/quantized.py) and its place in
TitleNormalizer's query_encoder="auto"."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from doorstroom_match._exceptions import BackendUnavailableError, ValidationError
from doorstroom_match.text import quantized
from doorstroom_match.text import rerank as rerank_mod
from doorstroom_match.text import titles as titles_mod
from doorstroom_match.text.encoders import AdaptedEncoder, SentenceTransformerEncoder
from doorstroom_match.text.quantized import Int8TitleEncoder, int8_available, int8_model_path
from doorstroom_match.text.titles import TitleNormalizer, default_query_encoder

from .test_text_static import TITLES as STATIC_TITLES
from .test_text_static import _corpus  # the same six rows

pytest.importorskip("sentence_transformers", reason="needs the 'embeddings' extra")

TITLES = [
    *[t for t in STATIC_TITLES if t],  # the static encoder's titles, then harder ones
    "Medewerker productie (ploegenstelsel) in de voedingsindustrie te Roeselare, "
    "vast contract na interimperiode, met opleiding en doorgroeimogelijkheden",  # > 32 tokens
    "HEFTRUCKCHAUFFEUR",
    "poetsvrouw/poetsman",
    "",
]


@pytest.fixture(scope="module")
def int8() -> Int8TitleEncoder:
    return Int8TitleEncoder().fit()


@pytest.fixture(scope="module")
def float32() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(None, 64, 32, False).fit()


def test_the_graph_is_shipped_and_runs_here():
    path = int8_model_path()
    assert path.is_file(), "doorstroom_match/data/models/title-minilm-int8.onnx is committed"
    assert path.stat().st_size < 40 * 2**20  # int8 weights: a quarter of the float model
    assert int8_available()


def test_the_tokens_are_the_float_models(int8, float32):
    ref = float32.model_.tokenizer(TITLES, truncation=True, max_length=32)["input_ids"]
    assert int8.token_ids(TITLES) == ref
    assert max(len(x) for x in ref) == 32  # the long title is cut as the float model cuts it


def test_the_vectors_are_minilms(int8, float32):
    a, b = int8.encode(TITLES), float32.encode(TITLES)
    assert a.shape == (len(TITLES), 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.98, cos
    assert int8.encode([]).shape == (0, 384)


def test_a_titles_vector_does_not_depend_on_the_titles_beside_it(int8):
    # the graph quantises activations per call: titles are encoded one per call, so a title
    # gets the same vector alone, in a batch and in any order (the caches rely on it)
    a = int8.encode(TITLES)
    np.testing.assert_array_equal(a, np.vstack([int8.encode([t]) for t in TITLES]))
    np.testing.assert_array_equal(a, int8.encode(TITLES[::-1])[::-1])


#: The first eight numbers of these titles' vectors from the graph the int8 re-ranker was
#: trained on (weights in 7 bits, ``export_title_int8``; taken 2026-12-03 on an AVX2 CPU
#: without VNNI). Its integer products are exact on every x86 kernel, so a CPU with VNNI
#: must give the same numbers up to float rounding; the previous graph's 8-bit weights
#: saturated on AVX2, and its numbers there were up to 0.015 from those on a VNNI CPU.
_TRAINED_ON = {
    "magazijnier": [-0.02067, 0.08079, -0.05892, 0.02426, 0.01546, -0.00277, 0.06689, 0.08703],
    "Poetshulp (m/v/x)": [-0.01671, -0.0107, 0.03367, -0.01116, 0.00919, 0.07796, 0.07515, -0.05718],
    "HEFTRUCKCHAUFFEUR": [0.04769, 0.0526, -0.05591, 0.04384, -0.05127, 0.03319, 0.09211, 0.06863],
    "medewerker kringwinkel": [0.00121, 0.13246, -0.02108, -0.06651, -0.06772, 0.03275, 0.06193, 0.05267],
}  # fmt: skip


def test_the_vectors_are_those_the_re_ranker_was_trained_on(int8):
    got = int8.encode(list(_TRAINED_ON))[:, :8]
    # 2e-4: another CPU's float kernels (layer norms, softmax) may round otherwise
    np.testing.assert_allclose(got, np.array(list(_TRAINED_ON.values())), atol=2e-4)


def _varint(b: bytes, i: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return x, i


def _fields(b: bytes):
    """(field number, value) of one protobuf message, enough of the wire format for ONNX."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        wire = key & 7
        if wire == 0:
            v, i = _varint(b, i)
        elif wire == 2:
            n, i = _varint(b, i)
            v, i = b[i : i + n], i + n
        else:  # fixed 64 / 32 bits
            n = 8 if wire == 1 else 4
            v, i = b[i : i + n], i + n
        yield key >> 3, v


def _int8_initializers(path) -> dict[str, np.ndarray]:
    """The graph's int8 tensors stored as raw bytes (ModelProto.graph = 7,
    GraphProto.initializer = 5, TensorProto: data_type 2 (3 = INT8), name 8, raw_data 9)."""
    graph = next(v for f, v in _fields(Path(path).read_bytes()) if f == 7)
    out = {}
    for f, t in _fields(graph):
        if f == 5:
            d = {ff: vv for ff, vv in _fields(t) if ff in (2, 8, 9)}
            if d.get(2) == 3 and 9 in d:
                out[bytes(d[8]).decode()] = np.frombuffer(d[9], np.int8)
    return out


def test_the_shipped_graph_keeps_its_weights_within_7_bits():
    # onnxruntime's kernel for CPUs without VNNI adds pairs of uint8 x int8 products in 16
    # bits: with weights in [-64, 64] (quantize_dynamic's reduce_range) no pair saturates, so
    # every x86 CPU computes the same integer products (models/export_title_int8.py)
    weights = _int8_initializers(int8_model_path())
    assert len(weights) == 36  # the six layers' linear weights
    assert sum(w.size for w in weights.values()) == 10_616_832
    assert min(int(w.min()) for w in weights.values()) >= -64
    assert max(int(w.max()) for w in weights.values()) <= 64


def test_the_graph_takes_the_ids_alone_and_an_older_one_a_mask_of_ones(int8):
    assert [i.name for i in int8.session_.get_inputs()] == ["ids"] and not int8._with_mask
    want = int8.encode(TITLES[:3])

    class WithMask:  # a graph that also declares a mask, as the previous export did
        def __init__(self, session):
            self.session, self.masks = session, []

        def get_inputs(self):
            return [*self.session.get_inputs(), type("Input", (), {"name": "mask"})()]

        def run(self, names, feed):
            self.masks.append(feed.pop("mask"))
            return self.session.run(names, feed)

    enc = Int8TitleEncoder().fit()
    enc.session_ = WithMask(enc.session_)
    enc._with_mask = "mask" in {i.name for i in enc.session_.get_inputs()}
    np.testing.assert_array_equal(enc.encode(TITLES[:3]), want)
    assert [m.tolist() for m in enc.session_.masks] == [
        [[1] * len(r)] for r in enc.token_ids(TITLES[:3])
    ]


def test_fingerprint_pickling_and_errors(int8, float32, tmp_path):
    assert int8.fingerprint.startswith("onnx-int8:") and int8.fingerprint != float32.fingerprint
    assert Int8TitleEncoder(int8_model_path()).fingerprint == int8.fingerprint
    again = pickle.loads(pickle.dumps(int8))
    np.testing.assert_array_equal(again.encode(TITLES[:3]), int8.encode(TITLES[:3]))
    with pytest.raises(BackendUnavailableError, match="export_title_int8"):
        Int8TitleEncoder(tmp_path / "absent.onnx").fit()
    with pytest.raises(ValidationError, match="threads"):
        Int8TitleEncoder(threads=0).fit()


def test_runs_without_torch_or_sentence_transformers():
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['sentence_transformers'] = None\n"
        "from doorstroom_match.text.quantized import Int8TitleEncoder\n"
        "e = Int8TitleEncoder().encode(['magazijnier'])\n"
        "assert e.shape == (1, 384)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_auto_takes_int8_queries_under_the_default_adapter_with_their_own_re_ranker():
    tn = TitleNormalizer().fit(_corpus())
    assert titles_mod.AUTO_QUERY_KIND == "int8" and tn.query_kind_ == "int8"
    assert isinstance(tn.query_encoder_, AdaptedEncoder)
    assert isinstance(tn.query_encoder_.encoder_, Int8TitleEncoder)
    assert tn.query_encoder_.adapter == tn.dense_encoder_.adapter  # the same adapter
    # the re-ranker trained on int8 queries (models.train_title_reranker --query-encoder int8)
    own = rerank_mod.reranker_path("int8")
    assert own.name == "title-reranker-int8.json" and own.is_file(), "committed"
    assert own != rerank_mod.reranker_path("model")
    assert tn.reranker_ is not None and tn.reranker_.info_["query_encoder"] == "int8"
    cv = tn.reranker_.info_["nested_cv_mean"]
    # the rule it was chosen by: the unseen-label floor (0.45 / 0.55)
    assert cv["reranked/heldout"]["acc@1"] >= 0.45 and cv["reranked/heldout"]["mrr@10"] >= 0.55
    model = TitleNormalizer(query_encoder="model").fit(_corpus())
    np.testing.assert_array_equal(model._rows_dense, tn._rows_dense)  # same corpus side
    queries = ["magazijnmedewerkster (m/v/x)", "hulpkok", "poetsvrouw", "kassabediende"]
    assert [p[0].uri for p in tn.predict(queries, 1)] == [
        p[0].uri for p in model.predict(queries, 1)
    ]
    base = TitleNormalizer(model="base", query_encoder="int8", reranker=None).fit(_corpus())
    assert base.query_kind_ == "int8" and isinstance(base.query_encoder_, Int8TitleEncoder)


def test_auto_falls_back_to_the_float_pass_without_onnxruntime(monkeypatch):
    monkeypatch.setattr(quantized, "int8_available", lambda: False)
    tn = TitleNormalizer().fit(_corpus())
    assert tn.query_kind_ == "model" and tn.query_encoder_ is tn.dense_encoder_
    assert tn.reranker_ is not None and tn.reranker_.info_.get("query_encoder", "model") == "model"
    assert default_query_encoder("custom", object()) == "model"


def test_int8_needs_the_base_model():
    class Words:
        name = "words"
        fingerprint = "words"

        def fit(self, texts=None):
            return self

        def encode(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32) / 2

    with pytest.raises(ValidationError, match="query_encoder='int8' is the base.*'custom'"):
        TitleNormalizer(model=Words(), query_encoder="int8").fit(_corpus())
