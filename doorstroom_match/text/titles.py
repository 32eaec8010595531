"""Job-title normalisation: free text -> top-k occupations of a catalogue.

:class:`TitleNormalizer` is fitted on a :class:`~doorstroom_match.text.corpus.TitleCorpus`
(rows ``id, uri, text, description``; several rows may share a uri) and scores a query against
every row as a weighted sum of similarities:

``char``
    cosine of character n-gram TF-IDF (2..5-grams within words) of the normalised query and row
    text (:func:`~doorstroom_match.text.normalise.normalise_title`: female/male forms, accents,
    compounds);
``dense``
    cosine of sentence embeddings of query and row text; by default all-MiniLM-L6-v2 followed by
    the *title adapter* (``models/title-adapter.npz``, a 384 x 384 linear map learned on Dutch
    ESCO labels and descriptions by ``python -m models.train_title_adapter``, committed),
    falling back with a warning to a fine-tuned model folder or the plain base model when it
    is absent; by default the queries (not the corpus) go through MiniLM quantised to int8
    (:mod:`~doorstroom_match.text.quantized`, onnxruntime: the same vectors to a cosine of
    0.99 at under half the CPU time per query, re-ranked by a re-ranker trained on them,
    ``models/title-reranker-int8.json``; the float pass where onnxruntime is missing); with
    ``query_encoder="static"`` the queries (not the corpus) are embedded by
    a static n-gram table distilled from the same MiniLM (:mod:`~doorstroom_match.text.static`),
    about a hundred times cheaper per title, and re-ranked by a re-ranker trained on those
    queries' features (``models/title-reranker-static.json``);
``desc``
    cosine of character TF-IDF of the query and the first sentence of the occupation's
    description (it usually names the occupation in the plural and in other words);
``desc_dense``
    cosine of the query's dense embedding and the whole description's (cut to 128 tokens):
    the description's vocabulary ("koffie" for a barista, "brillen" for an optician) reaches
    titles that share no letters with the label;
``char_sub``
    the best ``char`` cosine of a *variant* of the query, one word replaced by a substitute
    learned from the labels of one occupation (:mod:`~doorstroom_match.text.synonyms`,
    ``models/title-substitutions.json``: ``secundair`` / ``voortgezet``, ``verantwoordelijke``
    / ``manager``); it enters the fused score as ``max(char, w_char_sub * char_sub)`` (weight
    1: a variant counts as much as the words typed; 0.8 and 0.9 scored lower).

An occupation's score is the best score of its rows (the ``desc`` terms are per occupation),
minus ``row_penalty * log(n_rows)``: the maximum over many surface forms is higher by chance
alone. How much to subtract depends on where the right answer is: when it is an occupation
known by its preferred label only (the held-out evaluation), 0.5 is best; when it is an
occupation whose other labels the corpus holds (a new way of writing a known job, common in
the product), 0 is best and 0.5 halves the accuracy. The default 0.2 serves both; a title
equal (after normalisation) to a row always goes to that row's occupation first. Weights
were chosen by cross-validation by occupation on the dev queries
(``python -m benchmarks.titles_cv``); see ``models/README.md``.

Examples
--------
>>> from doorstroom_match.text.corpus import TitleCorpus
>>> corpus = TitleCorpus.from_rows([
...     {"uri": "u1", "text": "magazijnmedewerker"},
...     {"uri": "u1", "text": "magazijnier"},
...     {"uri": "u2", "text": "kassamedewerker"},
... ])
>>> tn = TitleNormalizer(model=None).fit(corpus)
>>> tn.predict(["magazijnmedewerkster"], k=1)[0][0].uri
'u1'
"""

from __future__ import annotations

import functools
import os
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from doorstroom_match._cpus import usable_cpus
from doorstroom_match._exceptions import EmptyInputError, NotFittedError, ValidationError
from doorstroom_match._validation import check_int, check_number
from doorstroom_match.text._ngrams import sparse_dot_dense
from doorstroom_match.text._paths import model_file
from doorstroom_match.text.corpus import (
    TitleCorpus,
    esco_isco_group,
    esco_preferred_label,
    group_code_of_uri,
    is_group_uri,
    isco_group_labels,
    read_corpus_csv,
)
from doorstroom_match.text.encoders import (
    AdaptedEncoder,
    SentenceTransformerEncoder,
    TfidfEncoder,
    _as_texts,
)
from doorstroom_match.text.lexicon import TitleLexicon, lexicon_path
from doorstroom_match.text.normalise import normalise_title, normalise_titles
from doorstroom_match.text.rerank import (
    TitleReranker,
    candidate_features,
    group_codes,
    reranker_path,
)
from doorstroom_match.text.synonyms import TitleSubstitutions, substitutions_path

__all__ = [
    "TitleNormalizer",
    "TitleMatch",
    "DEFAULT_WEIGHTS",
    "BASE_MODEL_WEIGHTS",
    "trained_model_path",
    "adapter_path",
    "ADAPTED_WEIGHTS",
]

#: Signal weights with the title adapter (the default; chosen by cross-validation by occupation).
ADAPTED_WEIGHTS: Mapping[str, float] = {
    "char": 1.0,
    "dense": 0.5,
    "desc": 0.5,
    "desc_dense": 0.5,
    "char_sub": 1.0,
}
#: Signal weights with a fine-tuned model folder (tuned on the dev split's tune part).
DEFAULT_WEIGHTS: Mapping[str, float] = {"char": 1.0, "dense": 1.0, "desc": 0.5, "desc_dense": 0.0}
#: Signal weights with the base all-MiniLM-L6-v2 (weaker on Dutch, so it counts less).
BASE_MODEL_WEIGHTS: Mapping[str, float] = {
    "char": 1.0,
    "dense": 0.25,
    "desc": 0.5,
    "desc_dense": 0.0,
}
#: Signal weights without a dense model (``model=None``; the ranking's "fast" occupation
#: model). ``char_sub`` was missing (so 0) until 2026-12-02, which left the word substitutions
#: unused; with it, 5-fold CV by occupation: ``models/README.md``, "The ranking's fast normaliser".
TFIDF_WEIGHTS: Mapping[str, float] = {
    "char": 1.0,
    "dense": 0.0,
    "desc": 0.5,
    "desc_dense": 0.0,
    "char_sub": 1.0,
}
_SIGNALS = ("char", "dense", "desc", "desc_dense", "char_sub")
_MODEL_DIRNAME = "titles-minilm-nl"
_ADAPTER_FILENAME = "title-adapter.npz"
_DESCRIPTION_TOKENS = 128  # the adapter was trained on descriptions cut to this length
_EXACT = 0.9999  # char TF-IDF cosine of a row equal to the normalised query
_EXACT_BONUS = np.float32(10.0)  # more than every other signal together
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s")


def trained_model_path() -> Path:
    """Where the fine-tuned title model is looked for.

    ``$DOORSTROOM_TITLES_MODEL`` when set, else ``models/titles-minilm-nl`` in the repository.
    """
    return model_file("DOORSTROOM_TITLES_MODEL", _MODEL_DIRNAME)


#: The query path ``query_encoder="auto"`` takes for the base MiniLM (under the default
#: adapter or alone) where it can run: ``"int8"``, MiniLM's forward pass quantised
#: (:mod:`doorstroom_match.text.quantized`) with the re-ranker trained on its own queries
#: (``title-reranker-int8.json``): in the nested 5-fold CV as accurate as the float pass
#: with its re-ranker (unseen labels 0.454 / 0.553 against 0.453 / 0.552, postings 0.500 /
#: 0.585 against 0.500 / 0.584) at about 1.9 times the queries per second
#: (``benchmarks/README.md``, *Queries in int8*); ``"model"`` (the float pass) where
#: onnxruntime or the graph is missing.
AUTO_QUERY_KIND = "int8"


