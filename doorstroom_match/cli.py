"""The ``doorstroom-match`` command: a thin layer over :mod:`doorstroom_match.batch` and the store.

Commands::

    doorstroom-match batch --workers WORKERS --feed FEED --out OUTDIR [--top K] [--places PLACES]
                           [--store PATH] [--date YYYY-MM-DD | --week YYYY-Www]
                           [--encoder tfidf|sentence-transformers|hybrid|none]
                           [--text title|text] [--scheduler ADDRESS] [--block-size N]
                           [--delimiter CHAR] [--no-progress]
    doorstroom-match outcome record --store S WORKER VACANCY EVENT [--date YYYY-MM-DD]
    doorstroom-match outcome report --store S [--date YYYY-MM-DD] [--json] [--out OUTDIR]
    doorstroom-match feedback WORKER VACANCY --status STATUS --store S [--note TEXT]
                              [--date YYYY-MM-DD]
    doorstroom-match forget WORKER_ID --store S [--out OUTDIR]
    doorstroom-match sample --out DIR [--workers N --vacancies N --places N --seed S]
                            [--week N] [--broken N] [--data-dir PATH]
    doorstroom-match template ratings --out ratings.xlsx [--worker ID ...] [--rater R ...]

Exit status: 0 when the command completed (a batch with rejected lines included: they are
reported on standard error); 1 when it could not run (a missing file, no valid worker or
vacancy, an unusable store: empty, not SQLite, another program's, damaged; another run busy
with the same output folder), with a one-line message and no traceback; 2 for a wrong command
line; 130 when interrupted.

Messages carry worker ids only, never levels or limits.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from ._exceptions import DoorstroomError

__all__ = ["main", "build_parser"]

_EPILOG = "Exit status: 0 done (rejected lines included), 1 could not run, 2 bad command line."


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``doorstroom-match``."""
    p = argparse.ArgumentParser(
        prog="doorstroom-match",
        description="Weekly matching of social-economy workers with regular vacancies and "
        "internship places.",
        epilog=_EPILOG,
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    b = sub.add_parser(
        "batch",
        help="match every worker against the week's feed (incremental)",
        description="Match every worker against the week's vacancy feed and internship places; "
        "write OUTDIR/matches.jsonl, OUTDIR/rejected.jsonl, OUTDIR/summary.json and the HTML "
        "bulletin in OUTDIR/bulletin/.",
        epilog=_EPILOG,
    )
    b.add_argument("--workers", required=True, type=Path, help="workers, JSON Lines or .csv")
    b.add_argument("--feed", required=True, type=Path, help="vacancy feed, JSON Lines or .csv")
    b.add_argument("--out", required=True, type=Path, metavar="OUTDIR", help="output folder")
    b.add_argument("--top", type=int, default=10, metavar="K", help="rows per worker (default 10)")
    b.add_argument("--places", type=Path, help="partner internship places, JSON Lines or .csv")
    b.add_argument(
        "--ratings",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="ratings (worker, rater, competence, level; JSON Lines or .csv), one or more files "
        "such as a stored history: raters are calibrated and rated workers get fair levels",
    )
    b.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="blocks of workers ranked at once (default: every usable CPU, after the affinity "
        "mask and a cgroup CPU quota); same output for any N",
    )
    b.add_argument(
        "--no-increment",
        action="store_true",
        help="rank every worker against every vacancy (default: unchanged workers only against "
        "new and changed vacancies, merged with last week's lists; the same output)",
    )
    b.add_argument(
        "--delimiter",
        metavar="CHAR",
        help="delimiter of .csv inputs: ',', ';', 'tab', ... (default: sniffed from each header)",
    )
    b.add_argument(
        "--store",
        type=Path,
        help="SQLite state file kept from week to week (default OUTDIR/state.sqlite)",
    )
    when = b.add_mutually_exclusive_group()
    when.add_argument(
        "--date",
        dest="run_date",
        metavar="YYYY-MM-DD",
        help="run date (default today): expiry of valid_until and 'new this week'",
    )
    when.add_argument(
        "--week",
        dest="run_date",
        metavar="YYYY-Www",
        help="run date as an ISO week (its Monday) or a date",
    )
    b.add_argument(
        "--encoder",
        default="tfidf",
        choices=["tfidf", "sentence-transformers", "st", "hybrid", "none"],
        help="text encoder for job target vs vacancy (default tfidf, fitted on the ESCO "
        "catalogue; 'none' switches text similarity off)",
    )
    b.add_argument(
        "--text",
        dest="text_field",
        default="title",
        choices=["title", "text"],
        help="what of a vacancy is encoded: its title (default) or title and description",
    )
    b.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address for scoring")
    b.add_argument(
        "--block-size",
        type=int,
        default=256,
        metavar="N",
        help="workers per scoring block (default 256)",
    )
    b.add_argument("--no-bulletin", action="store_true", help="skip the HTML bulletin")
    b.add_argument("--no-progress", action="store_true", help="no progress bars")
    b.set_defaults(func=_cmd_batch)

    o = sub.add_parser("outcome", help="record or report outcomes (after-care, monitoring)")
    osub = o.add_subparsers(dest="outcome_command", metavar="ACTION")
    osub.required = True
    from .store import OUTCOME_EVENTS

    rec = osub.add_parser("record", help="record what happened for a worker and a vacancy")
    rec.add_argument("--store", required=True, type=Path, help="SQLite state file")
    rec.add_argument("worker", metavar="WORKER")
    rec.add_argument(
        "vacancy",
        metavar="VACANCY",
        help="vacancy or place id; '-' for an event about the worker alone (internal_move, "
        "job_target_clarified, returned_after_try, aftercare_3m, aftercare_6m)",
    )
    rec.add_argument(
        "event", metavar="EVENT", choices=OUTCOME_EVENTS, help="one of " + ", ".join(OUTCOME_EVENTS)
    )
    rec.add_argument("--date", help="when it happened, YYYY-MM-DD (default today)")
    rec.set_defaults(func=_cmd_outcome_record)

    rep = osub.add_parser("report", help="the success rates, each over its own denominator")
    rep.add_argument("--store", required=True, type=Path, help="SQLite state file")
    rep.add_argument("--date", help="report date, YYYY-MM-DD (default today)")
    rep.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    rep.add_argument(
        "--out",
        type=Path,
        metavar="OUTDIR",
        help="also write OUTDIR/bulletin/outcomes.html and OUTDIR/bulletin/outcomes.csv",
    )
    rep.set_defaults(func=_cmd_outcome_report)

    _add_feedback_parser(sub)

    f = sub.add_parser("forget", help="remove a worker from the store (and an output folder)")
    f.add_argument("worker", metavar="WORKER_ID")
    f.add_argument("--store", required=True, type=Path, help="SQLite state file")
    f.add_argument(
        "--out",
        type=Path,
        metavar="OUTDIR",
        help="also remove the worker from OUTDIR's matches, rejected rows and bulletin",
    )
    f.set_defaults(func=_cmd_forget)
    _add_sample_parser(sub)
    _add_template_parser(sub)
    return p


