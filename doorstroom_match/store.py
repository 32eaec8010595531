"""The batch's memory: one SQLite file (standard library ``sqlite3``, WAL journal).

What it keeps, table by table:

``vacancies``
    Every vacancy and internship place seen: ``id``, content ``hash``, ``text_key`` (hash of the
    encoded text), ``first_seen`` / ``last_seen`` (run dates), ``valid_until``, ``status``
    (``active``, ``expired``: in the feed but past ``valid_until``; ``gone``: no longer in the
    feed). A vacancy is *new this week* when no earlier week saw it.
``embeddings``
    The text-vector cache of :class:`doorstroom_match.text.EmbeddingCache`, pointed at the same
    file: (encoder ``fingerprint``, SHA-256 of the text) -> float32 vector, so next week only
    new or changed texts are encoded. After each week, vectors of texts that no vacancy in the
    feed uses any more are pruned.
``artifacts``
    Fitted objects re-used across weeks (the catalogue-fitted TF-IDF encoder), keyed by a hash of
    what they were fitted on.
``runs``
    One row per batch run: run date, status (``running``, ``done``, ``interrupted``), counts.
``matches``
    Past matches: (run, worker, vacancy, rank, score, new).
``outcomes``
    What happened after a match: (worker, vacancy, event, date), event one of
    :data:`OUTCOME_EVENTS` (vacancy ``""`` for an event about the worker alone, such as a
    clearer job target). Only ids that a batch run has seen are accepted.
``feedback``
    The coach's latest word on a suggestion: (worker, vacancy, status, note, date), status one
    of :data:`doorstroom_match.feedback.FEEDBACK_STATUSES`. ``niet_relevant`` pairs are not
    suggested again (:meth:`Store.feedback_exclusions`).
``workers``
    Only ``id``, a content ``hash`` and first/last seen: no competence level is stored.
``candidates``
    Per worker of the last completed week, the candidate list the increment merges with next
    week (:mod:`doorstroom_match.increment`): the best ``top + margin`` vacancy ids and their
    scores, the digests of the worker's record and of the settings, the ``niet_relevant``
    exclusions in force, and the run that made it. Replaced as a whole every week; no
    competence level is stored.

Consistency: a week's state (vacancies, workers, matches, the run's ``done`` mark) is written in
one transaction at the end of the run, so a run killed midway leaves the previous week intact
and the next run simply does the week again; a week run again replaces its matches (the history
holds each week once). The embedding cache is content-addressed and written as soon as vectors
are computed (its rows are valid whatever happens next; a row that is not finite is encoded
again). The ``artifacts`` table holds data only (the encoder as an ``.npz`` of arrays and JSON),
never pickle.

Opening an existing file checks it first: an empty file, a file that is not SQLite, another
program's database, a store missing a table or with damaged pages raises
:class:`~doorstroom_match.StoreError` and leaves the file as it is; it is never silently
replaced by a fresh store, which would lose the history.

Examples
--------
>>> s = Store(":memory:")
>>> run = s.begin_run("2026-11-02")
>>> s.finish_week(run, "2026-11-02", vacancies=[("V1", "h", None, "vacancy", None, False)],
...               workers=[("W1", "h")], matches=[("W1", "V1", 1, 0.9, True)])
>>> s.record_outcome("W1", "V1", "applied", "2026-11-10")
>>> [r["event"] for r in s.outcomes("W1")]
['applied']
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._exceptions import StoreError, UnknownIdError, ValidationError
from ._validation import check_id
from .feedback import FEEDBACK_STATUSES

__all__ = [
    "Store",
    "OUTCOME_EVENTS",
    "WORKER_EVENTS",
    "OutcomeRate",
    "VacancyState",
    "StoredCandidates",
    "SCHEMA_VERSION",
    "outcome_csv",
]

SCHEMA_VERSION = 1

#: The outcome events, in the order of a trajectory.
OUTCOME_EVENTS: tuple[str, ...] = (
    "applied",
    "internship_started",
    "hired",
    "employed_3m",
    "employed_6m",
    # what the field also counts as success (issue 15)
    "internship_completed",
    "internal_move",
    "job_target_clarified",
    "returned_after_try",
    "aftercare_3m",
    "aftercare_6m",
)

#: Events about the worker alone: recorded without a vacancy (``vacancy_id=None``).
WORKER_EVENTS: frozenset[str] = frozenset(
    {"internal_move", "job_target_clarified", "returned_after_try", "aftercare_3m", "aftercare_6m"}
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'failed')),
    encoder TEXT,
    n_workers INTEGER, n_vacancies INTEGER, n_rejected INTEGER, n_new INTEGER,
    n_expired INTEGER, n_encoded INTEGER
);
CREATE TABLE IF NOT EXISTS vacancies (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    text_key TEXT,
    kind TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'gone'))
);
CREATE TABLE IF NOT EXISTS artifacts (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS workers (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS matches (
    run_id INTEGER NOT NULL,
    worker_id TEXT NOT NULL,
    vacancy_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    new INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, worker_id, rank)
);
CREATE INDEX IF NOT EXISTS matches_worker ON matches (worker_id);
CREATE TABLE IF NOT EXISTS outcomes (
    worker_id TEXT NOT NULL,
    vacancy_id TEXT NOT NULL,
    event TEXT NOT NULL,
    date TEXT NOT NULL,
    PRIMARY KEY (worker_id, vacancy_id, event)
);
CREATE TABLE IF NOT EXISTS candidates (
    worker_id TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL,
    worker_hash TEXT NOT NULL,
    config TEXT NOT NULL,
    excluded TEXT NOT NULL,
    complete INTEGER NOT NULL,
    vacancy_ids TEXT NOT NULL,
    scores BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    worker_id TEXT NOT NULL,
    vacancy_id TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    date TEXT NOT NULL,
    PRIMARY KEY (worker_id, vacancy_id)
);
"""