def _int8_encoder() -> Any:
    from doorstroom_match.text.quantized import Int8TitleEncoder

    return Int8TitleEncoder()


def _static_encoder() -> Any:
    from doorstroom_match.text.static import StaticTitleEncoder

    return StaticTitleEncoder()


#: Query encoders that stand in for the base MiniLM's forward pass: kind -> (a new encoder,
#: how it relates to the base model, for the message when the dense model is another one).
_BASE_QUERY_ENCODERS = {
    "int8": (_int8_encoder, "is"),
    "static": (_static_encoder, "approximates"),
}


def default_query_encoder(kind: str, dense: Any) -> str:
    """What ``query_encoder="auto"`` picks for a dense model of ``kind`` (see
    :class:`TitleNormalizer`): :data:`AUTO_QUERY_KIND` for the base MiniLM under the default
    adapter (``kind="adapted"``) or alone (``"base"``) when it can run here (``"int8"``:
    onnxruntime and the shipped graph; ``"static"``: the shipped table), else ``"model"``;
    ``"model"`` for every other dense model."""
    base = kind == "base" or (kind == "adapted" and isinstance(dense, AdaptedEncoder))
    if not base:
        return "model"
    if AUTO_QUERY_KIND == "int8":
        from doorstroom_match.text.quantized import int8_available

        return "int8" if int8_available() else "model"
    if AUTO_QUERY_KIND == "static":
        from doorstroom_match.text.static import static_table_path

        return "static" if static_table_path().is_file() else "model"
    return "model"


def adapter_path() -> Path:
    """Where the title adapter is looked for.

    ``$DOORSTROOM_TITLES_ADAPTER`` when set, else ``models/title-adapter.npz`` in the
    repository (committed; rebuilt by ``python -m models.train_title_adapter``).
    """
    return model_file("DOORSTROOM_TITLES_ADAPTER", _ADAPTER_FILENAME)


@dataclass(frozen=True)
class TitleMatch:
    """One occupation proposed for a text."""

    uri: str
    score: float
    label: str
    isco_group: str


def _without_setting(text: str, setting: frozenset[str]) -> str | None:
    """The words of a normalised title before its first setting word (not its first word,
    and not its last), or None: "kok in een restaurant" -> "kok"."""
    words = text.split()
    for i in range(1, len(words) - 1):
        if words[i] in setting:
            return " ".join(words[:i])
    return None


def _first_sentence(text: str) -> str:
    return _SENTENCE_RE.split(text.strip(), maxsplit=1)[0] if text else ""


def _softmax_rows(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, float32 (shape kept)."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def _top_sorted(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row the k best columns, best first, ties by lower column: (indices, values)."""
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(scores.shape[1]), (len(scores), 1))
    vals = np.take_along_axis(scores, part, axis=1)
    o = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, o, axis=1), np.take_along_axis(vals, o, axis=1)


def _variant_rows_kernel(
    v_indptr,
    v_indices,
    v_data,
    bounds,
    owner,
    candidates,
    starts,
    ends,
    r_indptr,
    r_indices,
    r_data,
    buf,
    out,
):
    """``out[i, r] = max(out[i, r], max_v rows[r] @ variant[v])`` over query i's variants.

    Query ``i = owner[bounds[g]]`` owns variants ``bounds[g]:bounds[g + 1]`` (CSR ``v_*``) and
    is scored on the rows of its candidate occupations (``candidates[i]``, rows
    ``starts[o]:ends[o]`` of the row-major CSR ``r_*``). Up to four variants at a time are
    scattered into the dense ``buf`` of shape (vocabulary, 4) (zeros on entry and on exit),
    so each row's entries are read once per four variants. A dot product runs over the row's
    entries in their stored order in float32, as scipy's sparse product sums them, so the
    numbers equal the reference path of :meth:`TitleNormalizer._variant_char_candidates`.
    """
    zero = np.float32(0.0)  # float32 sums, as scipy's (callers check the dtype)
    for g in range(len(bounds) - 1):
        a = bounds[g]
        b = bounds[g + 1]
        i = owner[a]
        for p in range(a, b, 4):
            n = min(4, b - p)
            for v in range(p, p + n):
                for jj in range(v_indptr[v], v_indptr[v + 1]):
                    buf[v_indices[jj], v - p] = v_data[jj]
            for c in range(candidates.shape[1]):
                occ = candidates[i, c]
                for r in range(starts[occ], ends[occ]):
                    s0 = zero
                    s1 = zero
                    s2 = zero
                    s3 = zero
                    for kk in range(r_indptr[r], r_indptr[r + 1]):
                        d = r_data[kk]
                        col = r_indices[kk]
                        s0 += d * buf[col, 0]
                        s1 += d * buf[col, 1]
                        s2 += d * buf[col, 2]
                        s3 += d * buf[col, 3]
                    best = out[i, r]
                    if s0 > best:
                        best = s0
                    if n > 1 and s1 > best:
                        best = s1
                    if n > 2 and s2 > best:
                        best = s2
                    if n > 3 and s3 > best:
                        best = s3
                    out[i, r] = best
            for v in range(p, p + n):
                for jj in range(v_indptr[v], v_indptr[v + 1]):
                    buf[v_indices[jj], v - p] = zero


def _occupation_maxima_kernel(
    char,
    dense,
    sub,
    dense_in_fuse,
    sub_in_best,
    w_char,
    w_dense,
    w_sub,
    starts,
    pref_row,
    exact_at,
    fused,
    char_max,
    dense_max,
    sub_max,
    exact,
    exact_pref,
):
    """The per-occupation maxima of :meth:`TitleNormalizer._iter_scores` in one pass.

    Rows ``starts[o]:starts[o + 1]`` (the last to the end) belong to occupation ``o``. Per
    query ``i`` and occupation ``o``: ``fused`` the best row of ``best * w_char + w_dense *
    dense`` where ``best = max(char, w_sub * sub)`` (``sub`` only with ``sub_in_best``,
    ``dense`` only with ``dense_in_fuse``), ``char_max``/``dense_max``/``sub_max`` the best
    row of each signal (``dense``/``sub`` of shape (0, 0): not given, their maxima left
    alone), ``exact`` whether a row has ``char >= exact_at`` and ``exact_pref`` whether that
    row is a preferred label. The same float32 operations in the same order as the numpy
    path (``_fuse`` and ``np.maximum.reduceat``), so the same numbers (tested).
    """
    n, n_occ = fused.shape
    n_rows = char.shape[1]
    has_dense = dense.shape[0] > 0
    has_sub = sub.shape[0] > 0
    for i in range(n):
        for o in range(n_occ):
            a = starts[o]
            b = starts[o + 1] if o + 1 < n_occ else n_rows
            fm = np.float32(-np.inf)
            cm = np.float32(-np.inf)
            dm = np.float32(-np.inf)
            sm = np.float32(-np.inf)
            ex = False
            ep = False
            for r in range(a, b):
                c = char[i, r]
                best = c
                if has_sub:
                    s = sub[i, r]
                    if s > sm:
                        sm = s
                    if sub_in_best:
                        v = w_sub * s
                        if v > best:
                            best = v
                row = best * w_char
                if has_dense:
                    d = dense[i, r]
                    if d > dm:
                        dm = d
                    if dense_in_fuse:
                        row = row + w_dense * d
                if row > fm:
                    fm = row
                if c > cm:
                    cm = c
                if c >= exact_at:
                    ex = True
                    if pref_row[r]:
                        ep = True
            fused[i, o] = fm
            char_max[i, o] = cm
            if has_dense:
                dense_max[i, o] = dm
            if has_sub:
                sub_max[i, o] = sm
            exact[i, o] = ex
            exact_pref[i, o] = ep


