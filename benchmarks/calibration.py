"""Rater calibration (many-facet Rasch): parameter recovery over several designs, and speed.

Run from the repository root::

    python -m benchmarks.calibration             # recovery designs, solver baseline, scale run
    python -m benchmarks.calibration --json      # last stdout line: one JSON object
    python -m benchmarks.calibration --seeds 2 --skip-scale

Recovery: ratings are drawn from the model itself
(:func:`doorstroom_match.calibration.simulate_ratings`: competence-specific worker levels,
rater severities, competence difficulties, thresholds (-1.8, 0, 1.8), erratic raters who give a
random level in part of their ratings), over several seeds per design:

* ``goal`` - the issue's design: 300 workers x 12 competences, 20 raters, 3 raters per worker,
  one erratic rater (random level in 70% of their ratings);
* ``mildly_erratic`` - the same, the erratic rater random in 40% of their ratings;
* ``sparse_linking`` - 30 raters in a ring, each worker rated by 2 neighbouring raters, so two
  raters share workers only when they are neighbours;
* ``few_ratings_per_rater`` - 150 raters, 2 per worker: about 4 workers (48 ratings) per rater;
* ``self_assessment`` - the goal design plus every worker's self-assessment (severity -0.6);
* ``no_competence_spread`` - workers equal across competences (the cell spread is 0).

Per design: Spearman correlation of estimated and true severities (all raters, the erratic one
included, as the issue's check does), the slope of estimated on true severity in logits (the
scale's compression), the error of the severity in levels against the true shift in expected
level, how often the fair level equals the true average-rater level and how often the plain mean
of the raters does (library rounding: half-way rounds down; conventional rounding too), whether
the erratic rater is flagged (mean-square >= 1.4) and how many others are, competence
difficulty correlation, and the seconds per calibration.

Speed baseline (same run): the same objective at fixed prior variances solved from zero by the
structured Newton method and by scipy's L-BFGS on the joint parameter vector (the plain
alternative), to the same objective value; the ratio of times is reported.

Scale: ``calibrate_raters`` end to end (records in, result out) on 25,000 workers x 25
competences x 3 raters (1,000 raters): wall time, process CPU time (on these shared machines the
CPU time is the load-independent figure), Newton steps.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.stats import spearmanr

from benchmarks._common import emit_json, platform_info, platform_string
from doorstroom_match import _mfrm
from doorstroom_match.calibration import calibrate_raters, simulate_ratings
from doorstroom_match.core import _blas_threads

DESIGNS: dict[str, dict[str, Any]] = {
    "goal": dict(n_workers=300, n_competences=12, n_raters=20, raters_per_worker=3),
    "mildly_erratic": dict(
        n_workers=300, n_competences=12, n_raters=20, raters_per_worker=3, erratic_share=0.4
    ),
    "sparse_linking": dict(
        n_workers=300, n_competences=12, n_raters=30, raters_per_worker=2, design="chain"
    ),
    "few_ratings_per_rater": dict(
        n_workers=300, n_competences=12, n_raters=150, raters_per_worker=2
    ),
    "self_assessment": dict(
        n_workers=300, n_competences=12, n_raters=20, raters_per_worker=3, self_assessment=True
    ),
    "no_competence_spread": dict(
        n_workers=300, n_competences=12, n_raters=20, raters_per_worker=3, cell_sd=0.0
    ),
}


def _levels_shift(sim) -> dict[str, float]:
    """True mean shift in expected level caused by each rater's severity."""
    acc: dict[str, list[float]] = defaultdict(list)
    for rec in sim.records:
        r = rec["rater"]
        if r not in sim.severity:  # self-assessment
            continue
        m = sim.true_measures[rec["worker"], rec["competence"]] - sim.difficulty[rec["competence"]]
        acc[r].append(m)
    out = {}
    for r, ms in acc.items():
        ms = np.asarray(ms)
        p0 = _mfrm.probabilities(ms, sim.thresholds)
        p1 = _mfrm.probabilities(ms - sim.severity[r], sim.thresholds)
        out[r] = float(np.mean(p0 @ np.arange(4) - p1 @ np.arange(4)))
    return out


