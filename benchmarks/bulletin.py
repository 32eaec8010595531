"""Benchmark of the weekly bulletin: every coach page, the overview and one sheet per worker.

Run from the repository root::

    python -m benchmarks.bulletin                          # 5,000 workers, 10 rows each
    python -m benchmarks.bulletin --workers 25000 --json   # Flanders scale; last line JSON

Data: the seeded generator (:mod:`doorstroom_match.synthetic`), ranked once by the default
:class:`~doorstroom_match.Matcher` (not timed). Timed, min of ``--repeat`` runs, into a fresh
folder each time: :func:`doorstroom_match.bulletin.render_bulletin` as the weekly batch calls it
(``durable=False``: pages written plainly into the week's staging folder, which is flushed to disk
once), and the baseline in the same run, ``durable=True`` (a temporary file and an fsync per
page, as before the batch staged its bulletin; and as a standalone call still does).
Reported: wall seconds, and CPU seconds of this process and its forked render processes (the
figure to compare on a shared machine). ``--opening-given`` computes the werkpunt per worker
before the timing and passes it in, as the weekly batch does (its own thread, during the
ranking); by default ``render_bulletin`` computes it (``opening=True``) inside the timing.
Figures: ``benchmarks/README.md``, section "Bulletin".
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import cpu_user_sys, emit_json, platform_info, platform_string


def make_week(n_workers: int, n_vacancies: int, top: int, seed: int) -> tuple[Any, Any, Any]:
    """Workers, their ranked matches and the vacancies by id."""
    from doorstroom_match import Matcher
    from doorstroom_match.feeds import Vacancy, WorkerProfile
    from doorstroom_match.synthetic import generate_sample

    workers, vacancies, _ = generate_sample(n_workers, n_vacancies, 0, seed)
    wks = [WorkerProfile.from_record(r) for r in workers]
    vacs = [Vacancy.from_record(r) for r in vacancies]
    ranked = Matcher().fit(vacs).rank(wks, top)
    matches = {w.id: ms for w, ms in zip(wks, ranked, strict=True)}
    return wks, matches, {v.id: v for v in vacs}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Time the bulletin; returns the JSON-able result."""
    from doorstroom_match.bulletin import bulletin_openings, render_bulletin

    t0 = time.perf_counter()
    wks, matches, vacs = make_week(args.workers, args.vacancies, args.top, args.seed)
    opening: Any = True
    if args.opening_given:
        opening = bulletin_openings(wks, vacs)
    setup_s = time.perf_counter() - t0
    new_ids = frozenset(list(vacs)[: len(vacs) // 10])
    tmp = Path(tempfile.mkdtemp(prefix="bench-bulletin-"))
    times: dict[str, list[float]] = {"staged": [], "durable": []}
    cpu: dict[str, list[float]] = {"staged": [], "durable": []}
    user: dict[str, list[float]] = {"staged": [], "durable": []}
    system: dict[str, list[float]] = {"staged": [], "durable": []}
    n_pages = 0
    try:
        for i in range(args.repeat):
            for key, durable in (("staged", False), ("durable", True)):
                if key == "durable" and args.no_baseline:
                    continue
                out = tmp / f"{key}{i}"
                t, c = time.perf_counter(), cpu_user_sys()
                paths = render_bulletin(
                    out,
                    wks,
                    matches,
                    vacs,
                    new_ids=new_ids,
                    week="2026-11-30 (week 49)",
                    durable=durable,
                    jobs=args.jobs,
                    opening=opening,
                )
                times[key].append(time.perf_counter() - t)
                c2 = cpu_user_sys()
                user[key].append(c2[0] - c[0])
                system[key].append(c2[1] - c[1])
                cpu[key].append(user[key][-1] + system[key][-1])
                n_pages = len(paths)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    best = {k: min(v) for k, v in times.items() if v}
    res: dict[str, Any] = {
        "benchmark": "bulletin",
        "platform": platform_string(),
        "machine": platform_info(),
        "params": {
            "workers": args.workers,
            "vacancies": args.vacancies,
            "top": args.top,
            "seed": args.seed,
            "repeat": args.repeat,
            "jobs": args.jobs,
            "opening_given": args.opening_given,
        },
        "setup_s": round(setup_s, 2),
        "pages": n_pages,
        "seconds": {k: round(v, 3) for k, v in best.items()},
        "all_seconds": {k: [round(x, 3) for x in v] for k, v in times.items() if v},
        "pages_per_s": {k: round(n_pages / v, 1) for k, v in best.items()},
        # CPU time (min of the runs): comparable on a shared machine where wall time is not
        "cpu_seconds": {k: round(min(v), 3) for k, v in cpu.items() if v},
        "cpu_ms_per_worker": {
            k: round(1000 * min(v) / max(1, args.workers), 3) for k, v in cpu.items() if v
        },
        "cpu_user_seconds": {k: round(min(v), 3) for k, v in user.items() if v},
        "cpu_system_seconds": {k: round(min(v), 3) for k, v in system.items() if v},
        "all_cpu_seconds": {k: [round(x, 3) for x in v] for k, v in cpu.items() if v},
    }
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.bulletin", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=5000)
    p.add_argument("--vacancies", type=int, default=5000)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--jobs", type=int, default=1, help="render processes (render_bulletin jobs)")
    p.add_argument(
        "--opening-given",
        action="store_true",
        help="compute the werkpunten before the timing and pass them in (as the batch does)",
    )
    p.add_argument("--no-baseline", action="store_true", help="skip the durable=True baseline")
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = p.parse_args(argv)
    res = run(args)
    print(f"bulletin, {args.workers} workers, {res['pages']} pages ({res['platform']})")
    for k, v in res["seconds"].items():
        print(
            f"  {k:<8} {v:8.2f} s  {res['pages_per_s'][k]:8.0f} pages/s  "
            f"{res['cpu_seconds'][k]:8.2f} CPU s ({res['cpu_ms_per_worker'][k]:.3f} ms/worker; "
            f"user {res['cpu_user_seconds'][k]:.2f} s, system {res['cpu_system_seconds'][k]:.2f} s)"
        )
    if args.json:
        emit_json(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