#: The tables every store has (the embedding cache adds ``embeddings`` on first use).
_TABLES = ("meta", "runs", "vacancies", "artifacts", "workers", "matches", "outcomes")
_SQLITE_MAGIC = b"SQLite format 3\x00"

#: Tables that hold a worker id, and the column: what :meth:`Store.forget_worker` clears.
_WORKER_COLUMNS = {
    "workers": "id",
    "matches": "worker_id",
    "outcomes": "worker_id",
    "feedback": "worker_id",
    "candidates": "worker_id",
}


@dataclass(frozen=True)
class StoredCandidates:
    """One worker's candidate list as the store keeps it (see :mod:`doorstroom_match.increment`).

    Attributes
    ----------
    worker_id : str
    run_id : int
        The run that made it.
    worker_hash, config : str
        Digests of the worker's record and of the settings it was ranked under.
    excluded : tuple of str
        Vacancies the worker had marked ``niet_relevant`` at the time.
    complete : bool
        The list holds the worker's whole pool within the commute limit.
    vacancy_ids : tuple of str
        Best first.
    scores : ndarray of shape (len(vacancy_ids),), float32
    """

    worker_id: str
    run_id: int
    worker_hash: str
    config: str
    excluded: tuple[str, ...]
    complete: bool
    vacancy_ids: tuple[str, ...]
    scores: Any


@dataclass(frozen=True)
class VacancyState:
    """What the store remembers of one vacancy."""

    id: str
    hash: str
    text_key: str | None
    first_seen: str
    last_seen: str
    valid_until: str | None
    status: str


@dataclass(frozen=True)
class OutcomeRate:
    """One success rate of the outcome report.

    Attributes
    ----------
    name : str
    numerator, denominator : int
        Workers counted (each worker once, whatever the number of vacancies).
    rate : float or None
        ``numerator / denominator``; None when the denominator is 0.
    meaning : str
        The definition in words.
    of : str
        The denominator in words: the group of workers the rate is a share of.
    """

    name: str
    numerator: int
    denominator: int
    rate: float | None
    meaning: str
    of: str = ""

    def to_record(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": None if self.rate is None else round(self.rate, 4),
            "meaning": self.meaning,
            "of": self.of,
        }


def outcome_csv(rates: Sequence[OutcomeRate], path: str | Path | None = None) -> str:
    """The outcome report as CSV (one row per rate, the denominator named on each row).

    Parameters
    ----------
    rates : sequence of OutcomeRate
        From :meth:`Store.outcome_report`.
    path : str or Path, optional
        Also written there (UTF-8).

    Returns
    -------
    str
    """
    import csv
    import io

    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["rate", "numerator", "denominator", "percent", "denominator_is", "meaning"])
    for r in rates:
        pct = "" if r.rate is None else f"{100 * r.rate:.1f}"
        out.writerow([r.name, r.numerator, r.denominator, pct, r.of, r.meaning])
    text = buf.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _iso(value: Any, field: str) -> str:
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValidationError(f"{field} must be an ISO date (YYYY-MM-DD), got {value!r}")


