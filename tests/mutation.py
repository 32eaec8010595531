"""Mutation testing of the modules that carry the rules coaches rely on (``make mutation``).

Run one module at a time (each in its own scratch copy under ``build/mutation/<name>``) with
only the tests that cover it::

    python -m tests.mutation                 # every module below, most important first
    python -m tests.mutation core profiles   # some of them
    python -m tests.mutation --list          # the modules and their tests

The tool is mutmut 3 (see ``tests/README.md`` for why, rather than cosmic-ray). mutmut rewrites
every function into a trampoline that numba cannot compile, so under mutation the numba kernels
run as plain Python (``DOORSTROOM_MUTATION=1`` makes ``tests/conftest.py`` switch the compiled
path off): the kernels are written to run unchanged without numba, and the tests already check
the plain-Python path against the compiled one and against brute force.

The score is ``killed / (mutants - equivalent)``; mutants that no selected test reaches count
as survivors. Equivalent mutants are listed, each with a one-line reason, in
``tests/mutation_equivalent.toml``. The summary of each module is written to
``build/mutation/<name>.json`` and printed as one line.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "mutation"
EQUIVALENT = Path(__file__).with_name("mutation_equivalent.toml")

#: module name -> (source file, the tests that cover its rules). Most important first.
MODULES: dict[str, tuple[str, list[str]]] = {
    "core": (
        "doorstroom_match/core.py",
        [
            "tests/test_rules_distance.py",
            "tests/test_rules_topk.py",
            *(
                f"tests/test_core.py::{t}"
                for t in (
                    "test_distance_matches_loop",
                    "test_distance_exact_with_dyadic_weights",
                    "test_pass_iff_distance_zero",
                    "test_lookup_table_kernels_as_plain_python",
                    "test_fused_topk_kernel_sums_like_the_table_kernel",
                    "test_raising_a_level_never_increases_a_distance",
                    "test_select_smallest_equals_reference",
                    "test_select_smallest_tie_heavy_rows",
                    "test_partition_reference_breaks_ties_by_lower_index",
                    "test_blocked_topk_equals_brute_force",
                )
            ),
        ],
    ),
    "topk": (
        "doorstroom_match/core.py",
        [
            "tests/test_rules_topk_paths.py",
            "tests/test_rules_topk.py",
            *(
                f"tests/test_core.py::{t}"
                for t in (
                    "test_topk_zero_max_distance_keeps_passing_pairs_only",
                    "test_select_smallest_equals_reference",
                    "test_select_smallest_tie_heavy_rows",
                    "test_partition_reference_breaks_ties_by_lower_index",
                    "test_blocked_topk_equals_brute_force",
                )
            ),
        ],
    ),
    # the fused top-k kernel (the default path of topk_by_distance since 2 December 2026):
    # under mutation numba is off, so the kernel runs as Python against brute force
    "topk_fused": (
        "doorstroom_match/core.py",
        [
            "tests/test_core.py::test_fused_topk_kernel_as_plain_python",
            "tests/test_core.py::test_fused_topk_kernel_sums_like_the_table_kernel",
        ],
    ),
    "profiles": (
        "doorstroom_match/profiles.py",
        [
            "tests/test_rules_profiles.py",
            "tests/test_rules_aggregation.py",
            "tests/test_profiles.py",
        ],
    ),
    "assignment": (
        "doorstroom_match/assignment.py",
        [
            "tests/test_rules_assignment.py",
            "tests/test_rules_assignment_result.py",
            "tests/test_rules_bvs.py",
            "tests/test_rules_bvs_history.py",
            *(
                f"tests/test_assignment.py::{t}"
                for t in (
                    "test_optimal_against_brute_force",
                    "test_cardinality_first_example",
                    "test_zero_and_negative_costs",
                    "test_sparse_and_dense_agree",
                    "test_max_cost_forbids_pairs",
                    "test_infeasible_instance_reports_unassigned",
                    "test_grouped_solver_with_tiers_against_brute_force",
                    "test_tiers_through_assign_against_brute_force",
                    "test_bvs_rules_company_and_post",
                    "test_bvs_unknown_employer_and_post_count_as_their_own",
                )
            ),
        ],
    ),
    "forget": (
        "doorstroom_match/batch.py",
        [
            "tests/test_rules_forget.py",
            "tests/test_rules_forget_files.py",
            "tests/test_rules_forget_store.py",
        ],
    ),
    "competences": (
        "doorstroom_match/competences.py",
        [
            "tests/test_competences.py",
            "tests/test_rules_competences.py",
            "tests/test_rules_competence_names.py",
        ],
    ),
    "feeds": (
        "doorstroom_match/feeds.py",
        ["tests/test_feeds.py", "tests/test_rules_feeds_csv.py", "tests/test_rules_feeds_jsonl.py"],
    ),
    "occupations": (
        "doorstroom_match/occupations.py",
        # test_flow's occupation tests fit the model on the whole ESCO catalogue (seconds a
        # mutant); these rule tests use a hand-built catalogue
        ["tests/test_rules_occupations.py"],
    ),
    "calibration": (
        "doorstroom_match/calibration.py",
        [
            "tests/test_rules_calibration.py",
            *(
                f"tests/test_calibration.py::{t}"
                for t in (
                    "test_fit_statistics_and_fair_levels_match_a_plain_loop",
                    "test_plain_levels_follow_aggregate_ratings",
                    "test_disconnected_raters_are_reported_and_centred_per_subset",
                    "test_self_assessment_is_its_own_facet",
                    "test_ids_numbered_alike_stay_apart",
                    "test_extremes_thin_raters_and_unused_levels",
                    "test_bad_records_raise",
                    "test_bad_parameters_and_lookups_raise",
                    "test_cutoff_changes_match_a_plain_loop",
                    "test_from_ratings_uses_the_fair_levels",
                    "test_read_ratings_csv_and_jsonl",
                )
            ),
        ],
    ),
}

#: The functions (mutmut's mangled names) whose mutants count: the ones that carry the rules.
#: The CPU of the shared machine does not allow every mutant of every module in one session;
#: a module without an entry is mutated whole.
FUNCTIONS: dict[str, tuple[str, ...]] = {
    # distance: shortfall, cut-off, threshold features, the lookup-table kernels
    "core": (
        "x_cutoff_matrix",
        "x_shortfall_matrix",
        "x_pair_shortfall",
        "x_level_features",
        "x_requirement_features",
        "x__lut_build_kernel",
        "x__lut_fill_kernel",
    ),
    # the top-k rule (smallest first, ties by lower column, -0.0 == 0.0, exclusions): the
    # sortable keys, the fast path's tie path and the reference partition
    "topk": (
        "x__sortable_bits",
        "x__pack_keys",
        "x__select_smallest_partition",
        "x__select_smallest_reference",
        "x__select_ties",
    ),
    "topk_fused": ("x__lut_topk_kernel",),
    # rater aggregation
    "profiles": ("x__rater_key", "x_aggregate_ratings", "xǁWorkerProfileǁfrom_ratings"),
    # the solvers' "placed first" and the BVS rule
    "assignment": (
        "x__big_m",
        "x__solve_dense",
        "x__solve_lapjvsp",
        "x__slots",
        "x__slot_to_place",
        "x__finish",
        "x__tier_costs",
        "x__bvs_key",
        "x__worker_bvs_history",
    ),
    # forget, not the rest of the weekly batch
    "forget": (
        "x__id_forms",
        "x__rejected_mentions",
        "x__forget",
        "x__mentions",
        "x__names_worker",
        "x__rewrite_jsonl",
        "x__cut_html",
        "x_forget_worker",
    ),
    # name normalisation, resolution and did-you-mean
    "competences": (
        "x_normalise_name",
        "xǁCompetenceDictionaryǁsuggest",
        "xǁCompetenceDictionaryǁresolve",
    ),
    # occupation anchoring: guesses and their shares, the ISCO-tree affinity, inferred
    # cut-offs and the importance table they come from (not fit's settings checks)
    "occupations": (
        "x__softmax",
        "xǁOccupationModelǁguess",
        "xǁOccupationModelǁremember",
        "xǁOccupationModelǁknown",
        "xǁOccupationModelǁtop",
        "xǁOccupationModelǁisco",
        "xǁOccupationModelǁisco_group",
        "xǁOccupationModelǁfeatures",
        "xǁOccupationModelǁaffinity",
        "xǁOccupationModelǁinferred_requirements",
        "xǁOccupationModelǁphysical_demand",
        "x_importance_table",
    ),
    # calibration: the rules around the estimation (records, plain levels and their rounding,
    # disagreements, connectedness, fit statistics, cut-off changes, feedback, the ratings
    # file, fair levels into profiles); not the Newton solver (_mfrm.py) nor _estimate's
    # numerical loop, which test_calibration.py checks against L-BFGS and finite differences
    "calibration": (
        "x__check_key",
        "x__parse",
        "x__components",
        "x__fit_stats",
        "x__expected",
        "x__round_half_down",
        "xǁRaterCalibrationǁdisagreements",
        "xǁRaterCalibrationǁfeedback",
        "x__requirement_sets",
        "x_cutoff_changes",
        "x_read_ratings",
        "x_with_fair_levels",
    ),
}

KILLED = {1, 3}  # pytest: tests failed / internal error
TIMEOUT = {36, -24, 24, 152, 255}


def _plain_name(mangled: str) -> str:
    """``x__big_m`` -> ``_big_m``; ``xǁCompetenceDictionaryǁsuggest`` -> ``suggest``."""
    return mangled.split("ǁ")[-1] if "ǁ" in mangled else mangled.removeprefix("x_")


def _mutmut_section(name: str, source: str, tests: list[str]) -> str:
    funcs = FUNCTIONS.get(name)
    skip = []
    if funcs:
        # a matched "def" line leaves that whole function unmutated: generating the mutants
        # of functions that are not measured costs minutes on a shared machine
        keep = "|".join(sorted({_plain_name(f) for f in funcs}))
        skip = [rf"^\s*def (?!(?:{keep})\b)\w+"]
    lines = [
        "",
        "[tool.mutmut]",
        f"do_not_mutate_patterns = {json.dumps(skip)}",
        'source_paths = ["doorstroom_match"]',
        'also_copy = ["datasets"]',
        f"only_mutate = {json.dumps([source])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]',
        "use_git_change_detection = false",
        # a mutant's CPU-time limit is (estimate + 1 s) x multiplier x 2; mutmut's default 15
        # let one endless loop of the tie step run for minutes: 5 still gives 10x the CPU
        # time the tests take unmutated (CPU time, so the machine's load does not count)
        "timeout_multiplier = 5.0",
        "",
    ]
    return "\n".join(lines)


def _skip_unmeasured(path: Path, keep: set[str]) -> None:
    """Mark every function of ``path`` that is not measured ``# pragma: no mutate block``.

    mutmut's ``do_not_mutate_patterns`` only skips the matching *lines*; the pragma on a
    ``def`` header skips the whole function, so mutmut neither generates its mutants nor wraps
    it in a trampoline (generating every mutant of a 1,500-line module took 12 minutes on the
    loaded machine). Mutants are numbered per function, so the names of the measured ones do
    not change. Module-level functions and methods of module-level classes are marked.
    """
    lines = path.read_text("utf-8").split("\n")
    tree = ast.parse("\n".join(lines))
    defs = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.append(node)
        elif isinstance(node, ast.ClassDef):
            defs += [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for node in defs:
        if node.name in keep:
            continue
        # the header ends on the last line before the body that ends with ":" (comments aside)
        for ln in range(node.body[0].lineno - 1, node.lineno - 1, -1):
            code = lines[ln - 1].split("#", 1)[0].rstrip()
            if code.endswith(":"):
                sep = "  " if "#" not in lines[ln - 1] else " "
                lines[ln - 1] = lines[ln - 1].rstrip() + sep + "# pragma: no mutate block"
                break
    path.write_text("\n".join(lines), "utf-8")


def _prepare(name: str) -> Path:
    source, tests = MODULES[name]
    tests = [t for t in tests if (ROOT / t.split("::")[0]).is_file()]
    work = BUILD / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    shutil.copytree(ROOT / "doorstroom_match", work / "doorstroom_match", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    for extra in ("README.md",):
        shutil.copy2(ROOT / extra, work / extra)
    # the bundled sample: test_feeds checks the broken feeds against their manifests
    shutil.copytree(ROOT / "datasets" / "sample", work / "datasets" / "sample", ignore=ignore)
    if FUNCTIONS.get(name):
        _skip_unmeasured(work / source, {_plain_name(f) for f in FUNCTIONS[name]})
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    (work / "pyproject.toml").write_text(text + _mutmut_section(name, source, tests), "utf-8")
    return work


def _equivalent(name: str) -> dict[str, str]:
    if not EQUIVALENT.is_file():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text("utf-8"))
    return dict(data.get(name, {}))


def _results(work: Path, source: str) -> dict[str, int | None]:
    meta = work / "mutants" / (source + ".meta")
    data = json.loads(meta.read_text("utf-8"))
    return dict(data["exit_code_by_key"])


def _selected(name: str, codes: dict[str, int | None]) -> dict[str, int | None]:
    funcs = FUNCTIONS.get(name)
    if not funcs:
        return codes
    keep = {}
    for key, code in codes.items():
        # keys look like doorstroom_match.batch.x_forget_worker__mutmut_3
        func = key.rsplit(".", 1)[-1].split("__mutmut_")[0]
        if func in funcs:
            keep[key] = code
    return keep


def summarise(name: str, codes: dict[str, int | None], seconds: float) -> dict:
    equivalent = _equivalent(name)
    eq = {k for k in codes if k.rsplit(".", 1)[-1] in equivalent or k in equivalent}
    killed = sorted(k for k, c in codes.items() if c in KILLED and k not in eq)
    timeout = sorted(k for k, c in codes.items() if c in TIMEOUT and k not in eq)
    survived = sorted(k for k, c in codes.items() if c == 0 and k not in eq)
    no_tests = sorted(k for k, c in codes.items() if c in (5, 33) and k not in eq)
    unchecked = sorted(k for k, c in codes.items() if c is None and k not in eq)
    other = sorted(
        k
        for k, c in codes.items()
        if k not in eq and c is not None and c not in KILLED | TIMEOUT | {0, 5, 33}
    )
    # a timeout is a detected mutant (an endless loop is a failure a coach would notice);
    # mutants not checked yet (an interrupted run) are left out of the score and counted
    detected = len(killed) + len(timeout)
    relevant = len(codes) - len(eq) - len(unchecked)
    return {
        "module": name,
        "source": MODULES[name][0],
        "mutants": len(codes),
        "equivalent": len(eq),
        "killed": len(killed),
        "timeout": len(timeout),
        "survived": survived,
        "no_tests": no_tests,
        "not_checked": len(unchecked),
        "other": other,
        "score": round(100.0 * detected / relevant, 1) if relevant else None,
        "seconds": round(seconds),
    }


_RECHECK = """
import os, sys, json, signal
import pytest
names, tests = json.loads(sys.argv[1]), json.loads(sys.argv[2])