def _add_feedback_parser(sub: argparse._SubParsersAction) -> None:
    from .feedback import FEEDBACK_STATUSES

    fb = sub.add_parser(
        "feedback",
        help="the coach's word on a suggestion (next week's list takes it into account)",
        description="Record how a suggestion went: 'niet_relevant' is not suggested to the "
        "worker again, 'gesolliciteerd' is shown as such on the bulletin, and the outcome "
        "report counts 'gesolliciteerd' as applied and 'aangenomen' as hired.",
        epilog=_EPILOG,
    )
    fb.add_argument("worker", metavar="WORKER")
    fb.add_argument("vacancy", metavar="VACANCY")
    fb.add_argument(
        "--status", required=True, choices=FEEDBACK_STATUSES, help=" | ".join(FEEDBACK_STATUSES)
    )
    fb.add_argument("--note", help="a short note for the coach (removed by 'forget')")
    fb.add_argument("--store", required=True, type=Path, help="SQLite state file")
    fb.add_argument("--date", help="when, YYYY-MM-DD (default today)")
    fb.set_defaults(func=_cmd_feedback)


def _cmd_feedback(args: argparse.Namespace) -> int:
    from .store import Store

    with Store(_existing_store(args.store)) as st:
        st.record_feedback(args.worker, args.vacancy, args.status, note=args.note, date=args.date)
    print(f"recorded {args.status} for worker {args.worker} and {args.vacancy}")
    return 0


def _add_template_parser(sub) -> None:
    t = sub.add_parser(
        "template",
        help="write a form to fill in (the ratings workbook)",
        description="Write a form to fill in. 'ratings': an .xlsx workbook with one rating per "
        "row (worker, rater, competence, indicator, level), drop-downs for the rater, the "
        "competence and the four levels, and the competence list with what each level means. "
        "Read it back with --workers in 'batch' or doorstroom_match.forms.read_ratings_form. "
        "Needs openpyxl (the 'forms' extra).",
        epilog=_EPILOG,
    )
    t.add_argument("form", choices=["ratings"], help="which form")
    t.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")
    t.add_argument(
        "--worker",
        dest="workers",
        action="append",
        default=[],
        metavar="ID",
        help="prefill rows for this worker id (repeat for more)",
    )
    t.add_argument(
        "--rater",
        dest="raters",
        action="append",
        default=None,
        metavar="R",
        help="raters offered (default assessor, begeleider, zelf; repeat for more)",
    )
    t.set_defaults(func=_cmd_template)