def _plain(records, rounding: str) -> dict[tuple[str, str], int]:
    acc: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for rec in records:
        wt = 0.5 if rec["rater"] == "zelf" else 1.0
        acc[rec["worker"], rec["competence"]].append((wt, rec["level"]))
    out = {}
    for k, v in acc.items():
        wts, lv = np.array(v).T
        mean = float(wts @ lv / wts.sum())
        if rounding == "half_down":
            out[k] = int(np.clip(np.ceil(mean - 0.5 - 1e-9), 1, 4))
        else:
            out[k] = int(np.clip(np.floor(mean + 0.5), 1, 4))
    return out


def run_design(name: str, seed: int) -> dict[str, Any]:
    sim = simulate_ratings(**DESIGNS[name], seed=seed)
    t0, c0 = time.perf_counter(), time.process_time()
    cal = calibrate_raters(sim.records)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    raters = sorted(r for r in sim.severity if r in cal.severity)  # a rater may draw nobody
    true_sev = np.array([sim.severity[r] for r in raters])
    est_sev = np.array([cal.severity[r] for r in raters])
    regular = [i for i, r in enumerate(raters) if r not in sim.erratic]
    slope = float(np.polyfit(true_sev[regular], est_sev[regular], 1)[0])
    shift = _levels_shift(sim)
    lv_err = np.array([cal.severity_levels[raters[i]] - shift[raters[i]] for i in regular])
    comps = sorted(sim.difficulty)
    n = len(sim.true_levels)
    fair_ok = sum(cal.fair_levels(w)[c] == lv for (w, c), lv in sim.true_levels.items()) / n
    plain = {
        rnd: sum(p[k] == lv for k, lv in sim.true_levels.items()) / n
        for rnd, p in (
            ("half_down", _plain(sim.records, "half_down")),
            ("half_up", _plain(sim.records, "half_up")),
        )
    }
    msq = {r: max(cal.fit[r].values()) for r in raters}
    erratic = [r for r in sim.erratic if r in msq]  # a rater may draw nobody
    out = {
        "design": name,
        "seed": seed,
        "severity_spearman": float(spearmanr(true_sev, est_sev).statistic),
        "severity_spearman_regular_raters": float(
            spearmanr(true_sev[regular], est_sev[regular]).statistic
        ),
        "severity_slope_logits": slope,
        "severity_levels_mae": float(np.mean(np.abs(lv_err))),
        "severity_se_mean": float(np.mean([cal.severity_se[r] for r in raters])),
        "severity_resid_sd": float(np.std(est_sev[regular] - slope * true_sev[regular])),
        "difficulty_spearman": float(
            spearmanr(
                [sim.difficulty[c] for c in comps], [cal.difficulty[c] for c in comps]
            ).statistic
        ),
        "thresholds": [float(t) for t in cal.thresholds],
        "fair_accuracy": fair_ok,
        "plain_accuracy_half_down": plain["half_down"],
        "plain_accuracy_half_up": plain["half_up"],
        "fair_minus_best_plain_points": 100 * (fair_ok - max(plain.values())),
        "erratic_flagged": all(msq[r] >= 1.4 for r in erratic),
        "erratic_msq": [msq[r] for r in erratic],
        "false_flags": sum(1 for r in raters if r not in sim.erratic and msq[r] >= 1.4),
        "max_regular_msq": max(msq[r] for r in raters if r not in sim.erratic),
        "cell_sd": cal.checks.cell_sd,
        "newton_steps": cal.checks.newton_steps,
        "seconds": wall,
        "cpu_seconds": cpu,
    }
    if cal.self_assessment is not None:
        out["self_severity"] = cal.self_assessment.severity
        out["self_severity_true"] = sim.self_severity
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [
        "severity_spearman",
        "severity_spearman_regular_raters",
        "severity_slope_logits",
        "severity_levels_mae",
        "severity_se_mean",
        "severity_resid_sd",
        "difficulty_spearman",
        "fair_accuracy",
        "plain_accuracy_half_down",
        "plain_accuracy_half_up",
        "fair_minus_best_plain_points",
        "max_regular_msq",
        "cell_sd",
        "seconds",
    ]
    out: dict[str, Any] = {k: float(np.mean([r[k] for r in rows])) for k in keys}
    out["severity_spearman_min"] = float(min(r["severity_spearman"] for r in rows))
    out["fair_minus_best_plain_points_min"] = float(
        min(r["fair_minus_best_plain_points"] for r in rows)
    )
    out["erratic_flagged"] = f"{sum(r['erratic_flagged'] for r in rows)}/{len(rows)}"
    out["false_flags"] = int(sum(r["false_flags"] for r in rows))
    out["goals_met"] = f"{sum(_goals(r) for r in rows)}/{len(rows)}"
    if "self_severity" in rows[0]:
        out["self_severity"] = float(np.mean([r["self_severity"] for r in rows]))
    return out