class TitleNormalizer:
    """Map free-text job titles to occupations of a catalogue.

    Parameters
    ----------
    model : {"auto", "base"}, str, Path, encoder or None, default "auto"
        The dense signal. ``"auto"``: the base all-MiniLM-L6-v2 with the title adapter at
        :func:`adapter_path` (committed); without it the fine-tuned model folder at
        :func:`trained_model_path` if built, else the base model with a ``UserWarning``.
        ``"base"``: the base model. A folder path: that sentence-transformers model (inputs are
        normalised when the folder holds ``doorstroom_training.json``). An encoder object (with
        ``fit``/``encode``; an :class:`~doorstroom_match.text.encoders.AdaptedEncoder` also
        embeds descriptions with its long-text encoder). None: no dense signal (character
        TF-IDF only, fastest).
    weights : mapping of str to float or None
        Weights of the ``"char"``, ``"dense"``, ``"desc"``, ``"desc_dense"`` and ``"char_sub"``
        signals; None picks :data:`ADAPTED_WEIGHTS`, :data:`DEFAULT_WEIGHTS`,
        :data:`BASE_MODEL_WEIGHTS` or the TF-IDF-only weights to suit the model actually
        loaded. Missing keys count 0.
    ngram_range : tuple of int, default (2, 5)
    chunk_size : int, default 512
        Queries scored at once; memory is ``chunk_size * n_rows * 4`` bytes per signal.
    batch_size : int, default 128
        Encoder batch size.
    cache : EmbeddingCache or None
        Dense embeddings of corpus rows and queries are read from and written to it.
    row_penalty : float, default 0.2
        Subtracted from an occupation's score per unit of ``log(n_rows)`` (0 disables). Higher
        values favour occupations known by few labels: 0.5 scores best when the right
        occupation never has other labels (the held-out evaluation), 0 when it always has
        (a new way of writing a known job); 0.2 serves both (``models/README.md``).
    reranker : "auto", str, Path, TitleReranker or None, default "auto"
        Re-scores the best candidates of :meth:`predict` / :meth:`predict_topk` (not
        :meth:`score_occupations`). ``"auto"``: when the dense model is the default adapter
        (the re-ranker was trained on its signals), the committed file trained on the
        features of this normaliser's query path (:func:`~doorstroom_match.text.rerank.
        reranker_path` of ``query_kind_``: ``models/title-reranker.json`` for MiniLM's
        queries, ``models/title-reranker-static.json`` for the static table's), else none.
        A path or a fitted
        :class:`~doorstroom_match.text.rerank.TitleReranker`: that one. None: no re-ranking.
    substitutions : "auto", str, Path, TitleSubstitutions or None, default "auto"
        Word substitutions for the ``char_sub`` signal. ``"auto"``: the committed
        ``models/title-substitutions.json`` (:func:`~doorstroom_match.text.synonyms.
        substitutions_path`) when it exists. None: no variants (``char_sub`` is 0).
    lexicon : "auto", str, Path, TitleLexicon or None, default "auto"
        Query words the catalogue lacks, rewritten into the catalogue's words before the
        character, description and variant signals (:class:`~doorstroom_match.text.lexicon.
        TitleLexicon`: ``kuisvrouw`` -> ``schoonmaker``, ``magazijnier`` ->
        ``magazijnmedewerker``; a word the corpus holds is rewritten only inside a listed phrase
        that no corpus row holds, "truck driver"). ``"auto"``: the list shipped in the package
        (:func:`~doorstroom_match.text.lexicon.lexicon_path`). None: queries are scored as
        written.
    drop_filler : bool, default True
        Drop the lexicon's posting filler from queries (its ``-`` entries: ``ervaren``,
        ``voltijds``, ``gezocht``, ``vast contract``), so that "Ervaren lasser - voltijds"
        is scored as "lasser"; a query made of filler alone is kept as written. The shipped
        re-rankers were trained on queries scored this way (nested 5-fold CV against keeping
        the filler: unseen postings 0.501 -> 0.505 acc@1, ``models/README.md``,
        *be_title_words.csv*). False scores queries as written.
    group_penalty : float, default 0.3
        Subtracted from the fused score of an ISCO-08 *group* (a corpus uri of ESCO's
        ``…/esco/isco/C…`` form, or another uri whose label is an ISCO group label): a posting
        names an occupation, so a group wins only when no occupation comes close. A title
        equal to a group's label gets no exact-label precedence (see *Ties* below).
    variant_candidates : int or None, default 200
        Query variants (``char_sub``) are scored only against the rows of the occupations
        that rank in the best ``variant_candidates`` without them (None: against every row).
        A variant only raises a score, so the best ``variant_candidates`` occupations and
        their order are the same as scoring against every row, except where an occupation
        ranked lower would have been lifted above them; most of the prediction time was
        spent on the variants (``models/README.md``).
    setting_words : tuple of str, default ()
        A title that goes on with one of these words after its first word ("kok in een
        restaurant", "vakkenvuller in de supermarkt", "medewerker bij ...") gets one more
        query variant: the words before it, the job without its setting (scored as the
        substitution variants are, the ``char_sub`` signal; so only with ``substitutions``),
        so the setting's words no longer outweigh the job's own ("restaurantmanager",
        "supermarktmanager"). The ranking's fast normaliser uses ``("in", "bij")``
        (:data:`doorstroom_match.occupations.FAST_SETTING_WORDS`); off here, because the
        re-ranker of the default normaliser was trained without it (5-fold CV with it:
        -0.001 to -0.003 acc@1, ``models/README.md``).
    query_encoder : {"auto", "int8", "static", "model"} or encoder, default "auto"
        How queries are embedded for the dense signals (corpus rows and descriptions are always
        embedded by the dense model, once, at fit). ``"model"``: by the dense model itself
        (MiniLM's forward pass in torch, about 6.5 CPU ms per posting title). ``"int8"``: by
        the same forward pass quantised to int8 (:class:`~doorstroom_match.text.quantized.
        Int8TitleEncoder`, onnxruntime, ``models/title-minilm-int8.onnx``, about 2.8 CPU ms),
        followed by the same adapter; only for the default adapter and the base model.
        ``"static"``: by the static table (:class:`~doorstroom_match.text.static.
        StaticTitleEncoder`, MiniLM distilled onto character n-grams and words,
        ``models/title-static.npz``), followed by the same adapter, in the same space; only for
        the default adapter and the base model. ``"auto"``: :data:`AUTO_QUERY_KIND`
        (``"int8"``, with its own re-ranker; :func:`default_query_encoder`) where onnxruntime
        and the graph are installed, else ``"model"``: as accurate as the float queries in
        the nested CV at about 1.9 times the speed (``benchmarks/README.md``, *Queries in
        int8*); the static path is faster still but 0.01-0.02 acc@1 lower where the catalogue
        knows sibling labels (*Static queries with their own re-ranker*). An
        encoder object (ready to encode; not fitted here): that one, for queries only.
    rerank_top : int or None, default None
        The re-ranker's features are computed for its ``n_candidates`` (50) best fused
        candidates, as in its training, but only the best ``rerank_top`` of them are
        re-scored; the others follow them in the fused order, with a share of 0 (None: all
        are re-scored). The trees' cost is proportional to the candidates re-scored.
    n_jobs : int or None, default None
        Threads of :meth:`predict` / :meth:`predict_topk`, each scoring its own chunks of
        queries (the numba kernels, BLAS and LightGBM release the GIL; results do not
        depend on it). None: 2 on a machine with 2 CPUs or more, and 1 when ``cache`` is
        set (its SQLite connection belongs to one thread), as is any value then.

    Notes
    -----
    **Ties of exact labels.** When the normalised title equals a label that several rows share,
    the occupations holding it are ordered: first those whose *preferred* label it is (the name
    ESCO gives the occupation; for an ESCO uri the catalogue's preferred label, else the
    corpus's first row of the uri), then those holding it as another label; within one tier by
    the re-ranker's score (or the fused score without one). Groups never take precedence this
    way: they compete by their (penalised) score.

    Attributes
    ----------
    uris_ : ndarray of shape (n_occupations,), object
        Distinct occupation uris, in order of first appearance in the corpus.
    labels_, isco_groups_ : ndarray of shape (n_occupations,), object
    dense_encoder_ : encoder or None
    weights_ : dict of str to float
    model_kind_ : {"adapted", "trained", "base", "custom", "none"}
    reranker_ : TitleReranker or None
    query_encoder_ : encoder or None
        What embeds the queries (the dense encoder, or the int8 or static stand-in for it).
    query_kind_ : {"model", "int8", "static", "custom", "none"}
    is_group_ : ndarray of shape (n_occupations,), bool
        Which uris are ISCO-08 groups rather than occupations.
    """

    def __init__(
        self,
        model: Any = "auto",
        weights: Mapping[str, float] | None = None,
        ngram_range: tuple[int, int] = (2, 5),
        chunk_size: int = 512,
        batch_size: int = 128,
        cache: Any = None,
        row_penalty: float = 0.2,
        reranker: Any = "auto",
        substitutions: Any = "auto",
        lexicon: Any = "auto",
        group_penalty: float = 0.3,
        variant_candidates: int | None = 200,
        query_encoder: Any = "auto",
        rerank_top: int | None = None,
        n_jobs: int | None = None,
        setting_words: Sequence[str] = (),
        drop_filler: bool = True,
    ) -> None:
        self.model = model
        self.weights = weights
        self.ngram_range = ngram_range
        self.chunk_size = chunk_size
        self.batch_size = batch_size
        self.cache = cache
        self.row_penalty = row_penalty
        self.reranker = reranker
        self.substitutions = substitutions
        self.lexicon = lexicon
        self.group_penalty = group_penalty
        self.variant_candidates = variant_candidates
        self.query_encoder = query_encoder
        self.rerank_top = rerank_top
        self.n_jobs = n_jobs
        self.setting_words = setting_words
        self.drop_filler = drop_filler

    # ------------------------------------------------------------------------------ fit
    def _make_dense(self) -> tuple[Any, str]:
        m = self.model
        if m is None or (isinstance(m, str) and m.lower() == "none"):
            return None, "none"
        if isinstance(m, str) and m == "auto":
            adapter = adapter_path()
            if adapter.is_file():
                base = SentenceTransformerEncoder(None, self.batch_size, 32, False)
                long = SentenceTransformerEncoder(None, self.batch_size, _DESCRIPTION_TOKENS, False)
                return AdaptedEncoder(adapter, base, long), "adapted"
            path = trained_model_path()
            if (path / "config.json").is_file():
                return SentenceTransformerEncoder(path, self.batch_size, 32, True), "trained"
            warnings.warn(
                f"the title adapter is absent ({adapter.name!r} not found); using the base "
                "all-MiniLM-L6-v2, which scores lower on Dutch titles. Rebuild it with "
                "`python -m models.train_title_adapter`.",
                UserWarning,
                stacklevel=3,
            )
            return SentenceTransformerEncoder(None, self.batch_size, 32, False), "base"
        if isinstance(m, str) and m == "base":
            return SentenceTransformerEncoder(None, self.batch_size, 32, False), "base"
        if isinstance(m, str | os.PathLike):
            path = Path(m)
            trained = (path / "doorstroom_training.json").is_file()
            return SentenceTransformerEncoder(m, self.batch_size, 32, trained), (
                "trained" if trained else "custom"
            )
        if hasattr(m, "encode") and hasattr(m, "fit"):
            return m, "custom"
        raise ValidationError(
            "model must be 'auto', 'base', None, a model folder or an encoder object, "
            f"got {type(m).__name__}"
        )

    def _encode_dense(self, texts: list[str], encoder: Any = None) -> np.ndarray:
        encoder = self.dense_encoder_ if encoder is None else encoder
        uniq, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        uniq_list = [str(t) for t in uniq]
        if self.cache is not None:
            from doorstroom_match.text.cache import encode_cached

            emb, _ = encode_cached(encoder, uniq_list, self.cache)
        else:
            emb = encoder.encode(uniq_list)
        return np.ascontiguousarray(emb[inverse.ravel()], dtype=np.float32)

    def fit(self, corpus: TitleCorpus | str | os.PathLike | Sequence[Mapping[str, str]]):
        """Index the corpus, and predict one of its labels (so the first real prediction
        does not load the kernels, the query encoder's session or the re-ranker's trees).

        Parameters
        ----------
        corpus : TitleCorpus, path to a corpus CSV, or sequence of row mappings
            Rows ``id, uri, text, description``.

        Returns
        -------
        self
        """
        if isinstance(corpus, str | os.PathLike):
            corpus = read_corpus_csv(corpus)
        elif not isinstance(corpus, TitleCorpus):
            corpus = TitleCorpus.from_rows(corpus)
        if len(corpus) == 0:
            raise EmptyInputError("corpus must hold at least one row to fit TitleNormalizer")
        if self.chunk_size < 1:
            raise ValidationError(f"chunk_size must be >= 1, got {self.chunk_size}")

        uris, first = np.unique(np.asarray(corpus.uris, dtype=object), return_index=True)
        order_occ = np.argsort(first, kind="stable")  # occupations in order of appearance
        uris = uris[order_occ]
        occ_index = {u: i for i, u in enumerate(uris)}
        row_occ = np.fromiter(
            (occ_index[u] for u in corpus.uris), dtype=np.int64, count=len(corpus)
        )
        self.uris_ = uris
        self.labels_ = np.array(
            [corpus.labels.get(u, corpus.texts[first[order_occ][i]]) for i, u in enumerate(uris)],
            dtype=object,
        )
        self.isco_groups_ = np.array(
            [corpus.isco_groups.get(u) or esco_isco_group(u) or group_code_of_uri(u) for u in uris],
            dtype=object,
        )
        group_labels = isco_group_labels()
        self.is_group_ = np.array(
            [
                is_group_uri(u)
                or (not esco_isco_group(u) and normalise_title(str(lab)) in group_labels)
                for u, lab in zip(uris, self.labels_, strict=True)
            ],
            dtype=bool,
        )
        check_number(self.group_penalty, "group_penalty", low=0.0)
        if self.variant_candidates is not None:
            check_int(self.variant_candidates, "variant_candidates", low=1)
        if isinstance(self.setting_words, str) or not all(
            isinstance(w, str) and w.strip() for w in self.setting_words
        ):
            raise ValidationError(
                f"setting_words must be a sequence of words, got {self.setting_words!r}"
            )
        self._setting = frozenset(normalise_title(w) for w in self.setting_words)
        if not isinstance(self.drop_filler, bool):
            raise ValidationError(f"drop_filler must be True or False, got {self.drop_filler!r}")
        if self.rerank_top is not None:
            check_int(self.rerank_top, "rerank_top", low=1)
        if self.n_jobs is not None:
            check_int(self.n_jobs, "n_jobs", low=1)
        # rows sorted by occupation, so np.maximum.reduceat gives the best row per occupation
        self._row_order = np.argsort(row_occ, kind="stable")
        sorted_occ = row_occ[self._row_order]
        self._starts = np.r_[0, np.flatnonzero(np.diff(sorted_occ)) + 1]
        if self.row_penalty < 0:
            raise ValidationError(f"row_penalty must be >= 0, got {self.row_penalty}")
        n_rows = np.diff(np.r_[self._starts, len(sorted_occ)])
        self._occ_prior = (-self.row_penalty * np.log(n_rows)).astype(np.float32)
        self._occ_prior[self.is_group_] -= np.float32(self.group_penalty)
        texts = [corpus.texts[i] for i in self._row_order]
        normed_texts = normalise_titles(texts)  # once: the char signal and the label ties
        # rows that are their occupation's preferred label (the first tier of exact ties)
        preferred = [
            normalise_title(esco_preferred_label(u) or str(lab))
            for u, lab in zip(uris, self.labels_, strict=True)
        ]
        self._pref_row = np.array(
            [t == preferred[o] for t, o in zip(normed_texts, sorted_occ, strict=True)],
            dtype=bool,
        )

        dense, kind = self._make_dense()
        self.model_kind_ = kind
        if self.weights is None:
            base = {
                "adapted": ADAPTED_WEIGHTS,
                "trained": DEFAULT_WEIGHTS,
                "custom": DEFAULT_WEIGHTS,
                "base": BASE_MODEL_WEIGHTS,
                "none": TFIDF_WEIGHTS,
            }[kind]
            weights = {sig: float(base.get(sig, 0.0)) for sig in _SIGNALS}
        else:
            unknown = sorted(set(self.weights) - set(_SIGNALS))
            if unknown:
                raise ValidationError(
                    f"weights keys must be among {list(_SIGNALS)}, got unknown {unknown}"
                )
            weights = {s: float(self.weights.get(s, 0.0)) for s in _SIGNALS}
            if any(w < 0 for w in weights.values()):
                raise ValidationError(f"weights must be >= 0, got {weights}")
        if dense is None:
            weights["dense"] = weights["desc_dense"] = 0.0
        self.weights_ = weights
        self.substitutions_ = self._make_substitutions()
        self.lexicon_ = self._make_lexicon()
        if self.lexicon_ is not None:
            if not self.drop_filler:
                self.lexicon_ = self.lexicon_.without_filler()
            self.lexicon_.fit(normed_texts)

        self.char_encoder_ = TfidfEncoder(ngram_range=tuple(self.ngram_range))
        rows_char = self.char_encoder_._fit_prepped(normed_texts)
        # queries and their variants repeat words: the encoder keeps n-gram counts per word
        self._char_rows = self.char_encoder_.encode_sparse
        self._rows_char = rows_char.T.tocsr()
        self._rows_char_by_row = rows_char.tocsr()  # (n_rows, vocab): candidate rows by index

        self.desc_encoder_ = None
        if weights.get("desc", 0) > 0:
            occ_desc = [""] * len(uris)
            for u, d in zip(corpus.uris, corpus.descriptions, strict=True):
                if d and not occ_desc[occ_index[u]]:
                    occ_desc[occ_index[u]] = _first_sentence(d)
            if any(occ_desc):
                self.desc_encoder_ = TfidfEncoder(ngram_range=tuple(self.ngram_range)).fit(
                    [d for d in occ_desc if d]
                )
                self._occ_desc = self.desc_encoder_.encode_sparse(occ_desc).T.tocsr()

        self.dense_encoder_ = None
        self._occ_desc_dense = None
        if dense is not None and (weights["dense"] > 0 or weights["desc_dense"] > 0):
            self.dense_encoder_ = dense.fit(texts) if kind == "custom" else dense
            self._rows_dense = self._encode_dense(texts)
        if self.dense_encoder_ is not None and weights["desc_dense"] > 0:
            # the whole description (cut to 128 tokens), embedded like the titles
            full = [""] * len(uris)
            for u, d in zip(corpus.uris, corpus.descriptions, strict=True):
                if d and not full[occ_index[u]]:
                    full[occ_index[u]] = d
            if any(full):
                encoder = self._description_encoder(dense)
                emb = self._encode_dense(
                    [d or str(lab) for d, lab in zip(full, self.labels_, strict=True)], encoder
                )
                emb[[not d for d in full]] = 0.0  # no description: no signal
                self._occ_desc_dense = emb
        self.query_encoder_, self.query_kind_ = self._make_query_encoder(dense, kind)
        self.reranker_ = self._make_reranker(kind)  # after query_kind_: its file depends on it
        self._labels_norm = [normalise_title(str(lab)) for lab in self.labels_]
        self._n_rows = n_rows
        self._group_codes = group_codes(self.isco_groups_)
        # one label predicted here loads what the first prediction would otherwise load
        # (the numba kernels from numba's cache, the query encoder's session, the re-ranker's
        # trees: 0.4-0.9 s), so a fitted normaliser answers at full speed from its first
        # call, as a coach's tool calling match() once per request needs
        self._predict_topk([str(self.labels_[0])], 1, 1)
        return self

    def _make_query_encoder(self, dense: Any, kind: str) -> tuple[Any, str]:
        """The encoder of the queries and its kind (see ``query_encoder``)."""
        qe = self.query_encoder
        if self.dense_encoder_ is None:
            return None, "none"
        if isinstance(qe, str) and qe == "auto":
            qe = default_query_encoder(kind, self.dense_encoder_)
        if isinstance(qe, str) and qe == "model":
            return self.dense_encoder_, "model"
        if isinstance(qe, str) and qe in _BASE_QUERY_ENCODERS:
            # the base MiniLM's queries, computed otherwise: under the same adapter, or alone
            make, what = _BASE_QUERY_ENCODERS[qe]
            if kind == "adapted" and isinstance(self.dense_encoder_, AdaptedEncoder):
                return AdaptedEncoder(self.dense_encoder_.adapter, make()).fit(), qe
            if kind == "base":
                return make().fit(), qe
            raise ValidationError(
                f"query_encoder={qe!r} {what} the base all-MiniLM-L6-v2, so it needs "
                f"model='auto' (the adapter) or model='base', got a {kind!r} dense model"
            )
        if hasattr(qe, "encode") and hasattr(qe, "fit") and not isinstance(qe, str):
            return qe, "custom"
        raise ValidationError(
            "query_encoder must be 'auto', 'int8', 'static', 'model' or an encoder object, "
            f"got {qe!r}"
        )

    def _make_lexicon(self) -> TitleLexicon | None:
        lx = self.lexicon
        if lx is None or (isinstance(lx, str) and lx.lower() == "none"):
            return None
        if isinstance(lx, str) and lx == "auto":
            return TitleLexicon.load(lexicon_path())
        if isinstance(lx, str | os.PathLike):
            return TitleLexicon.load(lx)
        if isinstance(lx, TitleLexicon):
            return lx.copy()  # fit() learns this corpus's words
        raise ValidationError(
            f"lexicon must be 'auto', None, a file path or a TitleLexicon, got {type(lx).__name__}"
        )

    def _query_normed(self, texts: Sequence[str]) -> list[str]:
        """Normalised queries, with the lexicon's words rewritten (``lexicon``)."""
        normed = normalise_titles(texts)
        lex = getattr(self, "lexicon_", None)
        return normed if lex is None else [lex.rewrite(t) for t in normed]

    def _make_substitutions(self) -> TitleSubstitutions | None:
        s = self.substitutions
        if s is None or (isinstance(s, str) and s.lower() == "none"):
            return None
        if isinstance(s, str) and s == "auto":
            path = substitutions_path()
            return TitleSubstitutions.load(path) if path.is_file() else None
        if isinstance(s, str | os.PathLike):
            return TitleSubstitutions.load(s)
        if isinstance(s, TitleSubstitutions):
            return s
        raise ValidationError(
            "substitutions must be 'auto', None, a file path or a TitleSubstitutions, "
            f"got {type(s).__name__}"
        )

    def _variant_char(
        self, normed: list[str], candidates: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Per query and corpus row the best ``char`` cosine of a variant (None: no variants).

        Parameters
        ----------
        normed : list of str
            Normalised queries (``normalise_titles``).
        candidates : ndarray of shape (len(normed), C), int, or None
            Occupations per query whose rows are scored; the other rows stay 0. None: all.

        Returns
        -------
        ndarray of shape (len(normed), n_rows), float32, or None
        """
        subs = self.substitutions_
        if subs is None:
            return None
        owners: list[int] = []
        variants: list[str] = []
        setting = getattr(self, "_setting", frozenset())
        for i, text in enumerate(normed):
            v = subs.variants(text)
            if setting:
                job = _without_setting(text, setting)
                if job is not None and job not in v:
                    v = [*v, job]
            owners += [i] * len(v)
            variants += v
        if not variants:
            return None
        out = np.zeros((len(normed), self._rows_char.shape[1]), dtype=np.float32)
        owner = np.asarray(owners)
        if candidates is not None:
            self._variant_char_candidates(variants, owner, candidates, out)
            return out
        for s in range(0, len(variants), self.chunk_size):  # bounded memory: chunk_size rows
            own = owner[s : s + self.chunk_size]
            sims = sparse_dot_dense(
                self._char_rows(variants[s : s + self.chunk_size]), self._rows_char
            )
            first = np.r_[0, np.flatnonzero(np.diff(own)) + 1]  # variants grouped by query
            who = own[first]
            out[who] = np.maximum(out[who], np.maximum.reduceat(sims, first, axis=0))
        return out

    def _variant_char_candidates(
        self,
        variants: list[str],
        owner: np.ndarray,
        candidates: np.ndarray,
        out: np.ndarray,
        jit: bool = True,
    ) -> None:
        """Fill ``out[i, rows of candidates[i]]`` with the best variant cosine of query i.

        With numba (``jit``), one kernel (:func:`_variant_rows_kernel`) computes the same
        numbers as the scipy path below (the reference, also used without numba) without
        gathering each query's candidate rows into a new sparse matrix.
        """
        from doorstroom_match._jit import compiled

        enc = self._char_rows(variants)  # (n_variants, vocab), grouped by owner
        bounds = np.r_[0, np.flatnonzero(np.diff(owner)) + 1, len(owner)]
        ends = np.r_[self._starts[1:], self._rows_char.shape[1]]
        rows_by_row = self._rows_char_by_row
        kernel = compiled(_variant_rows_kernel) if jit else None
        if kernel is not None and enc.dtype == np.float32 and rows_by_row.dtype == np.float32:
            enc.sum_duplicates()  # the kernel scatters each variant: one entry per n-gram
            kernel(
                enc.indptr,
                enc.indices,
                enc.data,
                bounds.astype(np.int64),
                np.ascontiguousarray(owner, dtype=np.int64),
                np.ascontiguousarray(candidates, dtype=np.int64),
                self._starts.astype(np.int64),
                ends.astype(np.int64),
                rows_by_row.indptr,
                rows_by_row.indices,
                rows_by_row.data,
                np.zeros((enc.shape[1], 4), dtype=np.float32),
                out,
            )
            return
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            i = owner[a]
            occ = candidates[i]
            lens = ends[occ] - self._starts[occ]
            rows = np.repeat(self._starts[occ] - np.cumsum(lens) + lens, lens) + np.arange(
                lens.sum()
            )
            # (rows, vocab) @ (vocab, n_variants): only the small variant block is transposed
            sims = (self._rows_char_by_row[rows] @ enc[a:b].T).toarray()
            out[i, rows] = sims.max(axis=1)

    def _make_reranker(self, kind: str) -> Any:
        r = self.reranker
        if r is None or (isinstance(r, str) and r.lower() == "none"):
            return None
        if isinstance(r, str) and r == "auto":
            # the file trained on this query path's features (static table or MiniLM)
            path = reranker_path(getattr(self, "query_kind_", None))
            if kind != "adapted" or not path.is_file():
                return None
            try:
                return TitleReranker.load(path)
            except ImportError:
                warnings.warn(
                    "LightGBM is not installed, so job titles are not re-ranked (lower "
                    "accuracy); pip install 'doorstroom_match[embeddings]'",
                    UserWarning,
                    stacklevel=3,
                )
                return None
        if isinstance(r, str | os.PathLike):
            return TitleReranker.load(r)
        if hasattr(r, "predict_scores") and hasattr(r, "n_candidates"):
            return r
        raise ValidationError(
            f"reranker must be 'auto', None, a file path or a TitleReranker, got {type(r).__name__}"
        )

    def _description_encoder(self, dense: Any) -> Any:
        """The dense encoder for descriptions: the same model with a longer token limit."""
        if isinstance(dense, AdaptedEncoder) or hasattr(dense, "for_long_texts"):
            return dense.for_long_texts().fit()
        if isinstance(dense, SentenceTransformerEncoder):
            return SentenceTransformerEncoder(
                dense.model, self.batch_size, _DESCRIPTION_TOKENS, dense.normalise
            ).fit()
        return dense

    # ------------------------------------------------------------------------------ scoring
    def _check_fitted(self) -> None:
        if not hasattr(self, "uris_"):
            raise NotFittedError("TitleNormalizer is not fitted yet; call fit(corpus) first")

    def _iter_scores(
        self, texts: list[str], parts: bool = False
    ) -> Iterator[tuple[int, np.ndarray, dict[str, np.ndarray]]]:
        """Yield (start, occupation scores of shape (chunk, n_occupations), parts) per chunk.

        ``parts["exact"]`` (bool) marks occupations with a row equal to the normalised text.
        With ``parts``, it also holds each signal per occupation, unweighted, for the
        re-ranker: ``char``/``dense``/``char_sub`` (best row), ``char_pref``/``dense_pref``/
        ``char_sub_pref`` (the label row), ``desc``, ``desc_dense`` (zeros where a signal is
        off), and ``normed``, the normalised texts (a list).
        """
        for start in range(0, len(texts), self.chunk_size):
            occ, info = self._chunk_scores(texts[start : start + self.chunk_size], parts)
            yield start, occ, info

    def _chunk_scores(
        self, chunk: list[str], parts: bool = False, normed: list[str] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Occupation scores and parts of one chunk of texts (see :meth:`_iter_scores`);
        ``normed``: ``normalise_titles(chunk)`` where the caller has it already."""
        w = self.weights_
        n_occ = len(self.uris_)
        if normed is None:  # once for the char, desc and variant signals
            normed = self._query_normed(chunk)
        char = sparse_dot_dense(self.char_encoder_.encode_prepped_sparse(normed), self._rows_char)
        want_sub = self.substitutions_ is not None and (w["char_sub"] > 0 or parts)
        q = dense = None
        if self.dense_encoder_ is not None:
            q = self._encode_dense(chunk, self.query_encoder_)
            if w["dense"] > 0 or parts:
                dense = q @ self._rows_dense.T
        # per-occupation terms: the row prior and the description signals
        extra = np.broadcast_to(self._occ_prior, (len(chunk), n_occ)).copy()
        desc_dense = desc = None
        if q is not None and self._occ_desc_dense is not None:
            desc_dense = q @ self._occ_desc_dense.T
            extra += w["desc_dense"] * desc_dense
        if self.desc_encoder_ is not None:
            qd = self.desc_encoder_.encode_prepped_sparse(normed)
            desc = sparse_dot_dense(qd, self._occ_desc)
            extra += w["desc"] * desc

        sub = None
        if want_sub:
            cands = None
            c = self.variant_candidates
            if c is not None and c < n_occ:  # variants only where they can matter
                cands = np.argpartition(-self._fuse(char, dense, extra), c - 1, axis=1)[:, :c]
            sub = self._variant_char(normed, cands)
        # per occupation: the fused score, each signal's best row, exact label matches (a
        # title that is literally, after normalisation, a row of the corpus names that
        # row's occupation, however many other rows it has: it goes first)
        occ, maxima, exact, exact_pref = self._occupation_maxima(char, dense, sub, extra)
        tier = self._exact_tier(exact, exact_pref)
        exact = tier > 0
        # the same bonus for every exact match (the re-ranker's features were learned with
        # it); the tiers order them in predict_topk
        occ[exact] += _EXACT_BONUS
        info: dict[str, np.ndarray] = {"exact": exact, "tier": tier}
        if parts:  # signals that are off count 0
            zeros = np.zeros((len(chunk), n_occ), dtype=np.float32)
            info["normed"] = normed
            info["char"] = maxima["char"]
            info["char_pref"] = char[:, self._starts]
            if sub is None:
                info["char_sub"] = info["char_sub_pref"] = zeros
            else:
                info["char_sub"] = maxima["char_sub"]
                info["char_sub_pref"] = sub[:, self._starts]
            info["dense_pref"] = zeros if dense is None else dense[:, self._starts]
            info["dense"] = zeros if dense is None else maxima["dense"]
            info["desc"] = zeros if desc is None else desc
            info["desc_dense"] = zeros if desc_dense is None else desc_dense
        return occ, info

    def _occupation_maxima(
        self,
        char: np.ndarray,
        dense: np.ndarray | None,
        sub: np.ndarray | None,
        extra: np.ndarray,
        jit: bool = True,
    ) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Fused occupation scores, each signal's best row, and exact label matches.

        Parameters
        ----------
        char, dense, sub : ndarray of shape (n, n_rows) (``dense``, ``sub``: or None)
            Per-row cosines: character TF-IDF, dense, best query variant.
        extra : ndarray of shape (n, n_occupations)
            The per-occupation terms (row prior, description signals).
        jit : bool, default True
            With numba, one pass over the rows (:func:`_occupation_maxima_kernel`); without
            (or ``jit=False``), the numpy reference path: the same numbers.

        Returns
        -------
        fused : ndarray of shape (n, n_occupations), float32
            :meth:`_fuse` of ``max(char, w_sub * sub)``, plus ``extra``.
        maxima : dict of str to ndarray of shape (n, n_occupations)
            ``char``, and ``dense`` and ``char_sub`` where given: the best row per occupation.
        exact, exact_pref : ndarray of shape (n, n_occupations), bool
            An occupation has a row equal to the title (``char >= _EXACT``); that row is its
            preferred label.
        """
        from doorstroom_match._jit import compiled

        w = self.weights_
        sub_in_best = sub is not None and w["char_sub"] > 0
        kernel = compiled(_occupation_maxima_kernel) if jit else None
        arrays = [a for a in (char, dense, sub, extra) if a is not None]
        if kernel is not None and all(a.dtype == np.float32 for a in arrays):
            n, n_occ = extra.shape
            empty = np.zeros((0, 0), dtype=np.float32)
            fused = np.empty((n, n_occ), dtype=np.float32)
            maxima = {"char": np.empty((n, n_occ), dtype=np.float32)}
            if dense is not None:
                maxima["dense"] = np.empty((n, n_occ), dtype=np.float32)
            if sub is not None:
                maxima["char_sub"] = np.empty((n, n_occ), dtype=np.float32)
            exact = np.empty((n, n_occ), dtype=bool)
            exact_pref = np.empty((n, n_occ), dtype=bool)
            kernel(
                np.ascontiguousarray(char),
                empty if dense is None else np.ascontiguousarray(dense),
                empty if sub is None else np.ascontiguousarray(sub),
                dense is not None and w["dense"] > 0,
                sub_in_best,
                np.float32(w["char"]),
                np.float32(w["dense"]),
                np.float32(w["char_sub"]),
                self._starts.astype(np.int64),
                self._pref_row,
                np.float32(_EXACT),
                fused,
                maxima["char"],
                maxima.get("dense", empty),
                maxima.get("char_sub", empty),
                exact,
                exact_pref,
            )
            return fused + extra, maxima, exact, exact_pref
        best = np.maximum(char, w["char_sub"] * sub) if sub_in_best else char
        fused = self._fuse(best, dense, extra)
        reduce = functools.partial(np.maximum.reduceat, indices=self._starts, axis=1)
        maxima = {"char": reduce(char)}
        if dense is not None:
            maxima["dense"] = reduce(dense)
        if sub is not None:
            maxima["char_sub"] = reduce(sub)
        hit = char >= _EXACT
        return fused, maxima, reduce(hit), reduce(hit & self._pref_row)

    def _fuse(self, best: np.ndarray, dense: np.ndarray | None, extra: np.ndarray) -> np.ndarray:
        """Fused occupation scores from per-row char (or best-variant) and dense cosines.

        Parameters
        ----------
        best : ndarray of shape (n, n_rows)
        dense : ndarray of shape (n, n_rows) or None
        extra : ndarray of shape (n, n_occupations)
            The per-occupation terms (row prior, description signals).

        Returns
        -------
        ndarray of shape (n, n_occupations), float32
        """
        w = self.weights_
        rows = best * w["char"] if w["char"] != 1.0 else best  # never changed in place
        if dense is not None and w["dense"] > 0:
            rows = rows + w["dense"] * dense
        return np.maximum.reduceat(rows, self._starts, axis=1) + extra

    def _exact_tier(self, exact: np.ndarray, exact_pref: np.ndarray) -> np.ndarray:
        """Tier of an exact label match (0 none or a group, 2 other label, 3 preferred label).

        Parameters
        ----------
        exact, exact_pref : ndarray of shape (n, n_occupations), bool
            An occupation has a row equal to the title; that row is its preferred label.

        Returns
        -------
        ndarray of shape (n, n_occupations), float32
        """
        tier = np.where(exact, np.where(exact_pref, 3.0, 2.0), 0.0).astype(np.float32)
        tier[:, self.is_group_] = 0.0  # a group competes by its score, never by an exact label
        return tier

    def score_occupations(self, texts: Sequence[str]) -> np.ndarray:
        """Score of every occupation for every text.

        Returns
        -------
        ndarray of shape (n_texts, n_occupations), float32
            Columns follow :attr:`uris_`.
        """
        self._check_fitted()
        texts = _as_texts(texts)
        out = np.zeros((len(texts), len(self.uris_)), dtype=np.float32)
        for start, occ, _ in self._iter_scores(texts):
            out[start : start + len(occ)] = occ
        return out

    def predict_topk(
        self, texts: Sequence[str], k: int = 10, *, n_jobs: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k occupations per text as arrays.

        ``n_jobs``: threads for this call (None: the normaliser's ``n_jobs``); the result does
        not depend on it. Texts that must score alike are scored once: equal texts, and
        without a dense encoder texts with the same normalised form.

        Returns
        -------
        scores : ndarray of shape (n_texts, k'), float32, descending per row
            The fused score; with a re-ranker, its softmax over the re-scored candidates
            (a share of 1, not a calibrated probability), and 1.0 for an exact label match.
        indices : ndarray of shape (n_texts, k'), int64, into :attr:`uris_`
            ``k' = min(k, n_occupations)``; ties are broken by catalogue order.
        """
        self._check_fitted()
        texts = _as_texts(texts)
        if not isinstance(k, int | np.integer) or k < 1:
            raise ValidationError(f"k must be an int >= 1, got {k!r}")
        # texts that give the same scores are scored once: without a dense encoder every
        # signal is computed from the normalised text (a weekly feed writes one title in
        # many ways: "Productiemedewerker (m/v/x)", "PRODUCTIEMEDEWERKER", ...), with one
        # from the text itself
        normed = self._query_normed(texts)
        keys = texts if self.dense_encoder_ is not None else normed
        group: dict[str, int] = {}
        first: list[int] = []  # per group, its first text
        inverse = np.empty(len(keys), dtype=np.int64)
        for n, key in enumerate(keys):
            g = group.get(key)
            if g is None:
                g = group[key] = len(first)
                first.append(n)
            inverse[n] = g
        if len(first) < len(texts):
            scores, idx = self._predict_topk(
                [texts[n] for n in first], k, n_jobs, [normed[n] for n in first]
            )
            return scores[inverse], idx[inverse]
        return self._predict_topk(texts, k, n_jobs, normed)

    def _predict_topk(
        self, texts: list[str], k: int, n_jobs: int | None, normed: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`predict_topk` on checked texts, each scored (no grouping); ``normed``:
        their normalised forms, where known."""
        n_occ = len(self.uris_)
        kk = min(int(k), n_occ)
        rr = getattr(self, "reranker_", None)
        n_cand = kk if rr is None else min(n_occ, max(kk, int(rr.n_candidates)))
        scores = np.zeros((len(texts), kk), dtype=np.float32)
        idx = np.zeros((len(texts), kk), dtype=np.int64)

        jobs = self._n_threads(n_jobs)
        # on threads of ours, LightGBM's own threads would only oversubscribe the cores
        rr_kw = {}
        if rr is not None and jobs > 1 and isinstance(rr, TitleReranker):
            rr_kw = {"n_threads": 1}

        def one_chunk(start: int, size: int) -> None:
            occ, parts = self._chunk_scores(
                texts[start : start + size],
                parts=rr is not None,
                normed=None if normed is None else normed[start : start + size],
            )
            part, vals = _top_sorted(occ, n_cand)
            tier = np.take_along_axis(parts["tier"], part, axis=1)
            key = vals
            if rr is not None:  # re-score the candidates; ties keep the fused order
                feats = self._candidate_features(part, occ, parts)
                top = n_cand if self.rerank_top is None else min(n_cand, int(self.rerank_top))
                if top < n_cand:
                    # features from all the candidates (as in training), scores for the
                    # fused best `top`; the others follow them in the fused order
                    key = np.full(vals.shape, -np.inf, dtype=np.float32)
                    key[:, :top] = rr.predict_scores(feats[:, :top], **rr_kw)
                else:
                    key = rr.predict_scores(feats, **rr_kw)
                vals = _softmax_rows(key)  # a share of 1 over the candidates, for coaches
                # exact matches stay first (certain); the re-ranker never saw one in training
                vals = np.where(tier > 0, 1.0, vals)
            # exact matches by tier (preferred label, other label), then by the re-ranker's
            # score (or the fused score); remaining ties by the fused order
            o = np.lexsort((np.broadcast_to(np.arange(n_cand), vals.shape), -key, -tier), axis=1)
            part = np.take_along_axis(part, o, axis=1)
            vals = np.take_along_axis(vals, o, axis=1)
            idx[start : start + len(occ)] = part[:, :kk]
            scores[start : start + len(occ)] = vals[:, :kk]

        size = self.chunk_size
        if jobs > 1:  # every thread gets work: chunks of at most chunk_size, as even as can be
            size = max(1, min(size, -(-len(texts) // jobs)))
        starts = range(0, len(texts), size)
        if jobs > 1 and len(starts) > 1:
            from concurrent.futures import ThreadPoolExecutor

            # the kernels, BLAS and LightGBM release the GIL; every chunk writes its own rows
            with ThreadPoolExecutor(jobs) as pool:
                for f in [pool.submit(one_chunk, s, size) for s in starts]:
                    f.result()
        else:
            for s in starts:
                one_chunk(s, size)
        return scores, idx

    def _n_threads(self, n_jobs: int | None = None) -> int:
        """Threads of :meth:`predict_topk`: ``n_jobs`` of the call, else of the normaliser."""
        if self.cache is not None:
            return 1
        if n_jobs is not None:
            return check_int(n_jobs, "n_jobs", low=1)
        if self.n_jobs is not None:
            return int(self.n_jobs)
        return min(2, usable_cpus())

    def _candidate_features(self, candidates, fused, parts) -> np.ndarray:
        return candidate_features(
            parts["normed"],
            candidates,
            fused,
            parts,
            self._labels_norm,
            self._n_rows,
            self._group_codes,
        )

    def rerank_features(
        self, texts: Sequence[str], n_candidates: int = 50
    ) -> tuple[np.ndarray, np.ndarray]:
        """The fused top candidates per text and their re-ranker features (for training one).

        Returns
        -------
        candidates : ndarray of shape (n_texts, K), int64, into :attr:`uris_`
            Best fused score first; ``K = min(n_candidates, n_occupations)``.
        features : ndarray of shape (n_texts, K, len(rerank.FEATURES)), float32
        """
        self._check_fitted()
        texts = _as_texts(texts)
        n_cand = min(int(n_candidates), len(self.uris_))
        cands, feats = [], []
        for _, occ, parts in self._iter_scores(texts, parts=True):
            part, _ = _top_sorted(occ, n_cand)
            cands.append(part)
            feats.append(self._candidate_features(part, occ, parts))
        return np.concatenate(cands), np.concatenate(feats)

    def predict(self, texts: Sequence[str], k: int = 10) -> list[list[TitleMatch]]:
        """Top-k occupations per text, best first.

        Parameters
        ----------
        texts : sequence of str
        k : int, default 10

        Returns
        -------
        list (one per text) of list of TitleMatch
        """
        scores, idx = self.predict_topk(texts, k)
        return [
            [
                TitleMatch(
                    str(self.uris_[j]), float(s), str(self.labels_[j]), str(self.isco_groups_[j])
                )
                for s, j in zip(srow, irow, strict=True)
            ]
            for srow, irow in zip(scores, idx, strict=True)
        ]
