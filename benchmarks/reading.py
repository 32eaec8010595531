"""Benchmark of reading the weekly input: JSON Lines of workers and vacancies into profiles.

Run from the repository root::

    python -m benchmarks.reading                          # 5,000 workers, 25,000 vacancies
    python -m benchmarks.reading --data /tmp/d5k --json   # an existing workers.jsonl/feed.jsonl
    python -m benchmarks.reading --baseline-src /tmp/before   # also the code of another tree

Data: the seeded generator of ``benchmarks.batch`` (seed 11, as the batch benchmark), written
once into a temporary folder, or ``--data``. Records/s of ``feeds.read_workers`` and
``feeds.read_vacancies`` (reading, parsing, validating, the quarantine), the minimum of
``--repeat`` runs, the variants interleaved within each round:

* ``reference``: ``json.loads`` and the full checks of ``from_record`` (``__post_init__``):
  the plain path the quick one is tested against, in this same run;
* ``quick_json``: the quick path of ``from_record`` with ``json.loads``;
* ``quick_msgspec``: what ships: the quick path with msgspec;
* ``before`` (with ``--baseline-src DIR``): the package as found in another checkout (say a
  ``git worktree`` of the commit before issue 17), read in a subprocess, same files, same rounds.

Also the parsers alone (lines/s of ``json.loads``, msgspec, and orjson when installed) on the
same lines. The figures go to ``benchmarks/README.md`` (section "Reading the input").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest import mock

from benchmarks._common import emit_json, platform_info, platform_string

FILES = {"workers": "workers.jsonl", "vacancies": "feed.jsonl"}

_BEFORE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from doorstroom_match.feeds import read_vacancies, read_workers
out = {}
for what, fn in (("workers", read_workers), ("vacancies", read_vacancies)):
    path = sys.argv[2] + "/" + {"workers": "workers.jsonl", "vacancies": "feed.jsonl"}[what]
    t0 = time.perf_counter()
    res = fn(path)
    out[what] = [time.perf_counter() - t0, len(res.items), len(res.rejected)]
print(json.dumps(out))
"""


def _variants() -> dict[str, Any]:
    from doorstroom_match import feeds
    from doorstroom_match.profiles import Vacancy, WorkerProfile

    def reference(stack: ExitStack) -> None:
        stack.enter_context(mock.patch.object(feeds, "_loads", feeds._loads_reference))
        for cls in (WorkerProfile, Vacancy):
            stack.enter_context(mock.patch.object(cls, "from_record", cls._from_record_reference))

    def quick_json(stack: ExitStack) -> None:
        stack.enter_context(mock.patch.object(feeds, "_loads", feeds._loads_reference))

    def quick_msgspec(stack: ExitStack) -> None:
        pass

    return {"reference": reference, "quick_json": quick_json, "quick_msgspec": quick_msgspec}


def _time_readers(data: Path, patch: Any) -> dict[str, list[float]]:
    from doorstroom_match.feeds import read_vacancies, read_workers

    out = {}
    with ExitStack() as stack:
        patch(stack)
        for what, fn in (("workers", read_workers), ("vacancies", read_vacancies)):
            t0 = time.perf_counter()
            res = fn(data / FILES[what])
            out[what] = [time.perf_counter() - t0, len(res.items), len(res.rejected)]
    return out


def _parsers() -> dict[str, Any]:
    import msgspec

    out: dict[str, Any] = {"json": json.loads, "msgspec": msgspec.json.Decoder().decode}
    try:
        import orjson
    except ImportError:
        pass
    else:
        out["orjson"] = orjson.loads
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Time every variant on both files; returns the JSON-able result."""
    with ExitStack() as stack:
        if args.data:
            data = Path(args.data)
        else:
            from benchmarks.batch import make_data

            data = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            make_data(data, args.workers, args.vacancies, 0, 11)
        variants = _variants()
        best: dict[str, dict[str, float]] = {}
        counts: dict[str, dict[str, list[int]]] = {}
        for _ in range(args.repeat):
            rounds = {name: _time_readers(data, patch) for name, patch in variants.items()}
            if args.baseline_src:
                proc = subprocess.run(
                    [sys.executable, "-c", _BEFORE, str(args.baseline_src), str(data)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                rounds["before"] = json.loads(proc.stdout.strip().splitlines()[-1])
            for name, per in rounds.items():
                for what, (secs, n_items, n_rejected) in per.items():
                    slot = best.setdefault(name, {})
                    slot[what] = min(slot.get(what, float("inf")), secs)
                    counts.setdefault(name, {})[what] = [n_items, n_rejected]
        n = {what: sum(counts["reference"][what]) for what in FILES}
        for name in counts:  # every variant read the same lines into the same outcome
            assert counts[name] == counts["reference"], (name, counts[name])
        parse: dict[str, dict[str, float]] = {}
        for what, name in FILES.items():
            lines = [line for line in (data / name).read_text("utf-8").splitlines() if line.strip()]
            for pname, fn in _parsers().items():
                secs = float("inf")
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    for line in lines:
                        fn(line)
                    secs = min(secs, time.perf_counter() - t0)
                parse.setdefault(pname, {})[what] = len(lines) / secs
    rates = {
        name: {what: n[what] / secs for what, secs in per.items()} for name, per in best.items()
    }
    base = "before" if "before" in rates else "reference"
    return {
        "benchmark": "reading",
        "platform": platform_string(),
        "machine": platform_info(),
        "lines": n,
        "repeat": args.repeat,
        "seconds": best,
        "records_per_s": rates,
        "speedup_vs_reference": {
            name: {what: rates[name][what] / rates["reference"][what] for what in FILES}
            for name in rates
        },
        "speedup_vs_" + base: {
            name: {what: rates[name][what] / rates[base][what] for what in FILES} for name in rates
        },
        "parse_lines_per_s": parse,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=5000)
    ap.add_argument("--vacancies", type=int, default=25000)
    ap.add_argument("--data", help="a folder with workers.jsonl and feed.jsonl (else generated)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline-src", help="the root of another checkout, read in a subprocess")
    ap.add_argument("--json", action="store_true", help="last stdout line: one JSON object")
    args = ap.parse_args(argv)
    res = run(args)
    print(res["platform"])
    print(f"lines: {res['lines']}, min of {res['repeat']}")
    print(f"{'variant':<15}{'workers/s':>12}{'vacancies/s':>14}{'x ref (w)':>11}{'x ref (v)':>11}")
    for name, r in res["records_per_s"].items():
        s = res["speedup_vs_reference"][name]
        print(
            f"{name:<15}{r['workers']:>12,.0f}{r['vacancies']:>14,.0f}"
            f"{s['workers']:>11.2f}{s['vacancies']:>11.2f}"
        )
    print("parsers alone (lines/s):")
    for name, r in res["parse_lines_per_s"].items():
        print(f"  {name:<13}{r['workers']:>12,.0f}{r['vacancies']:>14,.0f}")
    if args.json:
        emit_json(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
