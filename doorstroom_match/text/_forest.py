"""A LightGBM tree ensemble scored with QuickScorer: the title re-ranker's fast path.

LightGBM walks each of its trees node by node for every row: a data-dependent branch per
level, about 36 ns per tree of the shipped re-ranker (600 trees of 31 leaves) on our 2-core
machines, 1.1 ms for the 50 candidates of one query. QuickScorer (Lucchese et al., SIGIR
2015) turns the walk round: every internal node, of every tree, is listed per feature in
threshold order, with a bit mask of the leaves its *left* subtree holds. For one row and one
feature, the nodes whose test fails (``x > threshold``: the row goes right) are a prefix of
that list, and each clears its left leaves from its tree's mask; after all features, the
lowest bit left in a tree's mask is the leaf the row exits at (the leaves are numbered from
left to right). No branch depends on the tree's shape, and the node lists are read in order.

The score is the sum of the exit leaves' values, added in tree order in float64 as LightGBM
adds them, with LightGBM's tests (``x <= threshold`` on the float32 feature as a double; a
missing value (NaN) goes the node's default way where the node's missing type is NaN, and is
read as 0.0 where it is None; a value within ``1e-35`` of zero is read as 0.0), so the scores
are the same numbers as ``Booster.predict(x)`` (tested bit for bit,
``tests/test_text_forest.py``). Models this does not cover (categorical splits, linear trees,
the *zero* missing type, more than 64 leaves, several trees per iteration, an objective whose
output is transformed) give ``None`` from :meth:`QuickScorerForest.from_lightgbm`, and their
callers keep LightGBM. Measured (``python -m benchmarks.reranker_trees``, one thread): 1.85 to
1.96 times LightGBM's speed on the shipped re-ranker, same scores (``benchmarks/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["QuickScorerForest"]

#: LightGBM's ``kZeroThreshold`` (``1e-35f`` as a double): a feature value no larger in size is
#: read as 0.0 when LightGBM turns a row into its sparse pairs.
_ZERO = float(np.float32(1e-35))

#: Objectives whose prediction is the raw sum of the trees (no link function).
_IDENTITY_OBJECTIVES = ("lambdarank", "rank_xendcg", "regression")

#: For the index of the lowest set bit of a 64-bit mask m: ``(m ^ (m - 1)) * _MAGIC >> 58``
#: indexes this table (a de Bruijn sequence; m is never 0: a tree always keeps its rightmost
#: leaf).
_MAGIC = 0x03F79D71B4CB0A89
_LOWEST_BIT = np.array(
    [0, 47, 1, 56, 48, 27, 2, 60, 57, 49, 41, 37, 28, 16, 3, 61,
     54, 58, 35, 52, 50, 42, 21, 44, 38, 32, 29, 23, 17, 11, 4, 62,
     46, 55, 26, 59, 40, 36, 15, 53, 34, 51, 20, 43, 31, 22, 10, 45,
     25, 39, 14, 33, 19, 30, 9, 24, 13, 18, 8, 12, 7, 6, 5, 63],
    dtype=np.int64,
)  # fmt: skip


def _quickscorer_kernel(x, offsets, thresholds, trees, masks, nan_right, leaves, lowest, out):
    """``out[i]`` = the ensemble's raw score of row ``x[i]`` (see the module docstring).

    Parameters
    ----------
    x : ndarray of shape (n, n_features), float32
    offsets : ndarray of shape (n_features + 1,), int64
        Feature f's nodes are ``offsets[f]:offsets[f + 1]``, in ascending threshold order.
    thresholds : ndarray of shape (n_nodes,), float64
    trees : ndarray of shape (n_nodes,), int64
    masks : ndarray of shape (n_nodes,), uint64
        All ones but the node's left subtree's leaves.
    nan_right : ndarray of shape (n_nodes,), bool
        A missing value goes right at this node.
    leaves : ndarray of shape (n_trees, 64), float64
        Leaf values, left to right.
    lowest : ndarray of shape (64,), int64
        :data:`_LOWEST_BIT`.
    out : ndarray of shape (n,), float64
    """
    n_trees = leaves.shape[0]
    state = np.empty(n_trees, dtype=np.uint64)
    ones = np.uint64(0xFFFFFFFFFFFFFFFF)
    one = np.uint64(1)
    magic = np.uint64(_MAGIC)
    shift = np.uint64(58)
    zero = _ZERO
    for i in range(x.shape[0]):
        for t in range(n_trees):
            state[t] = ones
        for f in range(offsets.shape[0] - 1):
            v = np.float64(x[i, f])
            if -zero <= v <= zero:  # LightGBM reads these as 0.0 (it keeps no tiny values)
                v = 0.0
            a = offsets[f]
            b = offsets[f + 1]
            if v != v:  # missing: each node's own way
                for j in range(a, b):
                    if nan_right[j]:
                        state[trees[j]] &= masks[j]
            else:
                j = a
                while j < b and thresholds[j] < v:  # the test x <= threshold fails: right
                    state[trees[j]] &= masks[j]
                    j += 1
        s = 0.0
        for t in range(n_trees):
            m = state[t]
            s += leaves[t, lowest[((m ^ (m - one)) * magic) >> shift]]
        out[i] = s


@dataclass(frozen=True)
class QuickScorerForest:
    """A LightGBM model as QuickScorer's arrays (see the module docstring).

    Build it with :meth:`from_lightgbm`; :meth:`predict` gives ``Booster.predict``'s numbers.
    """

    n_features: int
    offsets: np.ndarray
    thresholds: np.ndarray
    trees: np.ndarray
    masks: np.ndarray
    nan_right: np.ndarray
    leaves: np.ndarray

    @classmethod
    def from_lightgbm(cls, booster: Any) -> QuickScorerForest | None:
        """The forest of a ``lightgbm.Booster``, or None where QuickScorer does not apply."""
        return cls.from_model_string(booster.model_to_string())

    @classmethod
    def from_model_string(cls, text: str) -> QuickScorerForest | None:
        """The forest of LightGBM's text model format, or None where it does not apply."""
        header, trees = _parse(text)
        if header.get("num_tree_per_iteration", "1") != "1" or not trees:
            return None
        if header.get("objective", "").split(" ")[0] not in _IDENTITY_OBJECTIVES:
            return None
        if "average_output" in header:  # random forest mode: a mean, not a sum
            return None
        n_features = int(header["max_feature_idx"]) + 1
        nodes: list[tuple[int, float, int, int, bool]] = []
        leaves = np.zeros((len(trees), 64), dtype=np.float64)
        for t, tree in enumerate(trees):
            n_leaves = int(tree["num_leaves"])
            values = [float(v) for v in tree["leaf_value"].split()]
            plain = tree.get("num_cat", "0") == "0" and tree.get("is_linear", "0") == "0"
            if n_leaves > 64 or not plain:
                return None
            if n_leaves == 1:
                leaves[t, 0] = values[0]
                continue
            feature = [int(v) for v in tree["split_feature"].split()]
            threshold = [float(v) for v in tree["threshold"].split()]
            decision = [int(v) for v in tree["decision_type"].split()]
            left = [int(v) for v in tree["left_child"].split()]
            right = [int(v) for v in tree["right_child"].split()]
            order: dict[int, int] = {}  # leaf -> its place, left to right
            span: dict[int, tuple[int, int]] = {}  # node -> places of its left subtree

            def walk(c: int, left=left, right=right, order=order, span=span) -> tuple[int, int]:
                if c < 0:
                    order[~c] = len(order)
                    return order[~c], order[~c]
                lo, mid = walk(left[c])
                _, hi = walk(right[c])
                span[c] = (lo, mid)
                return lo, hi

            walk(0)
            for leaf, place in order.items():
                leaves[t, place] = values[leaf]
            for c in range(n_leaves - 1):
                kind = decision[c]
                missing = (kind >> 2) & 3  # 0 none, 1 zero, 2 NaN
                if kind & 1 or missing == 1:  # categorical, or zero as missing
                    return None
                lo, hi = span[c]
                mask = ((1 << 64) - 1) ^ (((1 << (hi - lo + 1)) - 1) << lo)
                # NaN: the default way (type NaN), or 0.0 tested against the threshold (none)
                goes_left = bool(kind & 2) if missing == 2 else 0.0 <= threshold[c]
                nodes.append((feature[c], threshold[c], t, mask, not goes_left))
        nodes.sort(key=lambda n: (n[0], n[1]))
        feature_of = np.array([n[0] for n in nodes], dtype=np.int64)
        return cls(
            n_features=n_features,
            offsets=np.searchsorted(feature_of, np.arange(n_features + 1)).astype(np.int64),
            thresholds=np.array([n[1] for n in nodes], dtype=np.float64),
            trees=np.array([n[2] for n in nodes], dtype=np.int64),
            masks=np.array([n[3] for n in nodes], dtype=np.uint64),
            nan_right=np.array([n[4] for n in nodes], dtype=bool),
            leaves=leaves,
        )

    def predict(self, x: np.ndarray, jit: bool = True) -> np.ndarray:
        """Raw scores, as ``Booster.predict(x)``.

        Parameters
        ----------
        x : ndarray of shape (n, n_features)
            Read as float32 (as the re-ranker's features are).
        jit : bool, default True
            Compiled with numba where installed; ``False`` runs the same kernel as plain
            Python (slow: for tests on a few rows).

        Returns
        -------
        ndarray of shape (n,), float64
        """
        from doorstroom_match._exceptions import ValidationError
        from doorstroom_match._jit import compiled

        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValidationError(f"x must have shape (n, {self.n_features}), got {x.shape}")
        out = np.empty(len(x), dtype=np.float64)
        kernel = compiled(_quickscorer_kernel) if jit else None
        args = (x, self.offsets, self.thresholds, self.trees, self.masks, self.nan_right)
        if kernel is not None:
            kernel(*args, self.leaves, _LOWEST_BIT, out)
        else:
            with np.errstate(over="ignore"):  # the lowest-bit product wraps, as it should
                _quickscorer_kernel(*args, self.leaves, _LOWEST_BIT, out)
        return out


def _parse(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The header's ``key=value`` lines and each tree's, of LightGBM's text model format."""
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current = header
    for line in text.splitlines():
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
        elif line.startswith("end of trees"):
            break
        elif "=" in line:
            key, value = line.split("=", 1)
            current[key] = value
    return header, trees