def too_long(signum, frame):  # a mutant that loops: a timeout, which counts as detected
    raise TimeoutError("mutant ran past 60 CPU seconds")

signal.signal(signal.SIGPROF, too_long)
out = {}
for name in names:
    os.environ["MUTANT_UNDER_TEST"] = name
    signal.setitimer(signal.ITIMER_PROF, 60)
    code = pytest.main([*tests, "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"])
    signal.setitimer(signal.ITIMER_PROF, 0)
    out[name] = int(code)
    print("RESULT", name, int(code), flush=True)
print("RESULTS", json.dumps(out))
"""


def recheck(
    name: str, *, whole: bool = False, unchecked: bool = False, only: list[str] | None = None
) -> dict:
    """Run the survivors (and the mutants no test reached) of the last run again, against the
    rule tests (``tests/test_rules_*.py`` of the module) as they are now.

    The survivors already passed every other selected test, so only the rule tests can change
    their verdict. Same mechanism as mutmut (its trampolines, ``MUTANT_UNDER_TEST``), in one
    warm process; the verdicts are written back to mutmut's results.
    """
    source, tests = MODULES[name]
    work = BUILD / name
    rule_tests = [t for t in tests if Path(t).name.startswith("test_rules_")]
    if only:  # some of the rule tests (the ones written for these survivors)
        rule_tests = [t for t in rule_tests if any(o in t for o in only)]
    meta_path = work / "mutants" / (source + ".meta")
    meta = json.loads(meta_path.read_text("utf-8"))
    codes = meta["exit_code_by_key"] if whole else _selected(name, meta["exit_code_by_key"])
    redo = (0, 5, 33, None) if unchecked else (0, 5, 33)
    equivalent = _equivalent(name)  # listed as equivalent: every test passes, by design
    todo = sorted(
        k for k, c in codes.items() if c in redo and k.rsplit(".", 1)[-1] not in equivalent
    )
    if not todo or not rule_tests:
        return report(name, whole=whole)
    shutil.copytree(ROOT / "tests", work / "mutants" / "tests", dirs_exist_ok=True)
    env = dict(os.environ, DOORSTROOM_MUTATION="1", PYTHONDONTWRITEBYTECODE="1")
    t0 = time.perf_counter()
    log = (BUILD / f"{name}.recheck.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", _RECHECK, json.dumps(todo), json.dumps(rule_tests)],
        cwd=work / "mutants",
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert proc.stdout is not None
    for out_line in proc.stdout:
        log.write(out_line)
        if out_line.startswith("RESULT "):
            _, key, code = out_line.split()
            if code in ("1", "3"):  # a rule test failed: killed; saved at once (a stop keeps it)
                meta["exit_code_by_key"][key] = 1
            elif meta["exit_code_by_key"][key] is None:  # never run, and the rule tests pass
                meta["exit_code_by_key"][key] = 0
            meta_path.write_text(json.dumps(meta), "utf-8")
    log.close()
    if proc.wait() != 0:
        raise SystemExit(f"recheck failed for {name}; see {log.name}")
    summary = report(name, whole=whole)
    summary["recheck_seconds"] = round(time.perf_counter() - t0)
    return summary


def report(name: str, *, whole: bool = False) -> dict:
    """The summary of the results so far (also of an interrupted run)."""
    source, _ = MODULES[name]
    codes = _results(BUILD / name, source)
    summary = summarise(name, codes if whole else _selected(name, codes), 0.0)
    (BUILD / f"{name}.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return summary


def run(name: str, max_children: int, *, keep: bool = False) -> dict:
    source, _ = MODULES[name]
    work = BUILD / name if keep and (BUILD / name).is_dir() else _prepare(name)
    env = dict(os.environ, DOORSTROOM_MUTATION="1", PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    if name in FUNCTIONS:
        mod = source.removesuffix(".py").replace("/", ".")
        cmd += [f"{mod}.{f}__mutmut_*" for f in FUNCTIONS[name]]
    t0 = time.perf_counter()
    log = (BUILD / f"{name}.log").open("w")
    proc = subprocess.run(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"mutmut failed for {name} (exit {proc.returncode}); see {log.name}")
    summary = summarise(name, _selected(name, _results(work, source)), seconds)
    (BUILD / f"{name}.json").write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--list", action="store_true", help="show the modules and their tests")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutant runs")
    parser.add_argument(
        "--keep", action="store_true", help="continue in the existing scratch copy (results kept)"
    )
    parser.add_argument(
        "--report", action="store_true", help="only summarise the results so far, run nothing"
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="with --report or --recheck: every function of the module",
    )
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run the survivors of the last run again against the current rule tests",
    )
    parser.add_argument(
        "--unchecked",
        action="store_true",
        help="with --recheck: also the mutants an interrupted run never reached (against the "
        "rule tests only, so their score is a lower bound)",
    )
    parser.add_argument(
        "--only",
        action="append",
        help="with --recheck: only the rule test files whose path contains this (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.list:
        for name, (source, tests) in MODULES.items():
            print(f"{name:12} {source:34} {' '.join(tests)}")
        return 0
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
    BUILD.mkdir(parents=True, exist_ok=True)
    for name in args.modules or list(MODULES):
        if args.recheck:
            s = recheck(name, whole=args.whole, unchecked=args.unchecked, only=args.only)
        elif args.report:
            s = report(name, whole=args.whole)
        else:
            s = run(name, args.max_children, keep=args.keep)
        print(
            f"{s['module']:12} score {s['score']}%  killed {s['killed']} + timeout {s['timeout']}"
            f" of {s['mutants'] - s['equivalent'] - s['not_checked']} checked"
            f" (equivalent {s['equivalent']}), survived {len(s['survived'])},"
            f" no tests {len(s['no_tests'])}, not checked yet {s['not_checked']},"
            f" {s['seconds']} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