def _goals(r: dict[str, Any]) -> bool:
    return (
        r["severity_spearman"] >= 0.9
        and r["fair_minus_best_plain_points"] >= 4
        and r["erratic_flagged"]
        and r["false_flags"] == 0
    )


def solver_baseline(n_workers: int, seed: int) -> dict[str, Any]:
    """Newton vs L-BFGS on the same objective (fixed prior variances and weights)."""
    sim = simulate_ratings(n_workers, 25, max(10, n_workers // 25), 3, n_erratic=0, seed=seed)
    wix: dict[str, int] = {}
    rix: dict[str, int] = {}
    cix: dict[str, int] = {}
    w = np.array([wix.setdefault(r["worker"], len(wix)) for r in sim.records])
    rr = np.array([rix.setdefault(r["rater"], len(rix)) for r in sim.records])
    c = np.array([cix.setdefault(r["competence"], len(cix)) for r in sim.records])
    x = np.array([r["level"] - 1 for r in sim.records])
    n_c = len(cix)
    ukey, cell = np.unique(w * n_c + c, return_inverse=True)
    d = _mfrm.Design.build(
        x, cell.ravel(), rr, ukey // n_c, ukey % n_c, len(rix), (np.arange(len(rix)),)
    )
    h = _mfrm.Hyper(0.3, 1.0, 9.0, np.ones(x.size))
    with _blas_threads(1):  # as calibrate_raters runs; the same for both solvers
        return _solver_baseline(d, h, n_workers, x.size)


def _solver_baseline(d: _mfrm.Design, h: _mfrm.Hyper, n_workers: int, n_obs: int):
    t0 = time.perf_counter()
    p, _, steps, conv = _mfrm.solve(d, _mfrm.Params.zeros(d), h, tol=1e-10)
    t_newton = time.perf_counter() - t0
    f_star = _mfrm.objective(d, p, h)
    J, W, C, R = d.n_cells, d.n_workers, d.n_comps, d.n_raters

    def unflat(v: np.ndarray) -> _mfrm.Params:
        a = J + W
        return _mfrm.Params(
            v[:J], v[J:a], float(v[a]), v[a + 1 : a + 1 + C], v[a + 1 + C : a + 1 + C + R], v[-3:]
        )

    last: dict[str, Any] = {"x": None, "f": None}

    def fg(v: np.ndarray) -> tuple[float, np.ndarray]:
        q = unflat(v)
        g = _mfrm.gradient(d, q, h)
        f = _mfrm.objective(d, q, h)
        last["x"], last["f"] = v.copy(), f
        return f, np.concatenate([g.theta, g.mu, [g.m], g.delta, g.sigma, g.tau])

    target = f_star + 1e-6 * abs(f_star)
    reached: dict[str, Any] = {"t": None, "it": 0}
    t0 = time.perf_counter()

    def cb(v: np.ndarray) -> None:
        reached["it"] += 1
        # the accepted point was the last one evaluated: no extra objective evaluation
        f = last["f"] if np.array_equal(v, last["x"]) else fg(v)[0]
        if reached["t"] is None and f <= target:
            reached["t"] = time.perf_counter() - t0
            raise StopIteration

    try:
        minimize(
            fg,
            np.zeros(J + W + 1 + C + R + 3),
            jac=True,
            method="L-BFGS-B",
            callback=cb,
            options={"maxiter": 20000, "gtol": 1e-12, "ftol": 1e-16},
        )
    except StopIteration:
        pass
    t_lbfgs = reached["t"] if reached["t"] is not None else time.perf_counter() - t0
    return {
        "n_ratings": int(n_obs),
        "n_workers": n_workers,
        "newton_seconds": t_newton,
        "newton_steps": steps,
        "newton_converged": bool(conv),
        "lbfgs_seconds_to_same_objective": t_lbfgs,
        "lbfgs_iterations": reached["it"],
        "lbfgs_reached": reached["t"] is not None,
        "speedup_newton_vs_lbfgs": t_lbfgs / t_newton,
    }


def scale_run(n_workers: int, n_competences: int, n_raters: int, repeat: int) -> dict[str, Any]:
    sim = simulate_ratings(n_workers, n_competences, n_raters, 3, seed=11)
    walls, cpus = [], []
    cal = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        cal = calibrate_raters(sim.records)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    assert cal is not None
    raters = sorted(sim.severity)
    rho = spearmanr([sim.severity[r] for r in raters], [cal.severity[r] for r in raters])
    return {
        "n_workers": n_workers,
        "n_competences": n_competences,
        "n_raters": n_raters,
        "n_ratings": cal.checks.n_ratings,
        "wall_seconds_min": min(walls),
        "cpu_seconds_min": min(cpus),
        "newton_steps": cal.checks.newton_steps,
        "converged": cal.checks.converged,
        "severity_spearman": float(rho.statistic),
        "goal_seconds": 60.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per design")
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS), choices=list(DESIGNS))
    parser.add_argument("--baseline-workers", type=int, default=600)
    parser.add_argument("--scale-workers", type=int, default=25_000)
    parser.add_argument("--scale-competences", type=int, default=25)
    parser.add_argument("--scale-raters", type=int, default=1000)
    parser.add_argument("--scale-repeat", type=int, default=1)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = parser.parse_args(argv)
    print(platform_string())
    results: dict[str, Any] = {"designs": {}}
    for name in args.designs:
        rows = [run_design(name, seed) for seed in range(args.seeds)]
        s = summarise(rows)
        results["designs"][name] = {"summary": s, "runs": rows}
        print(
            f"{name:22s} rho={s['severity_spearman']:.3f} (min {s['severity_spearman_min']:.3f}) "
            f"slope={s['severity_slope_logits']:.2f} lvMAE={s['severity_levels_mae']:.3f} "
            f"fair={s['fair_accuracy']:.3f} plain={s['plain_accuracy_half_up']:.3f}/"
            f"{s['plain_accuracy_half_down']:.3f} erratic={s['erratic_flagged']} "
            f"false={s['false_flags']} goals={s['goals_met']} t={s['seconds']:.2f}s"
        )
    if not args.skip_baseline:
        b = solver_baseline(args.baseline_workers, seed=3)
        results["solver_baseline"] = b
        print(
            f"baseline ({b['n_ratings']} ratings): Newton {b['newton_seconds']:.2f}s "
            f"({b['newton_steps']} steps), L-BFGS {b['lbfgs_seconds_to_same_objective']:.2f}s "
            f"({b['lbfgs_iterations']} it, reached={b['lbfgs_reached']}): "
            f"x{b['speedup_newton_vs_lbfgs']:.1f}"
        )
    if not args.skip_scale:
        sc = scale_run(
            args.scale_workers, args.scale_competences, args.scale_raters, args.scale_repeat
        )
        results["scale"] = sc
        print(
            f"scale {sc['n_ratings']} ratings: wall {sc['wall_seconds_min']:.1f}s, "
            f"cpu {sc['cpu_seconds_min']:.1f}s, {sc['newton_steps']} Newton steps, "
            f"converged={sc['converged']}, rho={sc['severity_spearman']:.3f}"
        )
    if args.json:
        emit_json({"benchmark": "calibration", "platform": platform_info(), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
