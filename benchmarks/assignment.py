"""Benchmark of :func:`doorstroom_match.assign` at scale, against the straightforward formulation.

Run from the repository root::

    python -m benchmarks.assignment            # the goal instance and an over-subscribed one
    python -m benchmarks.assignment --json     # last stdout line: one JSON object
    python -m benchmarks.assignment --workers 5000 --places 500 --scenarios goal

The goal instance (issue 4): 20,000 workers x 2,000 places, capacity 10, 30 allowed places per
worker, given as a DENSE float64 array with ``inf`` elsewhere, solved exactly in under 2 s.

For every scenario the same run measures (minimum of several runs, fixed seeds):

* ``library``: ``assign(cost, capacity, method="sparse")`` end to end (validation, extraction of
  the allowed pairs from the dense array, solver, result) - the compact successive-shortest-path
  solver when numba is installed;
* ``baseline``: the straightforward formulation, ``method="lapjvsp"``: every place expanded into
  slots, one "unassigned" column per worker, scipy's ``min_weight_full_bipartite_matching``;
* ``extract``: validation and extraction alone (a floor for any solver on dense input);
* ``greedy``: ``assign_greedy`` (best pair first), for the comparison a coach sees.

Exactness is checked in the same run: the library and the baseline must place the same number of
workers at the same total cost (relative difference <= 1e-9); the run fails otherwise.
The numba compile (or cache load) happens in an untimed warm-up call and is reported apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

from benchmarks._common import best_of, emit_json, platform_info, platform_string
from doorstroom_match.assignment import assign, assign_greedy, numba_available

SCENARIOS = ("goal", "oversubscribed")


def make_problem(
    n_workers: int, n_places: int, capacity: int, degree: int, *, popular: bool, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """A dense cost array with ``degree`` allowed places per worker and ``inf`` elsewhere.

    ``popular=False``: places drawn uniformly, costs uniform in [0, 1).
    ``popular=True``: places drawn with a skewed popularity (a few places are wanted by many
    workers) and costs that favour the popular places - closer to real internship demand and
    harder for the solvers, because the popular places are contested.
    """
    rng = np.random.default_rng(seed)
    cost = np.full((n_workers, n_places), np.inf)
    if popular:
        weights = 1.0 / np.arange(1, n_places + 1) ** 0.8
        weights /= weights.sum()
        keys = rng.random((n_workers, n_places)) ** (1.0 / (weights * n_places))
        cols = np.argsort(-keys, axis=1)[:, :degree]  # weighted sampling without replacement
        vals = 0.6 * rng.random((n_workers, degree)) + 0.4 * (cols / n_places)
    else:
        cols = np.argsort(rng.random((n_workers, n_places)), axis=1)[:, :degree]
        vals = rng.random((n_workers, degree))
    cost[np.repeat(np.arange(n_workers), degree), cols.ravel()] = vals.ravel()
    return cost, np.full(n_places, capacity, dtype=np.int64)


def run_scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    if name == "goal":
        n, m, cap, deg, popular = args.workers, args.places, args.capacity, args.degree, False
    else:  # more workers than places: about a fifth must stay unassigned
        n, m, cap, deg, popular = (
            args.workers,
            args.places,
            max(1, args.capacity * 4 // 5),
            (args.degree),
            True,
        )
    cost, capacity = make_problem(n, m, cap, deg, popular=popular, seed=args.seed)

    t0 = time.perf_counter()
    assign(cost[: min(n, 50)], capacity, method="sparse")  # numba compile / cache load
    warmup_s = time.perf_counter() - t0

    from doorstroom_match.assignment import _prepare

    t_extract, _ = best_of(lambda: _prepare(cost, capacity, None), repeat=args.repeat)
    t_lib, lib = best_of(lambda: assign(cost, capacity, method="sparse"), repeat=args.repeat)
    t_base, base = best_of(
        lambda: assign(cost, capacity, method="lapjvsp"), repeat=args.baseline_repeat
    )
    t_greedy, greedy = best_of(lambda: assign_greedy(cost, capacity), repeat=args.repeat)

    same_count = lib.n_assigned == base.n_assigned
    rel = abs(lib.total_cost - base.total_cost) / max(1.0, abs(base.total_cost))
    exact = bool(same_count and rel <= 1e-9)
    return {
        "scenario": name,
        "n_workers": n,
        "n_places": m,
        "capacity": cap,
        "degree": deg,
        "popular_places": popular,
        "solver": lib.solver,
        "seconds": {
            "library": t_lib,
            "baseline_lapjvsp": t_base,
            "extract": t_extract,
            "greedy": t_greedy,
            "numba_warmup": warmup_s,
        },
        "speedup_vs_baseline": t_base / t_lib,
        "exact": exact,
        "relative_cost_difference": rel,
        "placed": {"library": lib.n_assigned, "baseline": base.n_assigned},
        "total_cost": {"library": lib.total_cost, "baseline": base.total_cost},
        "greedy": {
            "placed": greedy.n_assigned,
            "total_cost": greedy.total_cost,
            "extra_placed_by_optimal": lib.n_assigned - greedy.n_assigned,
            "mean_cost_optimal": lib.total_cost / max(lib.n_assigned, 1),
            "mean_cost_greedy": greedy.total_cost / max(greedy.n_assigned, 1),
        },
        "goal_seconds": 2.0 if name == "goal" else None,
        "meets_goal": (t_lib < 2.0) if name == "goal" else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--capacity", type=int, default=10)
    parser.add_argument("--degree", type=int, default=30, help="allowed places per worker")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the library (min taken)")
    parser.add_argument("--baseline-repeat", type=int, default=2, help="runs of the baseline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of {SCENARIOS}"
    )
    parser.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = parser.parse_args(argv)

    print(platform_string())
    print(f"numba available: {numba_available()}")
    results = []
    for name in args.scenarios.split(","):
        name = name.strip()
        if name not in SCENARIOS:
            parser.error(f"unknown scenario {name!r}; choose from {SCENARIOS}")
        r = run_scenario(name, args)
        results.append(r)
        s = r["seconds"]
        print(
            f"[{name}] {r['n_workers']} x {r['n_places']}, capacity {r['capacity']}, "
            f"{r['degree']} allowed/worker: library ({r['solver']}) {s['library']:.3f} s, "
            f"baseline lapjvsp {s['baseline_lapjvsp']:.3f} s -> {r['speedup_vs_baseline']:.1f}x; "
            f"extract {s['extract']:.3f} s; exact={r['exact']} "
            f"(placed {r['placed']['library']}, cost {r['total_cost']['library']:.6f})"
        )
        g = r["greedy"]
        print(
            f"    greedy: placed {g['placed']} (optimal +{g['extra_placed_by_optimal']}), "
            f"mean cost {g['mean_cost_greedy']:.4f} vs optimal {g['mean_cost_optimal']:.4f}"
        )
    ok = all(r["exact"] for r in results)
    if args.json:
        emit_json({"benchmark": "assignment", "platform": platform_info(), "results": results})
    if not ok:
        print("EXACTNESS CHECK FAILED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
