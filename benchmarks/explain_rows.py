"""Explaining and writing the ranked rows: per row (the reference) against in bulk (issue 17).

Run from the repository root::

    python -m benchmarks.explain_rows                  # 512 workers x 25,000 vacancies
    python -m benchmarks.explain_rows --json

One block of workers ranked by a fitted :class:`~doorstroom_match.Matcher` (default signals,
seeded generator data), top 10. Timed, minimum of ``--repeat``:

* ``topk_shared``: scoring the block and selecting each worker's top (both paths share it);
* ``explain_reference``: ``Matcher._rank_reference`` minus the shared top-k: one worker at a
  time, ``Match`` and ``Gap`` objects and reasons per row (the code path of the batch before);
* ``explain_bulk``: ``Matcher._explain_rows``: the same rows as arrays;
* ``json_stdlib``: ``Match.to_record()`` and ``json.dumps(sort_keys=True)`` per row (before);
* ``json_orjson``: ``orjson.dumps(OPT_SORT_KEYS)`` of the same records, when orjson is installed
  (its separators and float text differ: not the bytes of ``matches.jsonl``);
* ``json_bulk``: ``_Ranked.jsonl``: the block's lines from the arrays (the same bytes as
  ``json_stdlib``, checked), with the store rows;
* ``matches_bulk``: ``_Ranked.matches``: the ``Match`` objects (only built for the bulletin).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from benchmarks._common import best_wall_cpu, emit_json, platform_info, platform_string


def _best(key: str, wall: dict, cpu: dict, fn: Any, repeat: int) -> Any:
    """``fn()`` ``repeat`` times: minimum wall and CPU seconds into ``wall[key]``,
    ``cpu[key]`` (CPU time is what compares while other jobs share the cores)."""
    wall[key], cpu[key], out = best_wall_cpu(fn, repeat)
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    from doorstroom_match.batch import _dumps
    from doorstroom_match.core import _blas_threads
    from doorstroom_match.ranking import Matcher, as_vacancies, as_workers
    from doorstroom_match.synthetic import generate_sample

    workers, vacancies, _ = generate_sample(args.workers, args.vacancies, 0, args.seed)
    wks, vacs = as_workers(workers), as_vacancies(vacancies)
    matcher = Matcher().fit(vacs)
    top = args.top
    new = np.random.default_rng(args.seed).random(len(vacs)) < 0.1
    with _blas_threads(1):
        ctx = matcher._worker_context(wks, None)
        row, col, score, within = matcher._select(ctx, top)
        found = [[] for _ in wks]
        rows = zip(row.tolist(), col.tolist(), score.tolist(), within.tolist(), strict=True)
        for i, j, s, w in rows:
            found[i].append((j, s, w))
        t: dict[str, float] = {}
        cpu: dict[str, float] = {}
        _best("topk_shared", t, cpu, lambda: matcher._select(ctx, top), args.repeat)
        ref = _best(
            "explain_reference",
            t,
            cpu,
            lambda: [matcher._explain_reference(ctx, i, r) for i, r in enumerate(found)],
            args.repeat,
        )
        ranked = _best(
            "explain_bulk",
            t,
            cpu,
            lambda: matcher._explain_rows(ctx, row, col, score, within),
            args.repeat,
        )

        def records() -> list[dict[str, Any]]:
            out = []
            for ms in ref:
                for m in ms:
                    rec = m.to_record()
                    rec["new"] = bool(new[col_of[m.vacancy_id]])
                    rec["within_commute"] = m.within_commute
                    out.append(rec)
            return out

        col_of = {v: j for j, v in enumerate(matcher.vacancy_ids_)}
        text_ref = _best(
            "json_stdlib", t, cpu, lambda: "\n".join(_dumps(r) for r in records()), args.repeat
        )
        try:
            import orjson
        except ImportError:
            orjson = None
        if orjson is not None:
            _ = _best(
                "json_orjson",
                t,
                cpu,
                lambda: b"\n".join(
                    orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records()
                ).decode(),
                args.repeat,
            )
        (text, _) = _best("json_bulk", t, cpu, lambda: ranked.jsonl(new), args.repeat)
        got = _best("matches_bulk", t, cpu, lambda: ranked.matches(), args.repeat)
    n_rows = int(row.size)
    return {
        "benchmark": "explain_rows",
        "platform": platform_string(),
        "machine": platform_info(),
        "params": {
            "workers": args.workers,
            "vacancies": args.vacancies,
            "top": top,
            "seed": args.seed,
            "repeat": args.repeat,
            "orjson": None if orjson is None else orjson.__version__,
        },
        "rows": n_rows,
        "seconds": {k: round(v, 4) for k, v in t.items()},
        "cpu_seconds": {k: round(v, 4) for k, v in cpu.items()},
        "cpu_us_per_row": {k: round(1e6 * v / max(1, n_rows), 2) for k, v in cpu.items()},
        "identical_json": text == text_ref,
        "identical_matches": got == ref,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.explain_rows", description=__doc__.split("\n")[0]
    )
    p.add_argument("--workers", type=int, default=512)
    p.add_argument("--vacancies", type=int, default=25000)
    p.add_argument("--top", type=int, default=10)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = p.parse_args(argv)
    res = run(args)
    print(f"explaining and writing {res['rows']} rows ({res['platform']})")
    for k, v in res["seconds"].items():
        c = res["cpu_us_per_row"][k]
        print(f"  {k:<18} {v:8.3f} s wall  {c:8.1f} us/row of CPU")
    print(f"  identical json: {res['identical_json']}, matches: {res['identical_matches']}")
    if args.json:
        emit_json(res)
    return 0 if res["identical_json"] and res["identical_matches"] else 1


if __name__ == "__main__":
    sys.exit(main())
