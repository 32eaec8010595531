"""Plain character TF-IDF title matcher: the same-run baseline of ``benchmarks.titles``."""

from __future__ import annotations

import numpy as np


class PlainCharTfidf:
    """Lower-cased raw text, char_wb 2..5-gram TF-IDF, best row per occupation.

    Mirrors the parts of :class:`~doorstroom_match.text.TitleNormalizer` the benchmark uses
    (``fit``, ``predict_topk``, ``uris_``) without normalisation, descriptions or embeddings.
    """

    def fit(self, corpus) -> PlainCharTfidf:
        from sklearn.feature_extraction.text import TfidfVectorizer

        uris, inv = np.unique(np.asarray(corpus.uris, dtype=object), return_inverse=True)
        self.uris_ = uris
        order = np.argsort(inv, kind="stable")
        self._order = order
        self._starts = np.r_[0, np.flatnonzero(np.diff(inv[order])) + 1]
        self.vec_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
        )
        self.rows_ = self.vec_.fit_transform([corpus.texts[i] for i in order]).T.tocsr()
        return self

    def predict_topk(self, texts, k=10):
        kk = min(k, len(self.uris_))
        idx = np.zeros((len(texts), kk), dtype=np.int64)
        scores = np.zeros((len(texts), kk), dtype=np.float32)
        for s in range(0, len(texts), 512):
            sims = np.asarray((self.vec_.transform(texts[s : s + 512]) @ self.rows_).todense())
            occ = np.maximum.reduceat(sims, self._starts, axis=1)
            top = np.argsort(-occ, axis=1, kind="stable")[:, :kk]
            idx[s : s + len(occ)] = top
            scores[s : s + len(occ)] = np.take_along_axis(occ, top, axis=1)
        return scores, idx
