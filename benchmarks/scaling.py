"""Scaling sweep of the matching core: time linear in W x V, memory flat.

Usage (from the repository root)::

    python -m benchmarks.scaling [--json] [--steps 8] [--workers 500] [--vacancies 5000]

Starting from ``--workers`` x ``--vacancies``, each step doubles W and V in turn, so the number
of pairs doubles every step. For every size it times (minimum of ``--repeat`` runs)
``core_topk`` (:func:`doorstroom_match.core.topk_by_distance`, top-10 with the cut-off
``max_distance=2``) and ``core`` (the blocked distance computation), and measures the memory
that a ``core_topk`` run allocates (tracemalloc: numpy arrays included, inputs excluded).

Writes ``benchmarks/scaling.png`` (time and memory against W x V, log scales) and, with
``--json``, ends with one JSON line: the points, the fitted exponent of time against pairs
(1.0 is linear) and the ratio of the largest to the smallest allocated memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._common import best_of, emit_json, peak_memory, platform_info
from benchmarks.core import DEFAULT_MAX_DISTANCE, make_data, run_core, run_core_topk

PNG = Path(__file__).resolve().parent / "scaling.png"


def sizes(n_workers: int, n_vacancies: int, steps: int) -> list[tuple[int, int]]:
    """(W, V) for each step: W doubles on odd steps, V on even ones."""
    out = []
    w, v = n_workers, n_vacancies
    for i in range(steps):
        out.append((w, v))
        if i % 2 == 0:
            w *= 2
        else:
            v *= 2
    return out


def _slope(pairs: list[float], seconds: list[float]) -> float:
    """Least-squares exponent b of seconds ~ pairs**b."""
    return float(np.polyfit(np.log(pairs), np.log(seconds), 1)[0])


def run(
    n_workers: int = 500,
    n_vacancies: int = 5000,
    n_competences: int = 30,
    *,
    steps: int = 8,
    repeat: int = 3,
    k: int = 10,
    max_distance: float | None = DEFAULT_MAX_DISTANCE,
    seed: int = 0,
    n_jobs: int = -1,
    log=print,
) -> dict[str, Any]:
    points = []
    for w, v in sizes(n_workers, n_vacancies, steps):
        data = make_data(w, v, n_competences, seed)

        def topk(data=data):
            return run_core_topk(*data, k, max_distance, n_jobs)

        def core(data=data):
            return run_core(*data)

        _, mem = peak_memory(topk)
        t_topk, _ = best_of(topk, repeat)
        t_core, _ = best_of(core, repeat)
        point = {
            "workers": w,
            "vacancies": v,
            "pairs": w * v,
            "seconds": t_topk,
            "pairs_per_s": w * v / t_topk,
            "core_seconds": t_core,
            "core_pairs_per_s": w * v / t_core,
            "allocated_mb": mem["traced_mb"],
            "rss_peak_mb": mem["rss_peak_mb"],
        }
        points.append(point)
        log(
            f"  W={w:>6} V={v:>7} pairs={w * v:.2e}  core_topk {t_topk:7.3f} s "
            f"({point['pairs_per_s']:.3g}/s)  core {t_core:7.3f} s  "
            f"allocated {mem['traced_mb']:6.1f} MB  rss {mem['rss_peak_mb']:6.0f} MB"
        )
    pairs = [p["pairs"] for p in points]
    upper = len(points) // 2  # the larger half: fixed per-call costs no longer dominate
    alloc = [p["allocated_mb"] for p in points]
    return {
        "benchmark": "scaling",
        "competences": n_competences,
        "k": k,
        "max_distance": max_distance,
        "seed": seed,
        "repeat": repeat,
        "points": points,
        "time_exponent": _slope(pairs, [p["seconds"] for p in points]),
        "time_exponent_upper_half": _slope(pairs[upper:], [p["seconds"] for p in points[upper:]]),
        "core_time_exponent": _slope(pairs, [p["core_seconds"] for p in points]),
        "pairs_growth": pairs[-1] / pairs[0],
        "allocated_growth": max(alloc) / max(min(alloc), 1e-9),
        **platform_info(),
    }


def plot(result: dict[str, Any], path: Path) -> Path:
    """Time and memory against pairs (log-log), with a linear reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = result["points"]
    pairs = np.array([p["pairs"] for p in pts], dtype=float)
    t_topk = np.array([p["seconds"] for p in pts])
    t_core = np.array([p["core_seconds"] for p in pts])
    alloc = np.array([p["allocated_mb"] for p in pts])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    mid = len(pts) // 2
    ax1.loglog(pairs, t_topk, "o-", label="core_topk (top-10, cut-off)")
    ax1.loglog(pairs, t_core, "s-", label="core (all distances)")
    ax1.loglog(pairs, t_topk[mid] * pairs / pairs[mid], "k--", lw=1, label="linear in W x V")
    for p, t in zip(pts, t_topk, strict=True):
        ax1.annotate(
            f"{p['workers']}x{p['vacancies']}",
            (p["pairs"], t),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax1.set_xlabel("pairs (workers x vacancies)")
    ax1.set_ylabel("seconds (min of runs)")
    ax1.set_title(f"time: exponent {result['time_exponent']:.2f} (1 = linear)")
    ax1.legend(fontsize=8)
    ax1.grid(True, which="both", alpha=0.3)
    ax2.loglog(pairs, alloc, "o-", color="C2", label="allocated by a core_topk run")
    ax2.loglog(pairs, 4 * pairs / 2**20, ":", color="C3", label="a dense W x V float32 matrix")
    for p, a in zip(pts, alloc, strict=True):
        ax2.annotate(
            f"{p['workers']}x{p['vacancies']}",
            (p["pairs"], a),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    ax2.set_xlabel("pairs (workers x vacancies)")
    ax2.set_ylabel("MB")
    ax2.set_title(
        f"memory: x{result['allocated_growth']:.1f} while pairs grow x{result['pairs_growth']:.0f}"
        " (O(V) inputs + fixed blocks)",
        fontsize=9,
    )
    ax2.legend(fontsize=8)
    ax2.grid(True, which="both", alpha=0.3)
    fig.suptitle(
        f"doorstroom_match core scaling, C={result['competences']} | {result['cpu']}, "
        f"{result['cpu_count']} cores",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.scaling", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=500, help="W at the first step (default 500)")
    p.add_argument("--vacancies", type=int, default=5000, help="V at the first step (default 5000)")
    p.add_argument("--competences", type=int, default=30)
    p.add_argument("--steps", type=int, default=8, help="sizes; pairs double each step (default 8)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=int, default=-1)
    p.add_argument("--png", type=Path, default=PNG, help=f"plot path (default {PNG.name})")
    p.add_argument("--json", action="store_true", help="end with one JSON line")
    args = p.parse_args(argv)
    for name in ("workers", "vacancies", "competences", "steps", "repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    log(
        f"scaling sweep: {args.steps} sizes from {args.workers} x {args.vacancies}, "
        f"C={args.competences}"
    )
    result = run(
        args.workers,
        args.vacancies,
        args.competences,
        steps=args.steps,
        repeat=args.repeat,
        seed=args.seed,
        n_jobs=args.n_jobs,
        log=log,
    )
    result["png"] = str(plot(result, args.png))
    log(
        f"  time exponent {result['time_exponent']:.2f} (upper half "
        f"{result['time_exponent_upper_half']:.2f}); allocated memory x"
        f"{result['allocated_growth']:.2f} while pairs grow x{result['pairs_growth']:.0f}; "
        f"plot: {result['png']}"
    )
    if args.json:
        emit_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
