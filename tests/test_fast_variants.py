"""Small versions, in the default run, of checks that otherwise only run with ``-m slow``.

- The memory bound of the blocked top-k (``test_goal_size_topk_memory_bounded...`` in
  test_core.py checks 2 GB at 25,000 x 100,000): here the same property at a size that runs in
  seconds - peak memory does not grow with the number of workers, and stays far below the
  full distance matrix - with exact results on sampled rows.
- The exact-label rule on the whole ESCO catalogue (``test_known_labels_name_their_occupation...``
  in test_text_titles.py uses the development queries): here labels that belong to exactly one
  occupation, picked from the packaged catalogue, must name that occupation first, also upper
  case with "(m/v/x)".
"""

from __future__ import annotations

import collections
import random
import tracemalloc

import numpy as np

from benchmarks.core import make_data, reference_topk
from doorstroom_match.core import distance_matrix, topk_by_distance
from doorstroom_match.text import TitleNormalizer, load_esco_corpus


def _peak_bytes(levels, req, wts):
    tracemalloc.start()
    try:
        top = topk_by_distance(levels, req, wts, k=10, max_distance=2.0)
        return top, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_topk_memory_does_not_grow_with_workers_and_results_are_exact():
    n_vac, n_comp = 20_000, 30
    levels, req, wts = make_data(4_000, n_vac, n_comp, seed=0)
    topk_by_distance(levels[:50], req, wts, k=10, max_distance=2.0)  # warm-up (kernels, pools)
    _, small = _peak_bytes(levels[:1_000], req, wts)
    top, large = _peak_bytes(levels, req, wts)
    full = 4_000 * n_vac * 4  # the float32 distance matrix that is never materialised
    assert large < full / 4
    assert large <= 1.25 * small + 8 * 2**20  # four times the workers, about the same memory
    rows = np.random.default_rng(0).choice(4_000, 40, replace=False)
    ref_idx, ref_val = reference_topk(distance_matrix(levels[rows], req, wts), 10, 2.0)
    np.testing.assert_array_equal(top.indices[rows], ref_idx)


def test_exact_known_labels_name_their_occupation_on_the_whole_catalogue():
    corpus = load_esco_corpus()
    owners = collections.defaultdict(set)
    for text, uri in zip(corpus.texts, corpus.uris, strict=True):
        owners[text.casefold()].add(uri)
    unique = sorted(
        {
            (t, u)
            for t, u in zip(corpus.texts, corpus.uris, strict=True)
            if len(owners[t.casefold()]) == 1
        }
    )
    pick = random.Random(1).sample(unique, 30)
    tn = TitleNormalizer(model=None).fit(corpus)
    for variant in (str, lambda t: t.upper() + " (m/v/x)"):
        top = tn.predict([variant(t) for t, _ in pick], k=1)
        hits = [found[0].uri == uri for found, (_, uri) in zip(top, pick, strict=True)]
        assert np.mean(hits) >= 0.9, variant