def _cmd_template(args: argparse.Namespace) -> int:
    from .forms import RATERS, write_ratings_template

    path = write_ratings_template(args.out, args.workers, raters=args.raters or RATERS)
    print(f"wrote {path}")
    return 0


def _add_sample_parser(sub) -> None:
    from .synthetic.generate import add_arguments

    s = sub.add_parser(
        "sample",
        help="write seeded synthetic sample data (workers, feed, places)",
        description="Write seeded synthetic workers.jsonl, feed.jsonl, places.jsonl and "
        "truth.csv to DIR, from the reference data shipped in the package.",
        epilog=_EPILOG,
    )
    add_arguments(s)
    s.set_defaults(func=_cmd_sample)


def _cmd_sample(args: argparse.Namespace) -> int:
    import time

    from .synthetic import write_sample

    t0 = time.perf_counter()
    written = write_sample(
        args.out,
        args.workers,
        args.vacancies,
        args.places,
        args.seed,
        week=args.week,
        broken=args.broken,
        data_dir=args.data_dir,
    )
    for path in written:
        print(f"wrote {path}")
    print(
        f"{args.workers} workers, {args.vacancies} vacancies, {args.places} places "
        f"(seed {args.seed}) in {time.perf_counter() - t0:.2f} s"
    )
    return 0


def _existing_store(path: Path) -> Path:
    from ._exceptions import FeedError

    if not path.is_file():
        raise FeedError(f"--store: no store at {str(path)!r} (a batch run creates it)")
    return path


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch import run_batch

    progress = not args.no_progress and sys.stderr.isatty()
    res = run_batch(
        args.workers,
        args.feed,
        args.out,
        places=args.places,
        top=args.top,
        store=args.store,
        run_date=args.run_date,
        encoder=args.encoder,
        text_field=args.text_field,
        scheduler=args.scheduler,
        block_size=args.block_size,
        progress=progress,
        bulletin=not args.no_bulletin,
        ratings=args.ratings,
        delimiter=args.delimiter,
        jobs=args.jobs,
        incremental=not args.no_increment,
    )
    print(res.summary())
    if res.n_rejected:
        print(f"{res.n_rejected} rows rejected, see {res.rejected_path}", file=sys.stderr)
    return 0


def _cmd_outcome_record(args: argparse.Namespace) -> int:
    from .store import Store

    with Store(_existing_store(args.store)) as st:
        vacancy = None if args.vacancy == "-" else args.vacancy
        st.record_outcome(args.worker, vacancy, args.event, args.date)
    print(f"recorded {args.event} for worker {args.worker} and {args.vacancy}")
    return 0


def _cmd_outcome_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from .store import Store

    as_of = args.date or dt.date.today().isoformat()
    with Store(_existing_store(args.store)) as st:
        rates = st.outcome_report(as_of)
    if args.json:
        print(
            json.dumps(
                {"as_of": as_of, "rates": [r.to_record() for r in rates]},
                ensure_ascii=False,
                sort_keys=True,
            )
        )
    else:
        print(f"outcomes as of {as_of} (each rate over its own group of workers)")
        for r in rates:
            pct = "    -" if r.rate is None else f"{100 * r.rate:4.0f}%"
            print(f"  {r.name:<42} {pct}  {r.numerator:>5} / {r.denominator:<5}  of {r.of}")
    if args.out is not None:
        from .bulletin import render_outcomes
        from .store import outcome_csv

        path = render_outcomes(args.out, {"rates": rates, "as_of": as_of})
        csv_path = path.with_suffix(".csv")
        outcome_csv(rates, csv_path)
        print(f"written {path} and {csv_path}", file=sys.stderr)
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from .batch import forget_worker

    res = forget_worker(args.worker, _existing_store(args.store), out_dir=args.out)
    total = sum(res.store_rows.values())
    print(
        f"worker {args.worker}: {total} store rows removed "
        f"({', '.join(f'{k} {v}' for k, v in sorted(res.store_rows.items()))})"
    )
    for path, n in sorted(res.file_rows.items()):
        print(f"  {path}: {n} rows removed")
    for path in res.files_deleted:
        print(
            f"  {path}: removed (it mentioned the worker outside its own section; "
            "run the batch again to regenerate it)"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``doorstroom-match``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="doorstroom-match: %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("doorstroom-match: interrupted; the store is unchanged for this run", file=sys.stderr)
        return 130
    except sqlite3.DatabaseError as exc:  # damage the opening checks could not see
        print(
            f"doorstroom-match {args.command}: error: the store is damaged ({exc}); "
            "restore it from a backup",
            file=sys.stderr,
        )
        return 1
    except (DoorstroomError, OSError) as exc:
        msg = (
            str(exc)
            if not isinstance(exc, OSError) or not exc.strerror
            else (f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror)
        )
        print(f"doorstroom-match {args.command}: error: {msg}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
