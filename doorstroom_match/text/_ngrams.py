"""Character n-gram TF-IDF within words (``char_wb``), built from distinct words.

scikit-learn's ``char_wb`` analyzer pads every whitespace-separated word with one space on each
side and takes its n-grams (a word shorter than n counts once, whole); a text's counts are the
sum of its words' counts. Job titles repeat a small set of words, so :class:`CharWbFeaturizer`
takes the n-grams of each *distinct* word once (in Python, cached between calls) and sums them
per text with one sparse product ``T @ W`` (texts x words times words x n-grams). The TF-IDF
weighting then repeats scikit-learn's arithmetic step for step (float32 counts, ``1 + log``,
idf, row norms accumulated in float64), so vocabulary, idf and rows equal those of
``TfidfVectorizer(analyzer="char_wb", lowercase=False, dtype=float32)`` (tested against it as
the reference); only the order of the stored entries within a row may differ, and with it the
last bit of a row norm. Fitting the catalogue and encoding titles took most of the text side's
time through scikit-learn's analyzer (a Python loop over every n-gram of every text).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_MAX_WORDS = 200_000  # the per-word cache is cleared beyond this many words (bounded memory)


def word_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """The ``char_wb`` n-grams of one word, as scikit-learn's analyzer lists them.

    Parameters
    ----------
    word : str
        One word without whitespace (padded here with a space on each side).
    min_n, max_n : int

    Returns
    -------
    list of str
        With repeats, in the analyzer's order.
    """
    w = f" {word} "
    w_len = len(w)
    out: list[str] = []
    for n in range(min_n, max_n + 1):
        if w_len <= n:  # a short word counts once, whole, and no longer n-grams follow
            out.append(w)
            break
        out.extend(w[i : i + n] for i in range(w_len - n + 1))
    return out


def _ngram_counts(word: str, min_n: int, max_n: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for g in word_ngrams(word, min_n, max_n):
        counts[g] = counts.get(g, 0) + 1
    return counts


def _code_points(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code points of the space-padded words, concatenated; each word's start and length."""
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
    starts = np.zeros(len(words), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    padded = "".join(f" {w} " for w in words)
    cps = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    return cps, starts, lens


def _base_for(max_cp: int, max_n: int) -> int | None:
    """Digit base of the integer n-gram keys, or None when they would not fit in int64."""
    base = max(int(max_cp) + 2, 2)  # digit 0 is "past the end", a code point c is c + 1
    return base if base**max_n < 2**62 else None


def _gram_keys(
    cps: np.ndarray, starts: np.ndarray, lens: np.ndarray, min_n: int, max_n: int, base: int
) -> tuple[np.ndarray, np.ndarray]:
    """(word, key) of every ``char_wb`` n-gram of every padded word, vectorised.

    A key is the n-gram's code points + 1 as base-``base`` digits, left-aligned in ``max_n``
    digits and filled with 0: numeric order is the strings' order (a prefix sorts first), so
    sorted keys number the columns as scikit-learn's sorted vocabulary does.
    """
    digits = np.minimum(cps + 1, base - 1)  # callers drop words with larger code points
    pw = base ** np.arange(max_n - 1, -1, -1, dtype=np.int64)
    n_words = len(lens)
    wids, keys = [], []
    done = np.zeros(n_words, dtype=bool)
    for n in range(min_n, max_n + 1):
        cnt = np.where(lens > n, lens - n + 1, 0)  # every window of a longer word
        total = int(cnt.sum())
        if total:
            wid = np.repeat(np.arange(n_words), cnt)
            pos = starts[wid] + np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            key = digits[pos] * pw[0]
            for i in range(1, n):
                key += digits[pos + i] * pw[i]
            wids.append(wid)
            keys.append(key)
        short = np.flatnonzero((lens <= n) & ~done)  # a short word once, whole, then no more
        if len(short):
            key = np.zeros(len(short), dtype=np.int64)
            for i in range(n):
                inside = i < lens[short]
                at = np.where(inside, starts[short] + i, 0)
                key += np.where(inside, digits[at], 0) * pw[i]
            wids.append(short)
            keys.append(key)
            done[short] = True
    if not wids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(wids), np.concatenate(keys)


def _decode_keys(keys: np.ndarray, max_n: int, base: int) -> list[str]:
    """The n-gram strings of integer keys (inverse of :func:`_gram_keys`)."""
    pw = base ** np.arange(max_n - 1, -1, -1, dtype=np.int64)
    d = (keys[:, None] // pw[None, :]) % base
    codes = np.where(d > 0, d - 1, 0).astype("<u4")
    return np.ascontiguousarray(codes).view(f"<U{max_n}").ravel().tolist()


class CharWbFeaturizer:
    """``char_wb`` n-gram counts of texts over a vocabulary, one pass per distinct word.

    Words are split as the analyzer splits them; the n-grams of the distinct words are integer
    keys computed by numpy over their code points (:func:`_gram_keys`) and looked up in the
    sorted keys of the vocabulary. Words with code points the keys cannot hold (beyond the
    vocabulary's characters, or any at all when ``base ** max_n`` would overflow) take the plain
    Python path (:func:`word_ngrams`), which is also the reference in the tests.

    Parameters
    ----------
    ngram_range : tuple of int
        ``(min_n, max_n)``.
    vocabulary : dict of str to int or None
        Fixed n-gram -> column map (from :meth:`fit` or a fitted vectorizer); n-grams outside
        it are ignored. None: call :meth:`fit` first.
    vectorised : bool, default True
        False: the plain Python path for every word (the reference).
    """

    def __init__(
        self,
        ngram_range: tuple[int, int],
        vocabulary: dict[str, int] | None = None,
        vectorised: bool = True,
    ) -> None:
        self.min_n, self.max_n = int(ngram_range[0]), int(ngram_range[1])
        self.vocabulary = vocabulary
        self.vectorised = vectorised
        self._words: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._keys: tuple[int, np.ndarray, np.ndarray] | None = None  # base, sorted keys, cols

    # ---------------------------------------------------------------------------- helpers
    @staticmethod
    def _text_words(texts: Sequence[str]) -> tuple[dict[str, int], Any]:
        """Distinct words (in order of first appearance) and the texts x words count matrix."""
        from scipy import sparse

        word_id: dict[str, int] = {}
        cols: list[int] = []
        indptr = [0]
        for text in texts:
            for w in text.split():  # what the analyzer's whitespace squeeze + split() gives
                j = word_id.get(w)
                if j is None:
                    j = word_id[w] = len(word_id)
                cols.append(j)
            indptr.append(len(cols))
        t = sparse.csr_matrix(
            (
                np.ones(len(cols), dtype=np.float32),
                np.asarray(cols, dtype=np.int32),
                np.asarray(indptr, dtype=np.int64),
            ),
            shape=(len(texts), len(word_id)),
        )
        t.sum_duplicates()  # a word twice in a text counts twice
        return word_id, t

    @staticmethod
    def _word_matrix(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape) -> Any:
        """Words x n-grams count matrix (duplicate entries summed)."""
        from scipy import sparse

        w = sparse.csr_matrix(
            (vals.astype(np.float32), (rows.astype(np.int64), cols.astype(np.int64))),
            shape=shape,
        )
        w.sum_duplicates()
        return w

    def _python_entries(self, words: list[str], wids: np.ndarray):
        """(word, column, count) of ``words`` (numbered ``wids``) by the plain Python path."""
        vocab = self.vocabulary
        cache = self._words
        rows, cols, vals = [], [], []
        for w, wid in zip(words, wids.tolist(), strict=True):
            e = cache.get(w)
            if e is None:
                counts = _ngram_counts(w, self.min_n, self.max_n)
                hit = [(vocab[g], c) for g, c in counts.items() if g in vocab]
                e = (
                    np.fromiter((h[0] for h in hit), np.int64, len(hit)),
                    np.fromiter((h[1] for h in hit), np.float32, len(hit)),
                )
                if len(cache) >= _MAX_WORDS:
                    cache.clear()
                cache[w] = e
            rows.append(np.full(len(e[0]), wid, dtype=np.int64))
            cols.append(e[0])
            vals.append(e[1])
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)

    def _vocabulary_keys(self) -> tuple[int, np.ndarray, np.ndarray] | None:
        """(base, sorted keys, their columns) of the vocabulary, or None if not representable."""
        if self._keys is not None:
            return self._keys
        vocab = self.vocabulary
        terms = list(vocab)
        if not terms or max(map(len, terms)) > self.max_n:
            return None
        codes = np.array(terms, dtype=f"<U{self.max_n}").view("<u4").reshape(len(terms), -1)
        lens = np.fromiter(map(len, terms), np.int64, len(terms))
        if (np.count_nonzero(codes, axis=1) != lens).any():  # a NUL in a term
            return None
        base = _base_for(int(codes.max()), self.max_n)
        if base is None:
            return None
        pw = base ** np.arange(self.max_n - 1, -1, -1, dtype=np.int64)
        digits = np.where(codes > 0, codes.astype(np.int64) + 1, 0)
        keys = digits @ pw
        cols = np.fromiter(vocab.values(), np.int64, len(terms))
        order = np.argsort(keys, kind="stable")
        self._keys = (base, keys[order], cols[order])
        return self._keys

    # -------------------------------------------------------------------------------- API
    def fit(self, texts: Sequence[str]):
        """Learn the vocabulary (n-grams sorted, as scikit-learn numbers its columns).

        Parameters
        ----------
        texts : sequence of str
            Prepared texts (normalised or lower-cased).

        Returns
        -------
        counts : scipy.sparse.csr_matrix of shape (len(texts), n_ngrams), float32
            N-gram counts of ``texts`` over the new vocabulary (indices sorted per row).
        """
        word_id, t = self._text_words(texts)
        words = list(word_id)
        self._words = {}
        self._keys = None
        base = None
        if self.vectorised and words:
            cps, starts, lens = _code_points(words)
            if int(cps.min()) > 0:  # a NUL would read as "past the end"
                base = _base_for(int(cps.max()), self.max_n)
        if base is not None:
            wid, keys = _gram_keys(cps, starts, lens, self.min_n, self.max_n, base)
            uniq, col = np.unique(keys, return_inverse=True)
            terms = _decode_keys(uniq, self.max_n, base)
            self._keys = (base, uniq, np.arange(len(uniq), dtype=np.int64))
            vals = np.ones(len(wid), dtype=np.float32)
        else:  # plain Python: provisional columns, then renumbered in sorted order
            provisional: dict[str, int] = {}
            rows_l, cols_l, vals_l = [], [], []
            for j, w in enumerate(words):
                for g, c in _ngram_counts(w, self.min_n, self.max_n).items():
                    rows_l.append(j)
                    cols_l.append(provisional.setdefault(g, len(provisional)))
                    vals_l.append(c)
            terms = sorted(provisional)
            remap = np.empty(len(terms), dtype=np.int64)
            remap[[provisional[g] for g in terms]] = np.arange(len(terms))
            wid = np.asarray(rows_l, dtype=np.int64)
            col = remap[np.asarray(cols_l, dtype=np.int64)]
            vals = np.asarray(vals_l, dtype=np.float32)
        self.vocabulary = dict(zip(terms, range(len(terms)), strict=True))
        w = self._word_matrix(wid, col, vals, (len(words), len(terms)))
        x = (t @ w).tocsr()
        x.sort_indices()
        return x

    def counts(self, texts: Sequence[str]):
        """N-gram counts of ``texts`` over the fixed vocabulary.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(texts), n_ngrams), float32
            Indices sorted per row.
        """
        vocab = self.vocabulary
        if vocab is None:
            raise RuntimeError("CharWbFeaturizer has no vocabulary; call fit first")
        word_id, t = self._text_words(texts)
        words = list(word_id)
        parts = []
        slow = np.arange(len(words))
        vk = self._vocabulary_keys() if self.vectorised and words else None
        if vk is not None:
            base, skeys, scols = vk
            cps, starts, lens = _code_points(words)
            ok = (np.maximum.reduceat(cps, starts) + 1 < base) & (
                np.minimum.reduceat(cps, starts) > 0
            )
            wid, keys = _gram_keys(cps, starts, lens, self.min_n, self.max_n, base)
            keep = ok[wid]
            wid, keys = wid[keep], keys[keep]
            pos = np.minimum(np.searchsorted(skeys, keys), len(skeys) - 1)
            hit = skeys[pos] == keys
            parts.append((wid[hit], scols[pos[hit]], np.ones(int(hit.sum()), np.float32)))
            slow = np.flatnonzero(~ok)
        if len(slow):
            parts.append(self._python_entries([words[i] for i in slow], slow))
        if parts:
            rows = np.concatenate([p[0] for p in parts])
            cols = np.concatenate([p[1] for p in parts])
            vals = np.concatenate([p[2] for p in parts])
        else:
            rows = cols = np.zeros(0, np.int64)
            vals = np.zeros(0, np.float32)
        w = self._word_matrix(rows, cols, vals, (len(words), len(vocab)))
        x = (t @ w).tocsr()
        x.sort_indices()  # canonical rows: the order of their sums no longer depends on the words
        return x


def document_frequency_idf(counts, dtype=np.float32) -> np.ndarray:
    """Smoothed idf ``log((1 + n) / (1 + df)) + 1``, as scikit-learn's TfidfTransformer.

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix of shape (n_texts, n_ngrams)
        Without duplicate entries.

    Returns
    -------
    ndarray of shape (n_ngrams,), ``dtype``
    """
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(dtype)
    df += 1.0
    idf = np.full_like(df, fill_value=counts.shape[0] + 1, dtype=dtype)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def tfidf_rows(counts, idf: np.ndarray, sublinear: bool):
    """L2-normalised TF-IDF rows from float32 counts, in place, as scikit-learn computes them.

    Parameters
    ----------
    counts : scipy.sparse.csr_matrix of shape (n, n_ngrams), float32
    idf : ndarray of shape (n_ngrams,)
    sublinear : bool
        ``1 + log(tf)`` instead of ``tf``.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n, n_ngrams), float32
        ``counts`` itself, weighted and normalised (all-zero rows stay zero).
    """
    x = counts
    if x.dtype != np.float32:
        x = x.astype(np.float32)
    d = x.data
    if sublinear:
        np.log(d, out=d)
        d += 1.0
    d *= idf[x.indices]
    # sklearn's inplace_csr_row_normalize_l2: float32 squares summed in float64, each entry
    # divided by the float64 norm and stored as float32
    sq = (d * d).astype(np.float64)
    lens = np.diff(x.indptr)
    norms = np.zeros(x.shape[0], dtype=np.float64)
    nz = lens > 0
    if nz.any():
        norms[nz] = np.add.reduceat(sq, x.indptr[:-1][nz])
    norms = np.sqrt(norms)
    norms[norms == 0.0] = 1.0
    x.data = (d / np.repeat(norms, lens)).astype(np.float32)
    return x


def _rows_dot_kernel(q_indptr, q_indices, q_data, r_indptr, r_indices, r_data, out):
    """``out[i] += q[i] @ r`` for CSR ``q`` (n, v), CSR ``r`` (v, m), dense (n, m) ``out``.

    Each product is added in the order of ``q``'s entries, in the dtype of the data, as
    scipy's sparse product sums them (so the results are the same numbers).
    """
    for i in range(len(q_indptr) - 1):
        row = out[i]
        for jj in range(q_indptr[i], q_indptr[i + 1]):
            k = q_indices[jj]
            v = q_data[jj]
            for kk in range(r_indptr[k], r_indptr[k + 1]):
                row[r_indices[kk]] += v * r_data[kk]


def sparse_dot_dense(q, r, jit: bool = True) -> np.ndarray:
    """``(q @ r)`` as a dense float32 array, for sparse rows against a sparse index.

    The product of TF-IDF rows with a corpus is nearly dense (frequent n-grams reach most
    rows); summing straight into a dense array (numba, the ``fast`` extra) skips scipy's sparse
    result and its conversion. The kernel releases the GIL, so callers may run chunks on
    threads; it starts none itself (a numba parallel loop would abort the process when two
    threads call it under numba's default workqueue layer). Without numba (or ``jit=False``)
    scipy computes it.

    Parameters
    ----------
    q : scipy.sparse.csr_matrix of shape (n, v), float32
    r : scipy.sparse.csr_matrix of shape (v, m), float32
    jit : bool, default True

    Returns
    -------
    ndarray of shape (n, m), float32
    """
    from doorstroom_match._jit import compiled

    kernel = compiled(_rows_dot_kernel) if jit else None
    if kernel is None or q.dtype != np.float32 or r.dtype != np.float32:
        return np.asarray((q @ r).todense(), dtype=np.float32)
    out = np.zeros((q.shape[0], r.shape[1]), dtype=np.float32)
    kernel(q.indptr, q.indices, q.data, r.indptr, r.indices, r.data, out)
    return out
