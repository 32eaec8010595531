"""Overhead of the weekly batch on a Dask ``LocalCluster`` against the local run (issue 17).

Run from the repository root (needs the ``batch`` extra: dask.distributed)::

    python -m benchmarks.dask_overhead                      # 2,000 workers x 20,000 vacancies
    python -m benchmarks.dask_overhead --workers 5000 --vacancies 25000 --json

Both runs call :func:`doorstroom_match.batch.run_batch` on the same seeded data (the generator
of ``benchmarks.batch``), cold week, no bulletin: ``local`` ranks the blocks on a thread pool of
``--jobs`` threads in this process; ``dask`` sends the same blocks to a ``LocalCluster`` of
``--dask-workers`` worker processes with one thread each (``scheduler=client``). Reading, the
encoder and the store are the same in both, so the difference is what Dask adds: scattering the
vacancies, fitting the matcher once per worker process, shipping blocks and their rendered rows.
The cluster is started once and warmed with one run that is not timed (a worker process fits the
shipped occupation model once, as a long-lived cluster would); then ``--repeat`` runs of each,
alternating, minimum reported. ``matches.jsonl`` must be the same bytes (checked every run).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import emit_json, platform_info, platform_string

GOAL_OVERHEAD = 0.15


def _run(data: Path, out: Path, **kw: Any) -> tuple[float, str]:
    from doorstroom_match.batch import run_batch

    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    res = run_batch(
        data / "workers.jsonl",
        data / "feed.jsonl",
        out,
        run_date="2026-11-02",
        bulletin=False,
        **kw,
    )
    seconds = time.perf_counter() - t0
    digest = hashlib.sha256(res.matches_path.read_bytes()).hexdigest()
    shutil.rmtree(out, ignore_errors=True)
    return seconds, digest


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Time both runs; returns the JSON-able result."""
    from dask.distributed import Client, LocalCluster

    from benchmarks.batch import make_data

    tmp = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    try:
        data = tmp / "data"
        data.mkdir()
        make_data(data, args.workers, args.vacancies, 0, args.seed)
        cluster = LocalCluster(
            n_workers=args.dask_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        try:
            times: dict[str, list[float]] = {"local": [], "dask": []}
            digests: dict[str, set[str]] = {"local": set(), "dask": set()}
            t0 = time.perf_counter()
            _, d = _run(data, tmp / "warm", scheduler=client)
            warm_s = time.perf_counter() - t0
            digests["dask"].add(d)
            for _ in range(args.repeat):
                for key, kw in (
                    ("local", {"jobs": args.jobs}),
                    ("dask", {"scheduler": client}),
                ):
                    s, d = _run(data, tmp / key, **kw)
                    times[key].append(s)
                    digests[key].add(d)
        finally:
            client.close()
            cluster.close()
        best = {k: min(v) for k, v in times.items()}
        identical = len(digests["local"] | digests["dask"]) == 1
        return {
            "benchmark": "dask_overhead",
            "platform": platform_string(),
            "machine": platform_info(),
            "params": {
                "workers": args.workers,
                "vacancies": args.vacancies,
                "seed": args.seed,
                "repeat": args.repeat,
                "jobs": args.jobs,
                "dask_workers": args.dask_workers,
                "threads_per_worker": 1,
            },
            "seconds": {k: round(v, 2) for k, v in best.items()},
            "all_seconds": {k: [round(x, 2) for x in v] for k, v in times.items()},
            "dask_first_run_s": round(warm_s, 2),
            "overhead": round(best["dask"] / best["local"] - 1.0, 3),
            "goal_overhead": GOAL_OVERHEAD,
            "identical_matches": identical,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.dask_overhead", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=2000)
    p.add_argument("--vacancies", type=int, default=20000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--jobs", type=int, default=2, help="threads of the local run")
    p.add_argument("--dask-workers", type=int, default=2, help="LocalCluster worker processes")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = p.parse_args(argv)
    res = run(args)
    s = res["seconds"]
    print(
        f"weekly batch on Dask, {args.workers} workers x {args.vacancies} vacancies "
        f"({res['platform']})"
    )
    print(f"  local ({args.jobs} threads)            {s['local']:7.2f} s")
    print(
        f"  LocalCluster ({args.dask_workers} x 1 thread)     {s['dask']:7.2f} s  "
        f"(first run {res['dask_first_run_s']:.2f} s)"
    )
    print(
        f"  overhead {100 * res['overhead']:.1f}% (goal <= {100 * GOAL_OVERHEAD:.0f}%); "
        f"matches.jsonl identical: {res['identical_matches']}"
    )
    if args.json:
        emit_json(res)
    return 0 if res["identical_matches"] else 1


if __name__ == "__main__":
    sys.exit(main())