def _chunks(seq: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


class Store:
    """The SQLite state file of the weekly batch.

    Parameters
    ----------
    path : str or Path
        The database file (created with its folder when missing), or ``":memory:"``.
    timeout : float, default=30.0
        Seconds to wait for a lock held by another process.

    Raises
    ------
    StoreError
        The file exists but is not a usable doorstroom_match store: empty (0 bytes), not
        SQLite, another program's database, a store missing one of its tables, one of another
        schema version, or one whose pages are damaged (SQLite's ``quick_check``). An existing
        file is never replaced by a fresh store, which would lose its history.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        existed = False
        if self.path != ":memory:":
            p = Path(self.path)
            existed = p.exists()
            if existed:
                self._check_file(p)
            else:
                try:
                    p.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(
                        f"cannot create the store's folder {str(p.parent)!r}: {exc.strerror}"
                    ) from None
        try:
            # isolation_level=None: we open every transaction ourselves (BEGIN IMMEDIATE)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"store {self.path!r} cannot be opened: {exc}") from None
        try:
            self._db.row_factory = sqlite3.Row
            if existed:
                self._check_contents()
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                )
            elif str(row[0]) != str(SCHEMA_VERSION):
                raise StoreError(
                    f"store {self.path!r} has schema version {str(row[0])[:20]!r}, this version "
                    f"reads {SCHEMA_VERSION}"
                )
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(
                f"store {self.path!r} is not a usable SQLite database: {exc}"
            ) from None
        except StoreError:
            self._db.close()
            raise

    def _check_file(self, p: Path) -> None:
        """The file is a non-empty SQLite database (read before SQLite touches it: SQLite
        would turn an empty file into a fresh database)."""
        if p.is_dir():
            raise StoreError(f"store {self.path!r} is a folder, not a file")
        try:
            with open(p, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError(f"store {self.path!r} cannot be read: {exc.strerror}") from None
        if not head:
            raise StoreError(
                f"store {self.path!r} is an empty file (0 bytes), not a doorstroom_match store; "
                "restore it from a backup, or move it away to start a new history"
            )
        if head != _SQLITE_MAGIC:
            raise StoreError(
                f"store {self.path!r} is not an SQLite database (damaged, or another kind of "
                "file); restore it from a backup, or move it away to start a new history"
            )

    def _check_contents(self) -> None:
        """An existing database is a whole doorstroom_match store with undamaged pages."""
        tables = {
            r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
            raise StoreError(
                f"store {self.path!r} is an SQLite database of another program (no 'meta' "
                "table), not a doorstroom_match store"
            )
        missing = [t for t in _TABLES if t not in tables]
        if missing:
            raise StoreError(
                f"store {self.path!r} is missing the table(s) {missing}; restore it from a backup"
            )
        problems = [r[0] for r in self._db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise StoreError(
                f"store {self.path!r} is damaged (SQLite quick_check: {problems[0][:120]}); "
                "restore it from a backup"
            )

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check passes."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def count(self, table: str) -> int:
        """Rows in a table (one of the tables listed in the module docstring)."""
        if table not in {
            "runs",
            "vacancies",
            "artifacts",
            "workers",
            "matches",
            "outcomes",
            "feedback",
            "embeddings",
            "candidates",
        }:
            raise ValidationError(f"table must be one of the store's tables, got {table!r}")
        try:
            return int(self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:  # the embedding cache creates its table on first use
            return 0

    # ------------------------------------------------------------------ runs
    def begin_run(self, run_date: _dt.date | str, encoder: str | None = None) -> int:
        """Register a run as ``running`` (earlier runs still ``running`` become ``interrupted``).

        Returns
        -------
        int
            The run id.
        """
        day = _iso(run_date, "run date")
        with self.transaction() as db:
            db.execute("UPDATE runs SET status='interrupted' WHERE status='running'")
            cur = db.execute(
                "INSERT INTO runs(run_date, status, encoder) VALUES (?, 'running', ?)",
                (day, encoder),
            )
            return int(cur.lastrowid)

    def runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first."""
        return [dict(r) for r in self._db.execute("SELECT * FROM runs ORDER BY run_id")]

    def run_status(self, run_id: int) -> str | None:
        """The status of one run, or None when there is no such run."""
        row = self._db.execute("SELECT status FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    def fail_run(self, run_id: int) -> None:
        """Mark a run that raised as ``failed`` (its week's state was never written)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status='failed' WHERE run_id=? AND status='running'", (run_id,)
            )

    # ------------------------------------------------------------------ vacancies
    def vacancy_states(self) -> dict[str, VacancyState]:
        """Every vacancy the store has seen, by id."""
        cur = self._db.cursor()
        cur.row_factory = None  # plain tuples: 100,000 rows by name cost a second a week
        cur.execute(
            "SELECT id, hash, text_key, first_seen, last_seen, valid_until, status FROM vacancies"
        )
        return {r[0]: VacancyState(*r) for r in cur}

    # ------------------------------------------------------------------ artifacts
    def get_artifact(self, key: str) -> bytes | None:
        """A stored blob, or None."""
        row = self._db.execute("SELECT value FROM artifacts WHERE key=?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def put_artifact(self, key: str, value: bytes) -> None:
        """Store a blob under ``key``."""
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO artifacts(key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ the week
    def finish_week(
        self,
        run_id: int,
        run_date: _dt.date | str,
        *,
        vacancies: Sequence[tuple[str, str, str | None, str | None, str | None, bool]],
        workers: Sequence[tuple[str, str]],
        matches: Sequence[tuple[str, str, int, float, bool]],
        fingerprint: str | None = None,
        stats: Mapping[str, int] | None = None,
        prune_embeddings: bool = True,
        before_commit: Callable[[], None] | None = None,
        candidates: Sequence[StoredCandidates] | None = None,
    ) -> None:
        """Write the week's state in one transaction and mark the run ``done``.

        A week run again (the same run date) replaces the matches of the earlier run of that
        date instead of adding a second copy to the history.

        Parameters
        ----------
        run_id : int
            From :meth:`begin_run`.
        run_date : date or ISO str
        vacancies : sequence of (id, hash, text_key, kind, valid_until, expired)
            Every vacancy and place of this week's input; ids missing from it become ``gone``.
        workers : sequence of (id, hash)
        matches : sequence of (worker_id, vacancy_id, rank, score, new)
        fingerprint : str, optional
            The encoder's; with ``prune_embeddings``, its cached vectors whose text no
            vacancy still in the feed uses are deleted (the cache stays the size of a feed).
        stats : mapping, optional
            Counts for the ``runs`` row (``n_workers``, ``n_vacancies``, ...).
        before_commit : callable, optional
            Called inside the transaction, just before it commits; if it raises, nothing of
            the week is written.
        candidates : sequence of StoredCandidates, optional
            The week's candidate lists; they replace every stored list (a worker absent this
            week keeps none). None leaves the stored lists as they are.
        """
        day = _iso(run_date, "run date")
        stats = dict(stats or {})
        with self.transaction() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS week_ids (id TEXT PRIMARY KEY)")
            db.execute("DELETE FROM week_ids")
            db.executemany(
                "INSERT OR IGNORE INTO week_ids(id) VALUES (?)", [(v[0],) for v in vacancies]
            )
            db.execute(
                "UPDATE vacancies SET status='gone' WHERE status != 'gone' "
                "AND id NOT IN (SELECT id FROM week_ids)"
            )
            db.executemany(
                "INSERT INTO vacancies(id, hash, text_key, kind, first_seen, last_seen, "
                "valid_until, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, text_key=excluded.text_key, "
                "kind=excluded.kind, valid_until=excluded.valid_until, status=excluded.status, "
                "first_seen=MIN(vacancies.first_seen, excluded.first_seen), "
                "last_seen=MAX(vacancies.last_seen, excluded.last_seen)",
                [
                    (vid, h, tk, kind, day, day, until, "expired" if expired else "active")
                    for vid, h, tk, kind, until, expired in vacancies
                ],
            )
            db.executemany(
                "INSERT INTO workers(id, hash, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET hash=excluded.hash, "
                "first_seen=MIN(workers.first_seen, excluded.first_seen), "
                "last_seen=MAX(workers.last_seen, excluded.last_seen)",
                [(wid, h, day, day) for wid, h in workers],
            )
            # a rerun of a week replaces its matches: the history holds each week once
            db.execute(
                "DELETE FROM matches WHERE run_id IN "
                "(SELECT run_id FROM runs WHERE run_date=? AND run_id != ?)",
                (day, run_id),
            )
            db.executemany(
                "INSERT INTO matches(run_id, worker_id, vacancy_id, rank, score, new) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, w, v, r, s, int(n)) for w, v, r, s, n in matches],
            )
            if candidates is not None:
                db.execute("DELETE FROM candidates")
                db.executemany(
                    "INSERT INTO candidates(worker_id, run_id, worker_hash, config, excluded, "
                    "complete, vacancy_ids, scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            c.worker_id,
                            run_id,
                            c.worker_hash,
                            c.config,
                            json.dumps(list(c.excluded), ensure_ascii=False),
                            int(c.complete),
                            json.dumps(list(c.vacancy_ids), ensure_ascii=False),
                            np.asarray(c.scores, dtype="<f4").tobytes(),
                        )
                        for c in candidates
                    ],
                )
            has_cache = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='embeddings'"
            ).fetchone()
            if fingerprint is not None and prune_embeddings and has_cache:
                db.execute(
                    "DELETE FROM embeddings WHERE fingerprint=? AND text_sha256 NOT IN "
                    "(SELECT text_key FROM vacancies WHERE status != 'gone' "
                    "AND text_key IS NOT NULL)",
                    (fingerprint,),
                )
            cols = ["n_workers", "n_vacancies", "n_rejected", "n_new", "n_expired", "n_encoded"]
            db.execute(
                "UPDATE runs SET status='done', "
                + ", ".join(f"{c}=?" for c in cols)
                + " WHERE run_id=?",
                (*[stats.get(c) for c in cols], run_id),
            )
            if before_commit is not None:
                before_commit()

    def last_done_run(self) -> int | None:
        """The id of the latest completed run (whose week the vacancy states describe)."""
        row = self._db.execute("SELECT MAX(run_id) FROM runs WHERE status='done'").fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def candidate_lists(self) -> dict[str, StoredCandidates]:
        """Every stored candidate list, by worker id (unreadable rows are left out: those
        workers are simply ranked in full)."""
        out = {}
        for r in self._db.execute(
            "SELECT worker_id, run_id, worker_hash, config, excluded, complete, vacancy_ids, "
            "scores FROM candidates"
        ):
            try:
                ids = json.loads(r[6])
                scores = np.frombuffer(bytes(r[7]), dtype="<f4").astype(np.float32)
                excluded = json.loads(r[4])
            except (ValueError, TypeError):
                continue
            if not isinstance(ids, list) or len(ids) != len(scores):
                continue
            out[r[0]] = StoredCandidates(
                r[0], int(r[1]), r[2], r[3], tuple(excluded), bool(r[5]), tuple(ids), scores
            )
        return out

    def past_matches(self, worker_id: str | None = None) -> list[dict[str, Any]]:
        """Matches of completed runs (optionally of one worker), in run and rank order."""
        sql = (
            "SELECT m.run_id, r.run_date, m.worker_id, m.vacancy_id, m.rank, m.score, m.new "
            "FROM matches m JOIN runs r USING (run_id) WHERE r.status='done'"
        )
        args: tuple[Any, ...] = ()
        if worker_id is not None:
            sql += " AND m.worker_id=?"
            args = (worker_id,)
        sql += " ORDER BY m.run_id, m.worker_id, m.rank"
        return [dict(r) for r in self._db.execute(sql, args)]

    # ------------------------------------------------------------------ known ids
    def _check_known(self, worker_id: str, vacancy_id: str | None) -> None:
        """Reject ids no batch run has seen (a typo would otherwise count as a new worker)."""
        if self._db.execute("SELECT 1 FROM workers WHERE id=?", (worker_id,)).fetchone() is None:
            raise UnknownIdError(
                f"worker id {worker_id!r} is not in the store {self.path!r}: it must be a "
                "worker of an earlier batch run (check the id, or run the batch first)"
            )
        if (
            vacancy_id is not None
            and self._db.execute("SELECT 1 FROM vacancies WHERE id=?", (vacancy_id,)).fetchone()
            is None
        ):
            raise UnknownIdError(
                f"vacancy id {vacancy_id!r} is not in the store {self.path!r}: it must be a "
                "vacancy or place of an earlier batch run's feed"
            )

    # ------------------------------------------------------------------ feedback
    def record_feedback(
        self,
        worker_id: str,
        vacancy_id: str,
        status: str,
        *,
        note: str | None = None,
        date: _dt.date | str | None = None,
    ) -> None:
        """Record the coach's word on a suggestion; the latest per (worker, vacancy) counts.

        Parameters
        ----------
        worker_id, vacancy_id : str
            Ids an earlier batch run has seen.
        status : {'besproken', 'gesolliciteerd', 'niet_relevant', 'aangenomen'}
            ``niet_relevant``: not suggested to this worker again; ``gesolliciteerd`` and
            ``aangenomen`` count as applied and hired in :meth:`outcome_report`.
        note : str, optional
            The coach's note (kept until :meth:`forget_worker`).
        date : date or ISO str, optional
            Today when None.

        Raises
        ------
        ValidationError
            Unknown status, empty id, a date that is not ISO, a note that is not a string.
        UnknownIdError
            A worker or vacancy id that no batch run has seen.
        """
        wid = check_id(worker_id, "worker id")
        vid = check_id(vacancy_id, "vacancy id")
        if status not in FEEDBACK_STATUSES:
            raise ValidationError(
                f"status must be one of {list(FEEDBACK_STATUSES)}, got {status!r}"
            )
        if note is not None and not isinstance(note, str):
            raise ValidationError(f"note must be a string, got {type(note).__name__}")
        day = _iso(_dt.date.today() if date is None else date, "date")
        self._check_known(wid, vid)
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO feedback(worker_id, vacancy_id, status, note, date) "
                "VALUES (?, ?, ?, ?, ?)",
                (wid, vid, status, (note or "").strip() or None, day),
            )

    def feedback(self, worker_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded feedback (optionally of one worker), by worker and vacancy."""
        sql = "SELECT worker_id, vacancy_id, status, note, date FROM feedback"
        args: tuple[Any, ...] = ()
        if worker_id is not None:
            sql += " WHERE worker_id=?"
            args = (worker_id,)
        return [dict(r) for r in self._db.execute(sql + " ORDER BY worker_id, vacancy_id", args)]

    def feedback_statuses(self) -> dict[str, dict[str, str]]:
        """Worker id -> {vacancy id -> latest status}: what the bulletin shows on a card."""
        out: dict[str, dict[str, str]] = {}
        for wid, vid, status in self._db.execute(
            "SELECT worker_id, vacancy_id, status FROM feedback"
        ):
            out.setdefault(wid, {})[vid] = status
        return out

    def feedback_exclusions(self) -> dict[str, set[str]]:
        """Worker id -> vacancy ids marked ``niet_relevant``: not to be suggested again."""
        out: dict[str, set[str]] = {}
        for wid, vid in self._db.execute(
            "SELECT worker_id, vacancy_id FROM feedback WHERE status='niet_relevant'"
        ):
            out.setdefault(wid, set()).add(vid)
        return out

    # ------------------------------------------------------------------ outcomes
    def record_outcome(
        self,
        worker_id: str,
        vacancy_id: str | None,
        event: str,
        date: _dt.date | str | None = None,
    ) -> None:
        """Record what happened for a worker and a vacancy or place.

        Recording the same (worker, vacancy, event) again replaces its date.

        Parameters
        ----------
        worker_id : str
            A worker an earlier batch run has seen.
        vacancy_id : str or None
            A vacancy or place an earlier batch run has seen; None only for the events about
            the worker alone (:data:`WORKER_EVENTS`: internal move, clearer job target, return
            to the workshop after a try, after-care contacts).
        event : str
            One of :data:`OUTCOME_EVENTS`.
        date : date or ISO str, optional
            When it happened; today when None.

        Raises
        ------
        ValidationError
            Unknown event, empty id, a missing vacancy for a vacancy event, or a date that is
            not ISO.
        UnknownIdError
            A worker or vacancy id that no batch run has seen.
        """
        wid = check_id(worker_id, "worker id")
        if event not in OUTCOME_EVENTS:
            raise ValidationError(f"event must be one of {list(OUTCOME_EVENTS)}, got {event!r}")
        if vacancy_id is None and event not in WORKER_EVENTS:
            raise ValidationError(
                f"vacancy id is required for event {event!r} (only {sorted(WORKER_EVENTS)} "
                "may be recorded without a vacancy), got None"
            )
        vid = None if vacancy_id is None else check_id(vacancy_id, "vacancy id")
        day = _iso(_dt.date.today() if date is None else date, "date")
        self._check_known(wid, vid)
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO outcomes(worker_id, vacancy_id, event, date) "
                "VALUES (?, ?, ?, ?)",
                (wid, vid or "", event, day),
            )

    def outcomes(self, worker_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded outcomes (optionally of one worker), by date.

        ``vacancy_id`` is None for an event about the worker alone.
        """
        sql = "SELECT worker_id, vacancy_id, event, date FROM outcomes"
        args: tuple[Any, ...] = ()
        if worker_id is not None:
            sql += " WHERE worker_id=?"
            args = (worker_id,)
        rows = [
            dict(r)
            for r in self._db.execute(sql + " ORDER BY date, worker_id, vacancy_id, event", args)
        ]
        for r in rows:
            r["vacancy_id"] = r["vacancy_id"] or None
        return rows

    def outcome_report(self, as_of: _dt.date | str | None = None) -> list[OutcomeRate]:
        """The success rates the field uses, each over its own, named denominator.

        Every count is of *workers* (a worker who applied to three vacancies counts once), and
        every rate says in ``of`` which group of workers it is a share of. The coach's
        feedback counts too: ``gesolliciteerd`` as applied, ``aangenomen`` as hired (and
        applied), ``besproken`` or any other feedback as discussed.

        - ``applied / matched``: workers who applied at least once, over workers who were
          ever proposed a match by a completed batch run;
        - ``discussed / matched``: workers with at least one suggestion the coach gave
          feedback on, over workers matched;
        - ``internship_started / applied``: workers who started an internship, over workers
          who applied;
        - ``internship_completed / internship_started``: internships completed;
        - ``hired / matched``: workers hired, over workers matched (the *doorstroom* rate);
        - ``hired / internship_started``: of the workers who started an internship, those
          hired (by any employer);
        - ``employed_3m / hired_3m_ago``: workers still employed after 3 months, over workers
          hired at least 91 days before ``as_of`` (only they can have reached 3 months);
        - ``employed_6m / hired_6m_ago``: the same at 6 months (182 days);
        - ``aftercare_3m / hired_3m_ago``, ``aftercare_6m / hired_6m_ago``: after-care
          contacts held at 3 and 6 months;
        - ``internal_move / followed``, ``job_target_clarified / followed``: an internal move
          to a more demanding post, a clearer job target, over every worker the store follows;
        - ``returned_after_try / tried``: workers who went back to the workshop after a try,
          over workers who started an internship or were hired;
        - ``any_success / followed``: workers with any success the field counts (hired,
          internship completed, internal move, clearer job target), over workers followed.

        Parameters
        ----------
        as_of : date or ISO str, optional
            The report date; today when None. Events after it are not counted.

        Returns
        -------
        list of OutcomeRate
        """
        day = _dt.date.fromisoformat(_iso(_dt.date.today() if as_of is None else as_of, "as_of"))
        limit = day.isoformat()
        matched = {
            r[0]
            for r in self._db.execute(
                "SELECT DISTINCT m.worker_id FROM matches m JOIN runs r USING (run_id) "
                "WHERE r.status='done'"
            )
        }
        followed = {r[0] for r in self._db.execute("SELECT id FROM workers")}
        by_event: dict[str, dict[str, str]] = {e: {} for e in OUTCOME_EVENTS}

        def add(event: str, wid: str, date: str) -> None:
            if date > limit:
                return
            first = by_event[event].get(wid)
            by_event[event][wid] = date if first is None else min(first, date)

        for wid, event, date in self._db.execute("SELECT worker_id, event, date FROM outcomes"):
            if event in by_event:
                add(event, wid, date)
        discussed: set[str] = set()
        for wid, status, date in self._db.execute("SELECT worker_id, status, date FROM feedback"):
            if date > limit:
                continue
            discussed.add(wid)
            if status in ("gesolliciteerd", "aangenomen"):
                add("applied", wid, date)
            if status == "aangenomen":
                add("hired", wid, date)
        applied = set(by_event["applied"])
        started = set(by_event["internship_started"])
        hired = by_event["hired"]

        def hired_before(days: int) -> set[str]:
            cut = (day - _dt.timedelta(days=days)).isoformat()
            return {w for w, d in hired.items() if d <= cut}

        def rate(name: str, num: set[str], den: set[str], meaning: str, of: str) -> OutcomeRate:
            n = len(num & den)
            return OutcomeRate(name, n, len(den), n / len(den) if den else None, meaning, of)

        h3, h6 = hired_before(91), hired_before(182)
        ev = {e: set(d) for e, d in by_event.items()}
        success = (
            set(hired)
            | ev["internship_completed"]
            | ev["internal_move"]
            | ev["job_target_clarified"]
        )
        of_matched = "workers proposed a match by a completed batch run"
        of_followed = "workers the store follows (seen by a batch run)"
        of_h3 = "workers hired at least 91 days before the report date"
        of_h6 = "workers hired at least 182 days before the report date"
        return [
            rate(
                "applied / matched",
                applied,
                matched,
                "workers who applied, of the workers proposed a match by the batch",
                of_matched,
            ),
            rate(
                "discussed / matched",
                discussed,
                matched,
                "workers with a suggestion the coach gave feedback on, of the workers matched",
                of_matched,
            ),
            rate(
                "internship_started / applied",
                started,
                applied,
                "workers who started an internship, of the workers who applied",
                "workers who applied (outcome or feedback 'gesolliciteerd')",
            ),
            rate(
                "internship_completed / internship_started",
                ev["internship_completed"],
                started,
                "workers who completed an internship, of the workers who started one",
                "workers who started an internship",
            ),
            rate(
                "hired / matched",
                set(hired),
                matched,
                "workers hired, of the workers proposed a match (doorstroom rate)",
                of_matched,
            ),
            rate(
                "hired / internship_started",
                set(hired),
                started,
                "workers hired, of the workers who started an internship",
                "workers who started an internship",
            ),
            rate(
                "employed_3m / hired_3m_ago",
                ev["employed_3m"],
                h3,
                "still employed after 3 months, of the workers hired at least 91 days ago",
                of_h3,
            ),
            rate(
                "employed_6m / hired_6m_ago",
                ev["employed_6m"],
                h6,
                "still employed after 6 months, of the workers hired at least 182 days ago",
                of_h6,
            ),
            rate(
                "aftercare_3m / hired_3m_ago",
                ev["aftercare_3m"],
                h3,
                "after-care contact held at 3 months, of the workers hired at least 91 days ago",
                of_h3,
            ),
            rate(
                "aftercare_6m / hired_6m_ago",
                ev["aftercare_6m"],
                h6,
                "after-care contact held at 6 months, of the workers hired at least 182 days ago",
                of_h6,
            ),
            rate(
                "internal_move / followed",
                ev["internal_move"],
                followed,
                "workers who moved to a more demanding post inside their company, of all workers",
                of_followed,
            ),
            rate(
                "job_target_clarified / followed",
                ev["job_target_clarified"],
                followed,
                "workers whose job target became clearer, of all workers",
                of_followed,
            ),
            rate(
                "returned_after_try / tried",
                ev["returned_after_try"],
                started | set(hired),
                "workers who went back to the workshop after a try, of the workers who tried",
                "workers who started an internship or were hired",
            ),
            rate(
                "any_success / followed",
                success,
                followed,
                "workers with any success the field counts (hired, internship completed, "
                "internal move, clearer job target), of all workers",
                of_followed,
            ),
        ]

    # ------------------------------------------------------------------ privacy
    def forget_worker(self, worker_id: str) -> dict[str, int]:
        """Delete every row about a worker, in one transaction.

        Returns
        -------
        dict of str to int
            Rows deleted per table.
        """
        wid = check_id(worker_id, "worker id")
        out = {}
        with self.transaction() as db:
            for table, col in _WORKER_COLUMNS.items():
                out[table] = db.execute(f"DELETE FROM {table} WHERE {col}=?", (wid,)).rowcount
        if self.path != ":memory:":
            # The deleted rows may still sit in free pages and the WAL: rewrite the file.
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return out

    def mentions(self, text: str) -> list[str]:
        """Tables in which any text column contains ``text`` (to check that a worker is gone)."""
        hits = []
        for (table,) in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            cols = [r[1] for r in self._db.execute(f"PRAGMA table_info({table})")]
            cond = " OR ".join(f"CAST({c} AS TEXT) LIKE ?" for c in cols)
            if (
                cond
                and self._db.execute(
                    f"SELECT 1 FROM {table} WHERE {cond} LIMIT 1", (f"%{text}%",) * len(cols)
                ).fetchone()
            ):
                hits.append(table)
        return hits
