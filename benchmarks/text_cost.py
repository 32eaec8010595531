"""Fixed costs of the text side of a cold weekly batch, against today's code in the same run.

    python -m benchmarks.text_cost [--feed FEED.jsonl | --vacancies 25000] [--baseline-ref REF]
                                   [--repeat 3] [--json]

What a cold week pays before any ranking (issue 17), each stage timed in a fresh process:

``import``
    importing ``doorstroom_match.occupations`` and ``doorstroom_match.batch``;
``occ_fit``
    ``OccupationModel("fast").fit()``, the title normaliser indexing the ESCO catalogue (what
    ``default_occupation_model()`` does once per process);
``guess``
    ``OccupationModel.guess`` over the feed's distinct titles (the weekly flow's
    ``_occupation_model`` with an empty store);
``encoder_fit``
    ``batch_encoder("tfidf")`` with no store: the TF-IDF encoder (128 LSA dimensions) fitted on
    the catalogue (a cold store only; later weeks load it);
``encode``
    that encoder's vectors of the feed's distinct titles.

The baseline is the code at ``--baseline-ref`` (default: the merge base with ``main``),
extracted with ``git archive`` into a temporary folder and run by the same worker code;
baseline and current runs alternate, ``--repeat`` times each, and each stage reports its
minimum wall and CPU time. The outputs are compared in the same run: occupation guesses
(indices equal, shares within 1e-5) and batch vectors (max abs difference). The numba kernel
is compiled (and cached on disk) by an untimed warm-up run of each side first.

Data: ``--feed`` (JSONL with ``title``), or the seeded generator (``--vacancies``, seed 0).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ("import", "occ_fit", "guess", "encoder_fit", "encode")


def _worker(titles_path: str, out: str) -> None:
    """Run the stages once in this process (the package found on sys.path) and save results."""
    import numpy as np

    titles = json.loads(Path(titles_path).read_text(encoding="utf-8"))
    times: dict[str, list[float]] = {}

    def stage(name, fn):
        w, c = time.perf_counter(), time.process_time()
        r = fn()
        times[name] = [time.perf_counter() - w, time.process_time() - c]
        return r

    def _imports():
        import doorstroom_match.batch
        import doorstroom_match.occupations

        return doorstroom_match.occupations.OccupationModel, doorstroom_match.batch.batch_encoder

    occupation_model, batch_encoder = stage("import", _imports)
    occ = stage("occ_fit", lambda: occupation_model("fast").fit())
    idx, share = stage("guess", lambda: occ.guess(titles))
    enc = stage("encoder_fit", lambda: batch_encoder("tfidf", None))
    vec = stage("encode", lambda: enc.encode(titles))
    import doorstroom_match

    np.savez(out, idx=idx, share=share, vec=vec)
    Path(out + ".json").write_text(
        json.dumps({"times": times, "package": str(Path(doorstroom_match.__file__).parent)})
    )


def _titles(args: argparse.Namespace) -> list[str]:
    if args.feed:
        with open(args.feed, encoding="utf-8") as fh:
            raw = [json.loads(line).get("title") or "" for line in fh if line.strip()]
    else:
        from doorstroom_match.synthetic import generate_sample

        raw = [v["title"] for v in generate_sample(10, args.vacancies, 0, 0)[1]]
    return sorted({" ".join(t.split()) for t in raw} - {""})


def _run_side(src: Path, titles_path: Path, out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(titles_path), str(out)]
    subprocess.run(cmd, env=env, check=True, cwd=str(src))
    return json.loads(Path(str(out) + ".json").read_text())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.text_cost", description=__doc__.split("\n")[0]
    )
    p.add_argument("--feed", help="a feed JSONL (its titles); default: the seeded generator")
    p.add_argument("--vacancies", type=int, default=25000)
    p.add_argument("--baseline-ref", default=None, help="git ref of today's code (merge base)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", action="store_true")
    p.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0

    import numpy as np

    from benchmarks._common import emit_json, platform_info

    root = Path(__file__).resolve().parents[1]
    ref = (
        args.baseline_ref
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory(prefix="bench-text-") as tmp:
        tmp_p = Path(tmp)
        base_src = tmp_p / "baseline"
        base_src.mkdir()
        archive = subprocess.run(
            ["git", "archive", ref, "doorstroom_match"], cwd=root, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base_src)], input=archive, check=True)
        titles = _titles(args)
        titles_path = tmp_p / "titles.json"
        titles_path.write_text(json.dumps(titles), encoding="utf-8")
        sides = {"baseline": base_src, "current": root}
        runs: dict[str, list[dict]] = {s: [] for s in sides}
        for side, src in sides.items():  # warm-up: numba compiles and caches its kernels
            _run_side(src, titles_path, tmp_p / f"{side}-warm.npz")
        for r in range(args.repeat):
            for side, src in sides.items():
                runs[side].append(_run_side(src, titles_path, tmp_p / f"{side}-{r}.npz"))
        a = np.load(tmp_p / "baseline-0.npz")
        b = np.load(tmp_p / "current-0.npz")
        same = {
            "guess_index_equal": bool(np.array_equal(a["idx"], b["idx"])),
            "rows_with_other_guesses": int((a["idx"] != b["idx"]).any(axis=1).sum()),
            "share_max_abs_diff": float(np.abs(a["share"] - b["share"]).max()),
            "vector_max_abs_diff": float(np.abs(a["vec"] - b["vec"]).max()),
        }
    result: dict = {
        "benchmark": "text_cost",
        "baseline_ref": ref,
        "distinct_titles": len(titles),
        "repeat": args.repeat,
        "platform": platform_info(),
        "outputs": same,
    }
    print(f"{len(titles)} distinct titles; baseline {ref[:10]}; min of {args.repeat} runs")
    print(f"{'stage':<12} {'baseline wall':>14} {'cpu':>7} {'current wall':>13} {'cpu':>7} ratio")
    for side in sides:
        result[side] = {
            s: {
                "wall_s": min(x["times"][s][0] for x in runs[side]),
                "cpu_s": min(x["times"][s][1] for x in runs[side]),
            }
            for s in STAGES
        }
    for s in (*STAGES, "total"):
        if s == "total":
            for side in sides:
                result[side]["total"] = {
                    k: sum(result[side][t][k] for t in STAGES) for k in ("wall_s", "cpu_s")
                }
        bw, bc = result["baseline"][s]["wall_s"], result["baseline"][s]["cpu_s"]
        cw, cc = result["current"][s]["wall_s"], result["current"][s]["cpu_s"]
        print(f"{s:<12} {bw:>14.2f} {bc:>7.2f} {cw:>13.2f} {cc:>7.2f} {bw / max(cw, 1e-9):5.1f}x")
    print("outputs:", same)
    if args.json:
        emit_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
