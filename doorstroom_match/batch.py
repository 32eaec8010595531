"""The weekly batch: every worker against the week's vacancy feed, incrementally.

One run (:func:`run_batch`, the command ``doorstroom-match batch``):

1. read the workers, the feed and the internship places with :mod:`doorstroom_match.feeds`;
   every line that cannot be used goes to ``rejected.jsonl``, none is lost;
2. drop vacancies whose ``valid_until`` lies before the run date (they *expire*);
3. compare with the :class:`~doorstroom_match.store.Store`: a vacancy no earlier week saw is
   *new this week*; one whose content changed is *changed*;
4. encode only the texts the embedding cache does not hold yet (new titles, changed titles);
5. rank with :class:`~doorstroom_match.ranking.Matcher`, one block of workers at a time, on this
   machine or on a Dask cluster (``scheduler``), and stream the rows to ``matches.jsonl``; a
   worker whose record and settings did not change is ranked only against the new and changed
   vacancies and merged with last week's candidate list (:mod:`doorstroom_match.increment`:
   the same rows as a full ranking);
6. render the bulletin and the summary; every output is written into a fresh staging folder;
7. write the week to the store in one transaction, then move the staged files into place
   together (:class:`doorstroom_match._atomic.WeekOutput`).

One run at a time holds the output folder and the store (a second stops with
:class:`~doorstroom_match.BusyError`). A run that fails or is killed before the commit leaves
the store as it was after the previous week (plus cached vectors, which are valid whatever
happens; the run is ``failed`` or, once the next run starts, ``interrupted``) and the output
folder with the previous files; a kill during the switch after the commit is finished by the
next command on the folder. Running the same command again completes the week.

``matches.jsonl`` is deterministic: workers in id order, vacancies tie-broken by id, keys sorted,
floats rounded, no timestamps; the ``new`` flag depends only on the run date and on what earlier
weeks saw, so running the same week twice gives byte-identical files.

Commute: ranks first the vacancies within each worker's ``max_commute_km`` (as the crow flies);
when fewer than ``top`` lie within reach, the list is topped up with the best ones beyond it,
flagged ``"within_commute": false``, so every worker gets ``top`` rows whenever the feed has them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import gc
import hashlib
import io
import json
import logging
import sys
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from ._atomic import AtomicFile as _AtomicFile
from ._atomic import WeekOutput, batch_lock, recover
from ._cpus import native_threads
from ._exceptions import BackendUnavailableError, EmptyInputError, FeedError, ValidationError
from ._validation import check_int
from .competences import CompetenceDictionary, default_dictionary
from .feeds import ReadResult, Rejected, read_vacancies, read_workers
from .profiles import Vacancy, WorkerProfile
from .ranking import Match, Matcher
from .store import Store

__all__ = [
    "BatchResult",
    "run_batch",
    "batch_encoder",
    "parse_run_date",
    "ENCODER_CHOICES",
    "DEFAULT_BLOCK_SIZE",
    "ForgetResult",
    "forget_worker",
]

log = logging.getLogger("doorstroom_match.batch")

#: Names accepted by ``encoder`` / ``--encoder``.
ENCODER_CHOICES: tuple[str, ...] = ("tfidf", "sentence-transformers", "hybrid", "none")
#: Workers per scoring block (local and Dask).
DEFAULT_BLOCK_SIZE = 256
_TFIDF_COMPONENTS = 128
_ENCODE_CHUNK = 8192


# =============================================================================== results
@dataclass(frozen=True)
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    run_id : int
        The run's id in the store.
    run_date : date
    out_dir, store_path, matches_path, rejected_path : Path
    bulletin : list of Path
        The pages the bulletin module wrote.
    n_workers : int
        Workers matched.
    n_worker_lines, n_vacancy_lines : int
        Non-blank lines read (feed and places together for vacancies).
    n_vacancies : int
        Vacancies and places matched (valid and not expired).
    n_places : int
        Of which internship places (kind tbs, bvs or enclave).
    n_rejected : int
        Lines rejected (all files).
    n_new, n_changed, n_expired, n_gone : int
        New this week; content changed since last seen; past ``valid_until``; seen before but
        no longer in the input.
    n_encoded, n_cached : int
        Texts encoded this run; vectors taken from the cache.
    n_rows : int
        Rows of ``matches.jsonl``.
    n_blank : int
        Blank lines skipped.
    seconds : float
        The whole run, from reading to the switch of the output folder. ``summary.json``
        holds the time until its own writing, with the week's other files: before the
        store's commit and the switch (a few seconds less at Flanders scale).
    encoder : str
        The encoder's fingerprint (or ``"none"``).
    assignments_path : Path or None
        ``assignments.jsonl`` when internship places were assigned (``places``).
    assignment : dict or None
        Placed workers and total score, optimal against greedy best-pair-first.
    new_ids : frozenset of str
    n_ranked_full, n_merged : int
        Workers ranked against every vacancy, and workers ranked against the new and changed
        vacancies only and merged with last week's candidate list
        (:mod:`doorstroom_match.increment`).
    """

    run_id: int
    run_date: _dt.date
    out_dir: Path
    store_path: Path
    matches_path: Path
    rejected_path: Path
    bulletin: list[Path]
    n_workers: int
    n_worker_lines: int
    n_vacancy_lines: int
    n_vacancies: int
    n_places: int
    n_rejected: int
    n_new: int
    n_changed: int
    n_expired: int
    n_gone: int
    n_encoded: int
    n_cached: int
    n_rows: int
    n_blank: int
    seconds: float
    encoder: str
    new_ids: frozenset[str] = field(default_factory=frozenset, repr=False)
    assignments_path: Path | None = None
    assignment: dict[str, Any] | None = None
    n_ranked_full: int = 0
    n_merged: int = 0

    def summary(self) -> str:
        """A one-screen summary for the terminal."""
        iso = self.run_date.isocalendar()
        lines = [
            f"doorstroom-match batch: run {self.run_id}, date {self.run_date.isoformat()} "
            f"(week {iso.week} of {iso.year})",
            f"  workers     {self.n_workers:>7} matched   ({self.n_worker_lines} lines read)",
            f"  vacancies   {self.n_vacancies:>7} matched   ({self.n_vacancy_lines} lines read, "
            f"{self.n_places} of them internship places)",
            f"  rejected    {self.n_rejected:>7} lines     (see {self.rejected_path})"
            + (f"; {self.n_blank} blank lines skipped" if self.n_blank else ""),
            f"  new         {self.n_new:>7} this week (changed {self.n_changed}, expired "
            f"{self.n_expired}, gone since last run {self.n_gone})",
            f"  encoded     {self.n_encoded:>7} texts     ({self.n_cached} from the cache; "
            f"{self.encoder})",
            f"  matches     {self.n_rows:>7} rows      -> {self.matches_path}",
            f"  ranked      {self.n_ranked_full:>7} in full   ({self.n_merged} merged with "
            "last week's lists)",
        ]
        if self.assignment is not None:
            a = self.assignment
            lines.append(
                f"  places      {a['n_placed']:>7} workers placed on {a['n_places']} places "
                f"(greedy best-pair-first: {a['n_placed_greedy']}) -> {self.assignments_path}"
            )
        if self.bulletin:
            lines.append(f"  bulletin    {self.bulletin[0]}")
        lines.append(f"  store       {self.store_path}")
        lines.append(f"  time        {self.seconds:7.1f} s")
        return "\n".join(lines)

    def to_record(self) -> dict[str, Any]:
        """JSON-serialisable form (``summary.json``)."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "new_ids":
                continue
            if isinstance(v, Path):
                v = str(v)
            elif isinstance(v, list):
                v = [str(x) for x in v]
            elif isinstance(v, _dt.date):
                v = v.isoformat()
            elif isinstance(v, float):
                v = round(v, 3)
            out[f.name] = v
        return out


# =============================================================================== helpers
def parse_run_date(value: str | _dt.date | None) -> _dt.date:
    """The run date from ``YYYY-MM-DD``, an ISO week ``YYYY-Www`` (its Monday), or today.

    Raises
    ------
    ValidationError
        Neither form.
    """
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return _dt.date.fromisocalendar(int(year), int(week[:2]), 1)
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"run date must be YYYY-MM-DD or an ISO week YYYY-Www (e.g. 2026-W46), got {value!r}"
        ) from None


#: What ``json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)`` builds on every
#: call, built once (the same bytes, so a store's digests stay valid; ~15% of a digest).
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode


def _digest(obj: Any) -> str:
    return hashlib.sha256(_DIGEST_JSON(obj).encode("utf-8")).hexdigest()[:32]


#: The record digests' JSON: msgspec's, keys sorted (4x the records/s of ``_DIGEST_JSON``
#: with its hash: 125,000 records a week, on the main thread).
_RECORD_JSON = msgspec.json.Encoder(order="sorted", enc_hook=str).encode

#: How a record digest of this version starts; a store written before holds 32 hex digits of
#: :func:`_digest` instead (see :func:`_same_record`).
RECORD_DIGEST_PREFIX = "r2:"


def _record_digest(rec: Mapping[str, Any]) -> str:
    """The content digest of a worker's or vacancy's record, as the store keeps it."""
    return RECORD_DIGEST_PREFIX + hashlib.sha256(_RECORD_JSON(rec)).hexdigest()[:32]


def _same_record(stored: str, digest: str, item: Vacancy | WorkerProfile) -> bool:
    """Whether ``item`` (this week's, digest ``digest``) has the content a store recorded as
    ``stored``: a digest of an earlier version is compared with that version's digest of the
    item, so the first week after an upgrade sees what changed, not everything."""
    if stored.startswith(RECORD_DIGEST_PREFIX):
        return stored == digest
    return stored == _digest(item.to_record())


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _catalogue_path() -> Path:
    """The Dutch ESCO occupation catalogue (shipped in the package, or as configured)."""
    from .text.corpus import esco_occupations_path

    return esco_occupations_path()


def _catalogue_titles(path: Path) -> list[str]:
    from .text.corpus import read_esco_occupations

    titles = []
    for occ in read_esco_occupations(path):
        titles.append(occ.preferred_label)
        titles += occ.alt_labels
    return titles


def batch_encoder(
    name: str | Any = "tfidf",
    store: Store | None = None,
    *,
    fallback_texts: Sequence[str] = (),
) -> Any:
    """The text encoder of the batch, fitted on a fixed catalogue so cached vectors stay valid.

    ``"tfidf"`` (the default) is a character n-gram TF-IDF with a 128-dimensional LSA
    projection, fitted once on the Dutch ESCO occupation titles (preferred and alternative
    labels of the shared reference data); the fitted encoder is kept in the store, so later
    weeks load it instead of fitting again. Because the vocabulary never depends on the week's
    feed, a title's vector never changes and only new titles are ever encoded. When the
    catalogue cannot be found it is fitted on ``fallback_texts`` instead (with a warning: the
    cache then only helps while the titles stay the same). ``"sentence-transformers"`` is the
    offline MiniLM model; ``"hybrid"`` both; ``"none"`` switches the text signal off.

    Parameters
    ----------
    name : str or encoder object
        One of :data:`ENCODER_CHOICES`, or a fitted encoder (used as is).
    store : Store, optional
        Where the fitted TF-IDF encoder is cached.
    fallback_texts : sequence of str

    Returns
    -------
    encoder or None
    """
    if not isinstance(name, str):
        return name
    key = name.lower()
    if key in ("st", "sentence_transformers"):
        key = "sentence-transformers"
    if key not in ENCODER_CHOICES:
        raise ValidationError(f"encoder must be one of {list(ENCODER_CHOICES)}, got {name!r}")
    if key == "none":
        return None
    from .text import make_encoder

    if key == "sentence-transformers":
        return make_encoder("sentence-transformers").fit([])
    cat = _catalogue_path()
    if cat is not None:
        texts = _catalogue_titles(cat)
        source = hashlib.sha256(cat.read_bytes()).hexdigest()[:16]
    else:
        texts = sorted(set(fallback_texts))
        if not texts:
            raise EmptyInputError("no texts to fit the tfidf encoder on (no catalogue, no feed)")
        log.warning(
            "ESCO catalogue not found (set DOORSTROOM_SHARED_DATA); fitting the text encoder on "
            "this week's titles, so cached vectors are re-used only while the titles stay the same"
        )
        source = _text_key("\n".join(texts))
    if key == "hybrid":
        from .text.encoders import HybridEncoder, TfidfEncoder

        return HybridEncoder(
            [TfidfEncoder(n_components=_TFIDF_COMPONENTS), make_encoder("sentence-transformers")]
        ).fit(texts)
    from importlib.metadata import version  # not `import sklearn`: seconds, for a version

    if cat is not None:  # the same catalogue every week: the fitted encoder ships
        shipped = _shipped_encoder(source)
        if shipped is not None:
            return shipped
    # the fitted state is data (arrays and JSON in an .npz), never pickle: the store is a
    # file anyone with write access to the folder can change, and reading it runs no code
    artifact = f"encoder-state:tfidf:{_TFIDF_COMPONENTS}:{source}:sklearn-{version('scikit-learn')}"
    if store is not None:
        blob = store.get_artifact(artifact)
        if blob is not None:
            try:
                return _encoder_from_blob(blob)
            except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:  # refit
                log.warning("cached text encoder could not be read (%s); fitting it again", exc)
    enc = make_encoder("tfidf", n_components=_TFIDF_COMPONENTS).fit(texts)
    if store is not None:
        store.put_artifact(artifact, _encoder_to_blob(enc))
    return enc


def _encoder_to_blob(enc: Any, source: str | None = None) -> bytes:
    """A fitted TfidfEncoder as an ``.npz`` of its arrays plus its JSON description (and,
    for the shipped encoder, the catalogue it was fitted on)."""
    arrays, meta = enc.to_state()
    extra = {} if source is None else {"source": np.array(source)}
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta, ensure_ascii=False)), **extra, **arrays)
    return buf.getvalue()


def _encoder_from_blob(blob: bytes | Path, source: str | None = None) -> Any:
    """The encoder :func:`_encoder_to_blob` wrote (``allow_pickle=False``: data only); None
    when ``source`` is given and the blob was fitted on another catalogue."""
    from .text.encoders import TfidfEncoder

    with np.load(io.BytesIO(blob) if isinstance(blob, bytes) else blob, allow_pickle=False) as data:
        if source is not None and ("source" not in data.files or str(data["source"]) != source):
            return None
        meta = json.loads(str(data["meta"]))
        arrays = {k: data[k] for k in data.files if k not in ("meta", "source")}
    if not isinstance(meta, dict):
        raise ValueError("encoder description is not a JSON object")
    return TfidfEncoder.from_state(arrays, meta)


def _shipped_encoder(source: str) -> Any:
    """The ``"tfidf"`` encoder fitted on the shipped catalogue (``data/models/batch-tfidf.npz``,
    ``models/train_batch_encoder.py``), when it was fitted on catalogue ``source``."""
    from .resources import resource_path

    path = resource_path("batch_encoder", must_exist=False)
    if not path.is_file():
        return None
    try:
        return _encoder_from_blob(path, source)
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("the shipped text encoder could not be read (%s); fitting it", exc)
        return None


def _encode_vacancies(
    encoder: Any, texts: list[str], cache: Any, bar: Any
) -> tuple[np.ndarray, list[str], int, int]:
    """Vectors of ``texts`` through the embedding cache: only texts it lacks are encoded.

    Each distinct text is looked up, encoded and stored once, in chunks of distinct texts (a
    feed repeats its titles: 100,000 vacancies carry about 19,000; chunks of the feed's rows
    asked the cache for the same texts again and committed it once per 2,048 rows).

    Returns
    -------
    vectors : ndarray of shape (n_texts, dim), float32
    keys : list of str
        SHA-256 of each text (the cache key).
    n_encoded, n_cached : int
        Distinct texts encoded now, and taken from the cache.
    """
    from .text.cache import encode_cached, text_sha256

    keys = [text_sha256(t) for t in texts]
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    distinct = [texts[i] for i in first.values()]
    parts = []
    n_encoded = 0
    for i in range(0, len(distinct), _ENCODE_CHUNK):
        vecs, n = encode_cached(encoder, distinct[i : i + _ENCODE_CHUNK], cache)
        parts.append(vecs)
        n_encoded += n
        bar.update(len(vecs))
    bar.update(len(texts) - len(distinct))  # the repeats, read from the distinct texts
    if not parts:
        return np.zeros((0, 0), dtype=np.float32), keys, 0, 0
    row = {k: j for j, k in enumerate(first)}
    vectors = np.concatenate(parts)[np.fromiter((row[k] for k in keys), np.intp, len(keys))]
    return vectors, keys, n_encoded, len(distinct) - n_encoded


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_description(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def _bar(progress: bool, total: int, desc: str, unit: str) -> Any:
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(
        total=total, desc=desc, unit=f" {unit}", file=sys.stderr, leave=False, dynamic_ncols=True
    )


# =============================================================================== occupations
def _guessed_texts(active: list[Vacancy], targets: Sequence[str | None]) -> list[str]:
    """The week's texts that need an occupation guess: vacancy titles without a given
    occupation and the workers' job targets, whitespace-normalised, sorted."""
    return sorted(
        {" ".join(v.title.split()) for v in active if not v.occupation_uri}
        | {" ".join(t.split()) for t in targets if t} - {""}
    )


def _occupation_model(
    st: Store,
    active: list[Vacancy],
    progress: bool,
    targets: Sequence[str | None] = (),
    jobs: int = 1,
) -> Any:
    """The shipped occupation model, with the guesses of titles seen in earlier weeks.

    Each distinct vacancy title and worker job target is mapped to occupations once: the
    guesses are kept in the store (one JSON artefact per model fingerprint, keyed by the
    text's SHA-256) and only texts never seen before are normalised, on ``jobs`` threads (the
    ranking's threads then find every worker's target guessed already).
    """
    from .ranking import default_occupation_model

    occ = default_occupation_model()
    key = f"occupations:{occ.fingerprint_}"
    blob = st.get_artifact(key)
    known: dict[str, list] = {}
    if blob is not None:
        try:
            known = json.loads(blob.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("stored occupation guesses could not be read; computing them again")
            known = {}
    titles = _guessed_texts(active, targets)
    keys = {t: _text_key(t) for t in titles}
    have = [t for t in titles if keys[t] in known]
    if have:
        occ.remember(
            have,
            np.array([known[keys[t]][0] for t in have], dtype=np.int64),
            np.array([known[keys[t]][1] for t in have], dtype=np.float32),
        )
    todo = [t for t in titles if keys[t] not in known]
    if todo:
        bar = _bar(progress, len(todo), "occupations", "titles")
        idx, share = occ.guess(todo, n_jobs=jobs)
        bar.update(len(todo))
        bar.close()
        for t, i, p in zip(todo, idx.tolist(), share.tolist(), strict=True):
            known[keys[t]] = [i, [round(x, 6) for x in p]]
        st.put_artifact(key, json.dumps(known, sort_keys=True).encode("utf-8"))
    return occ


@dataclass(frozen=True)
class _Placed:
    """The week's assignment of scarce places."""

    records: list[dict[str, Any]]
    exclude: dict[str, list[str]]
    summary: dict[str, Any]


def _assign_places(
    wks: list[WorkerProfile],
    active: list[Vacancy],
    vectors: np.ndarray | None,
    day: _dt.date,
    enc: Any,
    occ: Any,
    max_km: float | str | None,
    dictionary: CompetenceDictionary,
) -> _Placed | None:
    """Assign the week's internship places exactly (capacities, BVS rules, LDE priority)."""
    from .assignment import assign_places

    at = [j for j, v in enumerate(active) if v.is_internship]
    if not at:
        return None
    places = [active[j] for j in at]
    res = assign_places(
        wks,
        places,
        vacancy_vectors=None if vectors is None else vectors[at],
        on_date=day,
        allow_stretch=True,
        text=enc,
        fit_text=False,
        occupations=occ,
        max_km=max_km,
        dictionary=dictionary,
    )
    place_ids = [p.id for p in places]
    records, exclude = [], {}
    for rec in res.to_records():
        pid = rec["place_id"]
        records.append(
            {
                "worker_id": rec["worker_id"],
                "place_id": pid,
                "cost": None if rec["score"] is None else round(-rec["score"], 6),
                "reason": rec["message"],
                "status": rec["status"],
                "stretch": rec["stretch"],
                "priority": rec["priority"],
            }
        )
        exclude[rec["worker_id"]] = [p for p in place_ids if p != pid]
    cmp = res.comparison
    summary = {
        "n_places": len(places),
        "n_placed": res.n_placed,
        "n_placed_greedy": res.greedy.n_assigned,
        "total_score": round(res.total_score, 6),
        "total_score_greedy": round(-res.greedy.total_cost, 6),
        "comparison": cmp.summary() if hasattr(cmp, "summary") else str(cmp),
    }
    return _Placed(records=records, exclude=exclude, summary=summary)


# =============================================================================== scoring
@dataclass(frozen=True)
class _Block:
    """One ranked block of workers, ready to write (plain data: it pickles for Dask).

    Attributes
    ----------
    text : str
        The block's lines of ``matches.jsonl``, joined by newlines ("" when it has no row).
    store_rows : list of (worker_id, vacancy_id, rank, score, new)
    candidates : list of CandidateList
        Per worker: the candidates the store keeps for next week's increment.
    n_merged : int
        Workers merged with last week's list (the others were ranked in full).
    matches : list of list of Match, or None
        Per worker, for the bulletin, from a Dask worker (``keep_matches``).
    ranked : _Ranked or None
        The block's explained rows, for the bulletin, ranked in this process
        (``keep_matches``): each worker's :class:`Match` list is built from them where the
        bulletin renders that worker's page (:class:`_WeekMatches`). From a forked process it
        comes back without the matcher and the workers (:func:`_forked_block`), never to Dask.
    """

    text: str
    store_rows: list[tuple[str, str, int, float, bool]]
    candidates: list[Any]
    n_merged: int
    matches: list[list[Match]] | None = None
    ranked: Any = None


class _WeekMatches(Mapping):
    """Worker id -> list of matches of the week (:class:`Match`, or rows with its
    attributes), built when asked for.

    The blocks ranked here leave their explained rows (``_Ranked``, arrays); a worker's list
    is built from them on access and not kept, so the weekly batch never holds a Python
    object per row of the week, and the bulletin builds each list in the process that renders
    that worker's page (``_Ranked.worker_rows``: a row's reasons are built only where a page
    shows them). Blocks from Dask arrive as :class:`Match` lists and are kept as they are.
    """

    def __init__(self) -> None:
        self._of: dict[str, Any] = {}

    def add(self, workers: Sequence[WorkerProfile], block: _Block) -> None:
        if block.ranked is not None:
            self._of.update((w.id, (block.ranked, i)) for i, w in enumerate(block.ranked.workers))
        elif block.matches is not None:
            self._of.update(zip((w.id for w in workers), block.matches, strict=True))

    def __getitem__(self, worker_id: str) -> list[Any]:
        hit = self._of[worker_id]
        if isinstance(hit, list):
            return hit
        ranked, i = hit
        return ranked.worker_rows(i)  # the attributes of Match; reasons built when read

    def __iter__(self) -> Any:
        return iter(self._of)

    def __len__(self) -> int:
        return len(self._of)


def _preselect(
    matcher: Matcher,
    blocks: list[list[WorkerProfile]],
    top: int,
    n_valid: int,
    exclude: dict[str, Any] | None,
    jobs: int,
    stack: contextlib.ExitStack,
    previous: Mapping[str, Any] | None = None,
    delta: Any = None,
) -> Any:
    """Every worker's top-k list at once (:func:`doorstroom_match.increment.preselect`), or
    None where the blocks rank on their own (no commute limit, or one block).

    Ranked at once, the ranking within the commute limit scores only what neighbours can
    reach (:mod:`doorstroom_match.reach`); the blocks, local or on Dask, then explain and write
    the same lists. BLAS is set to one thread per call for the rest of ``stack`` whatever
    ``jobs`` is: the same kernels, the same bits.
    """
    from .core import _blas_threads

    stack.enter_context(_blas_threads(1))
    if matcher.max_km is None or len(blocks) <= 1:
        return None
    from .increment import preselect

    return preselect(
        matcher,
        [w for b in blocks for w in b],
        min(top, n_valid),
        exclude=exclude,
        previous=previous,
        delta=delta,
        n_jobs=jobs,
    )


def _local_blocks(
    matcher: Matcher,
    blocks: list[list[WorkerProfile]],
    top: int,
    n_valid: int,
    exclude: dict[str, Any] | None,
    jobs: int,
    stack: contextlib.ExitStack,
    new: np.ndarray,
    keep_matches: bool,
    previous: Mapping[str, Any] | None = None,
    delta: Any = None,
    before_fork: Any = None,
) -> Any:
    """Ranked blocks in order, ``jobs`` of them at a time: in forked processes where the
    platform forks and ``before_fork`` is given (called first: it waits for the other threads
    of the batch), otherwise on threads of this process.

    Every step of a block runs in its process or thread: scoring, top-k, explaining, the JSON
    text and the store rows (:func:`_rank_block`); the calling thread only writes. The heavy steps
    (the core's kernels, BLAS, sparse products, sorting) release the GIL; BLAS is limited to
    one thread per call while blocks are ranked and the core's kernels run inline on each
    block's thread, so the threads do not oversubscribe the cores and the arithmetic is the
    same for any ``jobs``. The order of the results, and so every output byte, does not
    depend on ``jobs``.
    """
    preselected = _preselect(matcher, blocks, top, n_valid, exclude, jobs, stack, previous, delta)
    args = (top, n_valid, exclude, new, keep_matches, previous, delta, preselected)
    if jobs <= 1 or len(blocks) <= 1:
        return (_rank_block(matcher, b, *args) for b in blocks)
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    from ._fork import can_fork, forked_pool

    if before_fork is not None and can_fork():
        # explaining a block and writing its JSON are mostly Python: on threads they took
        # turns on the GIL (9 s of one core at 25,000 x 100,000), so the blocks go to forked
        # processes, which inherit the fitted matcher and the preselected lists (nothing of
        # a worker is pickled on the way in; the rendered block comes back)
        before_fork()  # no other thread of ours may be running when the process forks
        _FORK_BLOCKS.append((matcher, blocks, args))
        stack.callback(_FORK_BLOCKS.pop)
        pool: Any = stack.enter_context(forked_pool(jobs))

        def submit(i: int) -> Any:
            return pool.submit(_forked_block, i)

        def receive(i: int, done: _Block) -> _Block:
            if done.ranked is None:
                return done
            ranked = dataclasses.replace(done.ranked, matcher=matcher, workers=blocks[i])
            return dataclasses.replace(done, ranked=ranked)
    else:
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=jobs))

        def submit(i: int) -> Any:
            return pool.submit(_rank_block, matcher, blocks[i], *args)

        def receive(i: int, done: _Block) -> _Block:
            return done

    def ranked() -> Any:
        # at most 2 x ``jobs`` blocks in flight: memory stays bounded, and a failing block
        # stops the week after the blocks already running (pool.map would submit every
        # block); with only ``jobs`` a process that finished its block waited, idle, until
        # the blocks before it were taken in order
        pending: deque = deque()
        for i in range(min(_IN_FLIGHT * jobs, len(blocks))):
            pending.append((i, submit(i)))
        nxt = len(pending)
        while pending:
            i, fut = pending.popleft()
            done = receive(i, fut.result())
            if nxt < len(blocks):
                pending.append((nxt, submit(nxt)))
                nxt += 1
            yield done

    return ranked()


#: Blocks in flight per process or thread of the ranking (see ``_local_blocks``).
_IN_FLIGHT = 2

#: The blocks being ranked, for forked processes (they inherit it; see ``_local_blocks``).
_FORK_BLOCKS: list[tuple[Matcher, list[list[WorkerProfile]], tuple]] = []


def _forked_block(i: int) -> _Block:
    """:func:`_rank_block` of block ``i`` in a forked process; the explained rows come back
    without the matcher and the workers (the parent has them)."""
    matcher, blocks, args = _FORK_BLOCKS[-1]
    done = _rank_block(matcher, blocks[i], *args)
    if done.ranked is None:
        return done
    bare = dataclasses.replace(done.ranked, matcher=None, workers=None)
    return dataclasses.replace(done, ranked=bare)


def _rank_block(
    matcher: Matcher,
    workers: list[WorkerProfile],
    top: int,
    n_valid: int,
    exclude: dict[str, Any] | None,
    new: np.ndarray,
    keep_matches: bool,
    previous: Mapping[str, Any] | None = None,
    delta: Any = None,
    preselected: Any = None,
) -> _Block:
    """Rank one block of workers: its lines of ``matches.jsonl``, its store rows, the
    candidates to keep for next week and (with ``keep_matches``) its :class:`Match` lists.

    Per worker, best first: the places within the commute limit, then (only when fewer than
    ``top`` lie within it) the nearest beyond it. ``new`` flags the matcher's vacancies that
    are new this week. Workers in ``previous`` are ranked against the delta only and merged
    with last week's list (:func:`doorstroom_match.increment.rank_block_rows`); the rows are
    the same as a full ranking's.
    """
    from .increment import rank_block_rows

    b = rank_block_rows(
        matcher,
        workers,
        min(top, n_valid),
        exclude=exclude,
        previous=previous,
        delta=delta,
        preselected=preselected,
    )
    text, store_rows = b.ranked.jsonl(new)
    return _Block(
        text,
        store_rows,
        b.candidates,
        sum(b.merged),
        ranked=b.ranked if keep_matches else None,
    )


# Dask: the fitted Matcher does not pickle (mappingproxy fields), so workers get plain records
# and vectors once (scattered), fit a Matcher from them, and keep it for the following blocks.
_REMOTE_MATCHERS: dict[str, tuple[Matcher, np.ndarray, CompetenceDictionary]] = {}


class _Payload:
    """The week's data for the Dask workers as one opaque object: Dask serialises it in one
    piece, as it serialises any object (scattered as a dict, its 100,000 vacancy records
    were walked one by one: 9 s). The package itself never pickles or unpickles."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


def _matcher_from_payload(
    token: str, payload: _Payload
) -> tuple[Matcher, np.ndarray, CompetenceDictionary]:
    """The week's fitted Matcher, its ``new`` flags and the dictionary to read the workers
    with, on a Dask worker, from the scattered payload (once per worker process and week)."""
    hit = _REMOTE_MATCHERS.get(token)
    if hit is None:
        from .feeds import _MemoDictionary

        data = payload.data
        dictionary = (
            CompetenceDictionary.from_records(
                data["dictionary"], allow_unknown=data["allow_unknown"]
            )
            if data["dictionary"] is not None
            else None
        )
        # names resolved once per distinct name, as the client's reader does
        memo = _MemoDictionary(dictionary or default_dictionary())
        vacs = [Vacancy.from_record(r, dictionary=memo) for r in data["vacancies"]]
        params = dict(data["params"])
        if data["guesses"] is not None:
            # the shipped model, as the client's, with the client's guesses: no title is
            # guessed again here
            from .ranking import default_occupation_model

            params["occupations"] = occ = default_occupation_model()
            occ.remember(*data["guesses"])
        m = Matcher(**params, dictionary=dictionary).fit(vacs, vacancy_vectors=data["vectors"])
        _REMOTE_MATCHERS.clear()
        hit = _REMOTE_MATCHERS[token] = (m, data["new"], memo)
    return hit


def _shared_guesses(occ: Any, active: list[Vacancy], wks: list[WorkerProfile]) -> Any:
    """(texts, index, share) of the week's occupation guesses, for the Dask workers (they
    would otherwise guess every title again, once per worker process), or None without a
    shipped occupation model."""
    if occ is None or not hasattr(occ, "remember"):
        return None
    texts = _guessed_texts(active, [w.job_target for w in wks])
    return (texts, *occ.guess(texts)) if texts else None


def _remote_rank(
    token: str,
    payload: _Payload,
    worker_records: list[dict[str, Any]],
    top: int,
    n_valid: int,
    exclude: dict[str, Any] | None,
    keep_matches: bool,
    preselected: Any = None,
) -> _Block:
    """:func:`_rank_block` on a Dask worker: the same block, text and rows as locally (every
    worker ranked in full, from the block's ``preselected`` lists where the client found
    them)."""
    matcher, new, memo = _matcher_from_payload(token, payload)
    workers = [WorkerProfile.from_record(r, dictionary=memo) for r in worker_records]
    done = _rank_block(
        matcher,
        workers,
        top,
        n_valid,
        exclude,
        new,
        keep_matches,
        preselected=preselected,
    )
    if done.ranked is None:
        return done
    # the explained rows hold the matcher: the Match lists travel back instead (they pickle)
    return dataclasses.replace(done, matches=done.ranked.matches(portable=True), ranked=None)


def _block_lists(pre: Any, block: list[WorkerProfile]) -> Any:
    """The part of ``pre`` (:class:`~doorstroom_match.increment.Preselected`) that one block
    needs: a few arrays per worker, sent with the block."""
    from .increment import Preselected

    return Preselected(
        {w.id: pre.near[w.id] for w in block if w.id in pre.near},
        {w.id: pre.delta[w.id] for w in block if w.id in pre.delta},
    )


def _scoring_record(w: WorkerProfile) -> dict[str, Any]:
    """Only what scoring uses of a worker: nothing else of the profile leaves this machine."""
    rec: dict[str, Any] = {"id": w.id, "competences": dict(w.competences)}
    for name in ("job_target", "postcode", "max_commute_km", "regime"):
        value = getattr(w, name)
        if value is not None:
            rec[name] = value
    return rec


# =============================================================================== output
def _dumps(rec: dict[str, Any]) -> str:
    return json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _write_rejected(path: Path, rejected: list[Rejected]) -> _AtomicFile:
    """``rejected.jsonl`` written to its temporary file (committed with the other outputs)."""
    f = _AtomicFile(path)
    try:
        for r in rejected:
            f.write_line(_dumps(r.to_record()))
        f.close()
    except BaseException:
        f.discard()
        raise
    return f


# =============================================================================== the batch
def run_batch(
    workers: str | Path,
    feed: str | Path,
    out_dir: str | Path,
    *,
    places: str | Path | None = None,
    top: int = 10,
    store: str | Path | None = None,
    run_date: str | _dt.date | None = None,
    encoder: str | Any = "tfidf",
    text_field: str = "title",
    scheduler: str | Any | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    max_km: float | str | None = "worker",
    progress: bool = False,
    bulletin: bool = True,
    dictionary: CompetenceDictionary | None = None,
    ratings: str | Path | Sequence[str | Path] | None = None,
    delimiter: str | None = None,
    jobs: int | None = None,
    incremental: bool = True,
) -> BatchResult:
    """Run the weekly batch (see the module docstring).

    Parameters
    ----------
    workers, feed : str or Path
        JSON Lines or CSV files (see :mod:`doorstroom_match.feeds`).
    out_dir : str or Path
        Created when missing; receives ``matches.jsonl``, ``rejected.jsonl``,
        ``summary.json`` and ``bulletin/``.
    places : str or Path, optional
        Partner internship places, in the feed's format (kind ``tbs``, ``bvs`` or ``enclave``).
    top : int, default=10
        Rows per worker (fewer only when fewer valid vacancies exist).
    store : str or Path, optional
        The SQLite state file; default ``out_dir / "state.sqlite"``.
    run_date : date or str, optional
        ``YYYY-MM-DD`` or ``YYYY-Www``; default today. Vacancies with ``valid_until`` before it
        are dropped; *new this week* is relative to it.
    encoder : str or encoder, default='tfidf'
        See :func:`batch_encoder`.
    text_field : {'title', 'text'}, default='title'
        What of a vacancy is encoded and compared with the job target: its title, or title and
        description (slower: about ten times the characters).
    scheduler : str or dask.distributed.Client, optional
        Score the worker blocks on this Dask cluster (address such as ``tcp://host:8786``).
    block_size : int, default=256
        Workers per scoring block (also the unit of Dask tasks).
    max_km : float, 'worker' or None, default='worker'
        Commute limit as in :class:`~doorstroom_match.ranking.Matcher`; see the module
        docstring for the top-up beyond it.
    progress : bool, default=False
        Show tqdm progress bars on standard error.
    bulletin : bool, default=True
        Render the HTML bulletin.
    dictionary : CompetenceDictionary, optional
    ratings : str, Path or sequence of them, optional
        Ratings files (CSV or JSON Lines: ``worker``, ``rater``, ``competence``, ``level``; see
        :func:`~doorstroom_match.calibration.read_ratings`), e.g. the week's ratings or a
        stored history. The raters are calibrated over all of them
        (:func:`~doorstroom_match.calibration.calibrate_raters`) and each rated worker's
        competences become the fair levels before ranking; ``OUT_DIR/calibration.csv`` and
        ``bulletin/kalibratie.html`` report the raters.
    delimiter : str, optional
        Delimiter of CSV inputs (``","``, ``";"``, ...); sniffed from each header when None.
    jobs : int, optional
        Blocks of workers ranked at once on threads of this process (default: every CPU this
        process may use, after its affinity mask and a cgroup CPU quota; 1 = one at a time).
        Outputs are the same byte for byte whatever the number.
    incremental : bool, default=True
        Rank a worker whose record and settings did not change only against the new and
        changed vacancies, merged with last week's candidate list
        (:mod:`doorstroom_match.increment`); the outputs are the same as with False, which
        ranks every worker against every vacancy (the lists are kept either way).

    Returns
    -------
    BatchResult

    Raises
    ------
    FeedError
        An input file cannot be read.
    StoreError
        The store exists but is not usable (empty, not SQLite, foreign, damaged); it is left
        as it is, never replaced.
    BusyError
        Another run is writing to the same output folder or store.
    EmptyInputError
        No valid worker, or no valid and unexpired vacancy (``rejected.jsonl`` is still
        written, so the reasons can be read).
    ValidationError
        A bad parameter.
    """
    # concurrency and crash safety (see doorstroom_match._atomic): one run per output folder
    # and store; a switch a kill interrupted is finished or undone first; the week's files are
    # staged in a fresh folder and moved into place together once the store has committed
    out = Path(out_dir)
    store_path = Path(store) if store is not None else out / "state.sqlite"
    # native pools (BLAS, OpenMP) no larger than the CPUs the process may use: under a CPU
    # quota they would size themselves from the host (a no-op without a quota)
    with batch_lock(out, store_path), native_threads(), _cyclic_gc_paused():
        recover(out, lambda run_id: _run_done(store_path, run_id))
        week = WeekOutput(out, parse_run_date(run_date).isoformat())
        try:
            return _run_batch(
                workers,
                feed,
                out_dir,
                week,
                places=places,
                top=top,
                store=store,
                run_date=run_date,
                encoder=encoder,
                text_field=text_field,
                scheduler=scheduler,
                block_size=block_size,
                max_km=max_km,
                progress=progress,
                bulletin=bulletin,
                dictionary=dictionary,
                delimiter=delimiter,
                ratings=ratings,
                jobs=jobs,
                incremental=incremental,
            )
        finally:
            week.discard()  # a no-op after a publish (the folder is gone)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Any:
    """Python's cyclic garbage collector paused while the week runs, then as it was.

    A week builds millions of long-lived objects (records, profiles, the fitted ranking) and
    almost no reference cycles, so the collector's full passes find nothing: a cold week of
    25,000 workers x 100,000 vacancies ran 11 of them over up to 880,000 tracked objects, 2.3 s
    on the main thread holding the GIL (3.1 s with the younger generations), and the whole week
    left about 900 objects in cycles. Reference counting still frees everything else at once;
    the few cycles are collected after the week. The forked ranking and render processes
    inherit the pause. Restored as it was (a caller that paused it keeps it paused).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_done(store_path: Path, run_id: int) -> bool:
    if not store_path.exists():
        return False
    with Store(store_path) as st:
        return st.run_status(run_id) == "done"


class _DeferredWeek:
    """Stands in for the store inside :func:`_run`: the week's rows are kept, and written by
    :func:`_run_batch` together with the output switch (``Store.finish_week(before_commit=)``).

    When ``_run`` returns the week's rows instead of writing them, pass the store itself."""

    def __init__(self, store: Store) -> None:
        self.path = store.path
        self._store = store
        self.call: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    # caches valid whatever happens to the week (like the embedding cache): written now
    def get_artifact(self, key: str) -> bytes | None:
        return self._store.get_artifact(key)

    def put_artifact(self, key: str, value: bytes) -> None:
        self._store.put_artifact(key, value)

    def finish_week(self, *args: Any, **kw: Any) -> None:
        self.call = (args, kw)


def _run_batch(
    workers: str | Path,
    feed: str | Path,
    out_dir: str | Path,
    week: WeekOutput,
    *,
    places: str | Path | None,
    top: int,
    store: str | Path | None,
    run_date: str | _dt.date | None,
    encoder: str | Any,
    text_field: str,
    scheduler: str | Any | None,
    block_size: int,
    max_km: float | str | None,
    progress: bool,
    bulletin: bool,
    dictionary: CompetenceDictionary | None,
    delimiter: str | None,
    ratings: str | Path | Sequence[str | Path] | None = None,
    jobs: int | None = None,
    incremental: bool = True,
) -> BatchResult:
    t0 = time.perf_counter()
    top = check_int(top, "top", low=1)
    block_size = check_int(block_size, "block_size", low=1)
    jobs = _resolve_jobs(jobs)
    if text_field not in ("title", "text"):
        raise ValidationError(f"text_field must be 'title' or 'text', got {text_field!r}")
    day = parse_run_date(run_date)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeedError(f"cannot create the output folder {str(out)!r}: {exc.strerror}") from None
    store_path = Path(store) if store is not None else out / "state.sqlite"
    dictionary = dictionary or default_dictionary()

    # 1. read --------------------------------------------------------------------------
    wres = read_workers(workers, dictionary=dictionary, delimiter=delimiter)
    seen: dict[str, tuple[str, int]] = {}
    fres = read_vacancies(feed, dictionary=dictionary, seen=seen, what="feed", delimiter=delimiter)
    pres: ReadResult | None = None
    if places is not None:
        pres = read_vacancies(
            places, dictionary=dictionary, seen=seen, what="places", delimiter=delimiter
        )
    results = [wres, fres] + ([pres] if pres else [])
    rejected = [r for res in results for r in res.rejected]
    rejected_path = out / "rejected.jsonl"
    rejected_file = _write_rejected(week.path / "rejected.jsonl", rejected)
    for r in rejected:
        log.info("rejected %s line %d (%s) id=%s", r.source, r.line, r.kind, r.id)
    if not wres.items:
        rejected_file.commit()  # so the reasons can be read
        week.publish_file("rejected.jsonl")
        raise EmptyInputError(
            f"no valid worker in {str(workers)!r}: {wres.n_lines} lines read, "
            f"{len(wres.rejected)} rejected (see {rejected_path})"
        )
    wks = sorted(wres.items, key=lambda w: w.id)
    calibration = None
    if ratings is not None:  # fair levels replace the raters' plain mean before ranking
        from .calibration import calibrate_raters, read_ratings, with_fair_levels

        calibration = calibrate_raters(read_ratings(ratings), dictionary=dictionary)
        wks = with_fair_levels(wks, calibration)
        calibration.to_csv(week.path / "calibration.csv")
    all_vacs = sorted(fres.items + (pres.items if pres else []), key=lambda v: v.id)
    active = [v for v in all_vacs if v.valid_until is None or v.valid_until >= day]
    expired = len(all_vacs) - len(active)
    if not active:
        rejected_file.commit()
        week.publish_file("rejected.jsonl")
        n_read = fres.n_lines + (pres.n_lines if pres else 0)
        raise EmptyInputError(
            f"no valid vacancy for {day.isoformat()}: {n_read} "
            f"lines read, {len(fres.rejected) + (len(pres.rejected) if pres else 0)} rejected, "
            f"{expired} expired (valid_until before the run date)"
        )

    top = min(top, len(active))  # rows per worker never exceed the vacancies (memory bound)

    # the bulletin's werkpunten need only the workers and the vacancies: computed on their
    # own thread while the week is ranked (its kernels release the GIL, and the ranking
    # threads leave the cores idle while they wait for it)
    openings = None
    if bulletin:
        from concurrent.futures import ThreadPoolExecutor

        from .bulletin import bulletin_openings

        opening_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openings")
        openings = opening_pool.submit(bulletin_openings, wks, {v.id: v for v in active})
        opening_pool.shutdown(wait=False)

    try:
        st = Store(store_path)
        deferred = _DeferredWeek(st)  # the week is written with the output switch, below
        with st:
            # 2. compare with what earlier weeks saw ------------------------------------------
            prev = st.vacancy_states()
            # --- coach feedback (issue 15): "niet_relevant" pairs are not suggested again;
            # the statuses go to the bulletin ("gesolliciteerd" shown on the card)
            feedback = st.feedback_statuses()
            not_relevant = st.feedback_exclusions()
            earlier = day.isoformat()
            hashes = {v.id: _record_digest(v.to_record()) for v in all_vacs}
            new_ids = frozenset(
                v.id for v in active if v.id not in prev or prev[v.id].first_seen >= earlier
            )
            n_changed = sum(
                1
                for v in active
                if v.id not in new_ids
                and v.id in prev
                and not _same_record(prev[v.id].hash, hashes[v.id], v)
            )
            input_ids = {v.id for v in all_vacs}
            n_gone = sum(
                1 for vid, s in prev.items() if s.status != "gone" and vid not in input_ids
            )

            # 3. encoder and cached vectors ---------------------------------------------------
            texts = [v.title if text_field == "title" else v.text for v in active]
            enc = batch_encoder(encoder, st, fallback_texts=texts)
            fingerprint = "none" if enc is None else enc.fingerprint
            last_run = st.last_done_run()  # the week the stored candidate lists belong to
            run_id = st.begin_run(day, fingerprint)
            try:
                res = _run(
                    deferred,
                    rejected_file,
                    run_id,
                    day,
                    enc,
                    texts,
                    wks,
                    active,
                    all_vacs,
                    hashes,
                    new_ids,
                    week.path,
                    top=top,
                    block_size=block_size,
                    scheduler=scheduler,
                    max_km=max_km,
                    progress=progress,
                    dictionary=dictionary,
                    n_rejected=len(rejected),
                    n_expired=expired,
                    keep_matches=bulletin,
                    places=pres is not None,
                    jobs=jobs,
                    not_relevant=not_relevant,
                    increment=_Increment(
                        prev,
                        last_run,
                        st.candidate_lists() if incremental else {},
                        text_field,
                    ),
                    # the ranking forks: the openings' thread must be done by then
                    before_fork=(lambda: None) if openings is None else openings.exception,
                )
            except BaseException:
                try:
                    st.fail_run(run_id)
                except Exception:  # noqa: BLE001 - the original error matters more
                    pass
                raise
    except BaseException:
        rejected_file.discard()
        raise
    n_rows, n_encoded, n_cached, matches, placed, n_merged = res
    try:
        # 7. bulletin (staged with the other files) ----------------------------------------
        pages: list[Path] = []
        if bulletin:
            from .bulletin import render_bulletin

            staged = render_bulletin(
                week.path,
                wks,
                matches,
                {v.id: v for v in active},
                new_ids=new_ids,
                week=f"{day.isoformat()} (week {day.isocalendar().week})",
                feedback=feedback,
                assignments=None if placed is None else {r["worker_id"]: r for r in placed.records},
                durable=False,  # staged: week.prepare() makes every page durable at once
                jobs=jobs,
                opening=True if openings is None else openings.result(),
            )
            if calibration is not None:
                from .bulletin.calibration import render_calibration

                staged = [
                    *staged,
                    render_calibration(week.path, calibration, period=day.isoformat()),
                ]
            pages = [out / Path(p).relative_to(week.path) for p in staged]
        result = BatchResult(
            run_id=run_id,
            run_date=day,
            out_dir=out,
            store_path=store_path,
            matches_path=out / "matches.jsonl",
            rejected_path=rejected_path,
            bulletin=pages,
            n_workers=len(wks),
            n_worker_lines=wres.n_lines,
            n_vacancy_lines=fres.n_lines + (pres.n_lines if pres else 0),
            n_vacancies=len(active),
            n_places=sum(1 for v in active if v.is_internship),
            n_rejected=len(rejected),
            n_new=len(new_ids),
            n_changed=n_changed,
            n_expired=expired,
            n_gone=n_gone,
            n_encoded=n_encoded,
            n_cached=n_cached,
            n_rows=n_rows,
            n_blank=sum(r.n_blank for r in results),
            seconds=time.perf_counter() - t0,
            encoder=fingerprint,
            new_ids=new_ids,
            assignments_path=None if placed is None else out / "assignments.jsonl",
            assignment=None if placed is None else placed.summary,
            n_ranked_full=len(wks) - n_merged,
            n_merged=n_merged,
        )
        summary = _AtomicFile(week.path / "summary.json")
        summary.write_line(
            json.dumps(result.to_record(), indent=1, sort_keys=True, ensure_ascii=False)
        )
        summary.commit()
        # 8. the week becomes visible: journal, the store's one transaction, the switch -----
        if deferred.call is None:  # pragma: no cover - _run always ends with finish_week
            raise RuntimeError("the scoring step did not hand over the week's rows")
        week.prepare(run_id)
        args, kw = deferred.call

        def committing() -> None:
            week.committed = True

        with Store(store_path) as st:
            st.finish_week(*args, **kw, before_commit=committing)
    except BaseException:
        _fail_run(store_path, run_id)
        raise
    try:
        week.publish()  # after a kill here, the next run on this folder finishes the switch
    except OSError as exc:
        raise FeedError(
            f"the week is stored, but its files could not all be moved into {str(out)!r} "
            f"({exc.strerror}); the next batch or forget on that folder finishes the move"
        ) from None
    # the whole run (summary.json, written with the week's files, holds the time until then)
    return dataclasses.replace(result, seconds=time.perf_counter() - t0)


def _fail_run(store_path: Path, run_id: int) -> None:
    """Mark a run that raised after scoring as ``failed`` (its week was not committed)."""
    try:
        with Store(store_path) as st:
            st.fail_run(run_id)
    except Exception:  # noqa: BLE001 - the original error matters more
        pass


def _run(
    st: Store,
    rejected_file: _AtomicFile,
    run_id: int,
    day: _dt.date,
    enc: Any,
    texts: list[str],
    wks: list[WorkerProfile],
    active: list[Vacancy],
    all_vacs: list[Vacancy],
    hashes: dict[str, str],
    new_ids: frozenset[str],
    out: Path,
    *,
    top: int,
    block_size: int,
    scheduler: Any,
    max_km: float | str | None,
    progress: bool,
    dictionary: CompetenceDictionary,
    n_rejected: int,
    n_expired: int,
    keep_matches: bool = True,
    places: bool = False,
    jobs: int = 1,
    not_relevant: Mapping[str, set[str]] | None = None,
    increment: _Increment | None = None,
    before_fork: Any = None,
) -> tuple[int, int, int, Mapping[str, list[Match]], _Placed | None, int]:
    n_encoded = n_cached = 0
    vectors = None
    keys: list[str | None] = [None] * len(active)
    if enc is not None:
        from .text.cache import EmbeddingCache

        bar = _bar(progress, len(texts), "encoding", "texts")
        try:
            with EmbeddingCache(st.path) as cache:
                vectors, keys, n_encoded, n_cached = _encode_vacancies(enc, texts, cache, bar)
        finally:
            bar.close()
    occ = _occupation_model(st, active, progress, [w.job_target for w in wks], jobs)
    params = {"text": enc, "fit_text": False, "max_km": max_km}
    matcher = Matcher(**params, occupations=occ, dictionary=dictionary).fit(
        active, vacancy_vectors=vectors
    )
    if enc is not None:
        # the workers' job targets through the same embedding cache as the titles: each
        # distinct target is encoded once, and next week not at all (the ranking threads
        # encoded every worker's target every week)
        from .text.cache import EmbeddingCache, encode_cached

        targets = sorted({t for w in wks if (t := w.job_target or "").strip()})
        if targets:
            with EmbeddingCache(st.path) as cache:
                tvecs, _ = encode_cached(enc, targets, cache)
            matcher._target_vectors = dict(zip(targets, tvecs, strict=True))
    blocks = [wks[i : i + block_size] for i in range(0, len(wks), block_size)]
    n_valid = len(active)

    # scarce places (TBS, BVS, enclave) are shared: one exact assignment for everyone, and a
    # place is only ever suggested to the worker it is assigned to
    placed = (
        _assign_places(wks, active, vectors, day, enc, occ, max_km, dictionary) if places else None
    )
    exclude = placed.exclude if placed is not None else None
    # --- coach feedback (issue 15): a vacancy marked "niet_relevant" is not ranked again
    # for that worker (the list still holds ``top`` rows)
    if not_relevant:
        base = exclude or {}
        exclude = {
            wid: [*base.get(wid, ()), *sorted(not_relevant.get(wid, ()))]
            for wid in {*base, *not_relevant}
        }

    # --- the increment (issue 17): workers whose list of last week is usable are ranked
    # against the new and changed vacancies only and merged with it
    worker_hashes = {w.id: _record_digest(w.to_record()) for w in wks}
    config, previous, delta = _plan_increment(
        matcher, active, wks, hashes, worker_hashes, not_relevant or {}, top, increment, scheduler
    )
    candidates: list[Any] = []
    n_merged = 0

    matches_file = _AtomicFile(out / "matches.jsonl")
    by_worker = _WeekMatches()
    store_rows: list[tuple[str, str, int, float, bool]] = []
    n_rows = 0
    bar = _bar(progress, len(wks), "matching", "workers")
    client = None
    own_client = False
    stack = contextlib.ExitStack()
    try:
        new = np.array([v.id in new_ids for v in active], dtype=bool)
        if scheduler is None:
            ranked = _local_blocks(
                matcher,
                blocks,
                top,
                n_valid,
                exclude,
                jobs,
                stack,
                new,
                keep_matches,
                previous,
                delta,
                before_fork,
            )
        else:
            client, own_client = _dask_client(scheduler)
            # the lists of every worker at once, here (the place-ordered ranking needs the
            # whole week); each block's lists travel with it, so the Dask workers explain and
            # write the lists a local run writes
            pre = _preselect(matcher, blocks, top, n_valid, exclude, jobs, stack)
            payload = {
                "vacancies": [v.to_record() for v in active],
                "vectors": vectors,
                "params": {**params, "occupations": "auto"},
                "dictionary": None
                if dictionary is default_dictionary()
                else dictionary.to_records(),
                "allow_unknown": dictionary.allow_unknown,
                "new": new,
                "guesses": _shared_guesses(occ, active, wks),
            }
            token = _digest([run_id, str(st.path), [hashes[v.id] for v in active], day.isoformat()])
            token = f"{token}-{id(payload)}"
            # one opaque object (see _Payload), sent once to every worker
            remote = client.scatter(_Payload(payload), broadcast=True, hash=False)
            futures = [
                client.submit(
                    _remote_rank,
                    token,
                    remote,
                    [_scoring_record(w) for w in b],
                    top,
                    n_valid,
                    None if exclude is None else {w.id: exclude.get(w.id, ()) for w in b},
                    keep_matches,
                    None if pre is None else _block_lists(pre, b),
                    pure=False,
                )
                for b in blocks
            ]
            ranked = (f.result() for f in futures)
        # the blocks come rendered: this thread only writes them, in order
        for block, done in zip(blocks, ranked, strict=True):
            if done.text:
                matches_file.write_line(done.text)
            store_rows += done.store_rows
            n_rows += len(done.store_rows)
            n_merged += done.n_merged
            candidates += [
                _stored_list(w.id, c, worker_hashes, config, not_relevant)
                for w, c in zip(block, done.candidates, strict=True)
            ]
            if keep_matches:  # for the bulletin; otherwise only streamed to the file
                by_worker.add(block, done)
            bar.update(len(block))
        matches_file.close()
        assignments_file = None
        if placed is not None:
            assignments_file = _AtomicFile(out / "assignments.jsonl")
            for rec in placed.records:
                assignments_file.write_line(_dumps(rec))
            assignments_file.close()
        # 5. the week's state, in one transaction ----------------------------------------
        text_key = {v.id: k for v, k in zip(active, keys, strict=True)}
        active_ids = {v.id for v in active}
        st.finish_week(
            run_id,
            day,
            vacancies=[
                (
                    v.id,
                    hashes[v.id],
                    text_key.get(v.id),
                    v.kind,
                    None if v.valid_until is None else v.valid_until.isoformat(),
                    v.id not in active_ids,
                )
                for v in all_vacs
            ],
            workers=[(w.id, worker_hashes[w.id]) for w in wks],
            matches=store_rows,
            fingerprint=None if enc is None else enc.fingerprint,
            stats={
                "n_workers": len(wks),
                "n_vacancies": len(active),
                "n_rejected": n_rejected,
                "n_new": len(new_ids),
                "n_expired": n_expired,
                "n_encoded": n_encoded,
            },
            candidates=candidates,
        )
        # 6. outputs into place ----------------------------------------------------------
        matches_file.commit()
        if assignments_file is not None:
            assignments_file.commit()
        rejected_file.commit()
    except BaseException:
        matches_file.discard()
        rejected_file.discard()
        raise
    finally:
        stack.close()
        bar.close()
        if own_client and client is not None:
            client.close()
    return n_rows, n_encoded, n_cached, by_worker, placed, n_merged


@dataclass(frozen=True)
class _Increment:
    """What the store knows of last week, for the increment."""

    states: Mapping[str, Any]  # vacancy id -> VacancyState
    last_run: int | None
    lists: Mapping[str, Any]  # worker id -> StoredCandidates
    text_field: str


def _plan_increment(
    matcher: Matcher,
    active: list[Vacancy],
    wks: list[WorkerProfile],
    hashes: Mapping[str, str],
    worker_hashes: Mapping[str, str],
    not_relevant: Mapping[str, set[str]],
    top: int,
    increment: _Increment | None,
    scheduler: Any,
) -> tuple[str, dict[str, Any], Any]:
    """(config digest, workers to merge with their survivors, (restricted Matcher, delta
    columns) or None). With a Dask scheduler every worker is ranked in full. Digests that
    last week's store wrote in an earlier format are compared in that format
    (:func:`_same_record`)."""
    from .increment import config_digest, plan_merges

    text_field = "title" if increment is None else increment.text_field
    config = config_digest(matcher, top=top, text_field=text_field)
    if increment is None or scheduler is not None or not increment.lists:
        return config, {}, None
    states = increment.states
    unchanged = np.array(
        [
            not v.is_internship  # places are re-assigned, so re-ranked, every week
            and (s := states.get(v.id)) is not None
            and s.status == "active"
            and _same_record(s.hash, hashes[v.id], v)
            for v in active
        ],
        dtype=bool,
    )
    col_of = {vid: j for j, vid in enumerate(matcher.vacancy_ids_)}
    stored = increment.lists
    # as last week's lists name their workers' records: this version's digest, or an earlier one's
    compare = {
        w.id: (
            worker_hashes[w.id]
            if (c := stored.get(w.id)) is None or c.worker_hash.startswith(RECORD_DIGEST_PREFIX)
            else _digest(w.to_record())
        )
        for w in wks
    }
    previous = plan_merges(
        stored, compare, config, increment.last_run, col_of, unchanged, not_relevant
    )
    if not previous:
        return config, {}, None
    delta_cols = np.flatnonzero(~unchanged)
    delta = (matcher._restricted(delta_cols), delta_cols) if len(delta_cols) else None
    return config, previous, delta


def _stored_list(
    wid: str,
    c: Any,
    worker_hashes: Mapping[str, str],
    config: str,
    not_relevant: Mapping[str, set[str]] | None,
) -> Any:
    from .store import StoredCandidates

    return StoredCandidates(
        worker_id=wid,
        run_id=0,  # the store writes the run's id
        worker_hash=worker_hashes[wid],
        config=config,
        excluded=tuple(sorted((not_relevant or {}).get(wid, ()))),
        complete=c.complete,
        vacancy_ids=c.vacancy_ids,
        scores=np.array(c.scores, dtype=np.float32),
    )


def _resolve_jobs(jobs: int | None) -> int:
    from .core import _cpu_count

    if jobs is None:
        return _cpu_count()
    return check_int(jobs, "jobs", low=1)


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    """(client, whether we opened it) for an address or an existing Client."""
    if not isinstance(scheduler, str):
        return scheduler, False
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise BackendUnavailableError(
            "scheduler needs dask.distributed; install the extra with "
            "`pip install doorstroom_match[batch]`"
        ) from exc
    try:
        return Client(scheduler, timeout="20s"), True
    except (OSError, TimeoutError) as exc:
        raise FeedError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None


# =============================================================================== forget
@dataclass(frozen=True)
class ForgetResult:
    """What :func:`forget_worker` removed.

    Attributes
    ----------
    store_rows : dict of str to int
        Rows deleted per store table.
    file_rows : dict of str to int
        Rows (or HTML elements) removed per output file.
    files_deleted : list of str
        Bulletin pages that still mentioned the worker after their sections were cut out, and
        were deleted (the next batch run writes them again).
    """

    store_rows: dict[str, int]
    file_rows: dict[str, int]
    files_deleted: list[str]


def _id_forms(worker_id: str) -> list[str]:
    """Every way an output file can spell the id: as is, HTML-escaped (bulletin), and
    JSON-escaped with and without ``ensure_ascii`` (JSON Lines rows)."""
    import html as _html

    forms = {
        worker_id,
        _html.escape(worker_id, quote=True),
        _html.escape(worker_id, quote=False),
        json.dumps(worker_id, ensure_ascii=True)[1:-1],
        json.dumps(worker_id, ensure_ascii=False)[1:-1],
    }
    return sorted(forms, key=len, reverse=True)


def _mentions(text: str, worker_id: str) -> bool:
    import re

    return any(
        re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text) is not None
        for form in _id_forms(worker_id)
    )


def _names_worker(rec: Any, worker_id: str) -> bool:
    """Whether a row of ``rejected.jsonl`` is about the worker.

    Its parsed id, or its raw input line naming the id: as a JSON string, as the value of an
    ``"id"`` field (a number), or as a whole CSV cell. The raw line is what identifies the
    worker when the line could not be parsed (not valid UTF-8, malformed JSON or CSV).
    """
    import csv
    import io
    import re

    if not isinstance(rec, dict):
        return False
    rid = rec.get("id")
    if rid is not None and str(rid) == worker_id:
        return True
    raw = str(rec.get("raw", ""))
    if json.dumps(worker_id, ensure_ascii=False) in raw or json.dumps(worker_id) in raw:
        return True
    if re.search(rf'"id"\s*:\s*{re.escape(worker_id)}(?![\w.])', raw):
        return True
    try:
        cells = [c.strip() for row in csv.reader(io.StringIO(raw)) for c in row]
    except csv.Error:  # a malformed CSV row: split it by hand
        cells = [c.strip().strip('"') for c in re.split(r"[,;\t]", raw)]
    return worker_id in cells


def _rejected_mentions(rec: Any, worker_id: str) -> bool:
    """A rejected row is about the worker: its id, or its raw line (JSON, CSV in any
    delimiter, escaped in any way) names the worker."""
    if not isinstance(rec, dict):
        return False
    if rec.get("id") == worker_id:
        return True
    raw = str(rec.get("raw", ""))
    if _mentions(raw, worker_id):
        return True
    try:  # a JSON line can escape any character (\u0057 for W): compare the parsed id
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and str(parsed.get("id")) == worker_id


def _rewrite_jsonl(path: Path, drop: Any, worker_id: str) -> int:
    # split on \n only: str.splitlines would also cut at U+0085 or U+2028 inside a JSON string
    lines = path.read_text("utf-8", errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    keep = []
    for line in lines:
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):  # not ours: kept unless it names the worker
            if not _mentions(line, worker_id):
                keep.append(line)
            continue
        if not drop(rec):
            keep.append(line)
    f = _AtomicFile(path)
    for line in keep:
        f.write_line(line)
    f.commit()
    return len(lines) - len(keep)


def _cut_html(text: str, worker_id: str) -> tuple[str, int]:
    """Remove the elements that belong to one worker from a bulletin page."""
    import html as _html
    import re

    from .bulletin import _slug

    wid = re.escape(_html.escape(worker_id, quote=True))
    anchor = re.escape(_html.escape(_slug(worker_id), quote=True))
    n = 0
    patterns = [
        # the worker's own section, a row of an overview table, a navigation entry
        rf'<section\b[^>]*\bdata-worker="{wid}"[^>]*>.*?</section>',
        rf'<tr\b[^>]*\bdata-worker="{wid}"[^>]*>.*?</tr>',
        rf'<li\b[^>]*>\s*<a\b[^>]*href="[^"]*#w-{anchor}"[^>]*>.*?</a>\s*</li>',
    ]
    for pat in patterns:
        text, k = re.subn(pat, "", text, flags=re.S)
        n += k
    return text, n


def forget_worker(
    worker_id: str, store: str | Path, *, out_dir: str | Path | None = None
) -> ForgetResult:
    """Remove a worker from the store and, optionally, from an output folder.

    Deletes every store row about the worker (workers, past matches, outcomes) in one
    transaction and rewrites the file (``VACUUM``) so no deleted page keeps the data. With
    ``out_dir``: the worker's rows of ``matches.jsonl`` and ``rejected.jsonl`` (a rejected
    row of any format whose raw line names the worker, however escaped) and its elements of
    the bulletin pages (found by the id as written there, HTML-escaped) are removed
    (atomically); a page that still mentions the id elsewhere is deleted (the next batch run
    writes it again). Temporary files and staging folders that a killed run left behind are
    deleted too. The output folder and the store are locked while this runs.

    Parameters
    ----------
    worker_id : str
    store : str or Path
        The SQLite state file.
    out_dir : str or Path, optional

    Returns
    -------
    ForgetResult

    Raises
    ------
    BusyError
        A batch is running on the output folder or the store.
    StoreError
        The store is not usable.
    """
    from contextlib import ExitStack

    from ._atomic import exclusive, store_lock_path
    from ._validation import check_id

    wid = check_id(worker_id, "worker id")
    store_path = Path(store)
    with ExitStack() as locks:
        if out_dir is not None:
            locks.enter_context(batch_lock(Path(out_dir), store_path))
            recover(Path(out_dir), lambda run_id: _run_done(store_path, run_id))
        else:
            lock = store_lock_path(store_path)
            locks.enter_context(exclusive(lock, f"the store {str(store_path)!r}"))
        return _forget(wid, store_path, out_dir)


def _forget(wid: str, store: Path, out_dir: str | Path | None) -> ForgetResult:
    with Store(store) as st:
        rows = st.forget_worker(wid)
    file_rows: dict[str, int] = {}
    deleted: list[str] = []
    if out_dir is not None:
        out = Path(out_dir)
        m = out / "matches.jsonl"
        if m.is_file():
            file_rows[str(m)] = _rewrite_jsonl(
                m, lambda r: isinstance(r, dict) and r.get("worker_id") == wid, wid
            )
        a = out / "assignments.jsonl"
        if a.is_file():  # the worker's row, and rows whose reason names them (a place taken)
            file_rows[str(a)] = _rewrite_jsonl(
                a,
                lambda r: (
                    isinstance(r, dict)
                    and (r.get("worker_id") == wid or _mentions(str(r.get("reason") or ""), wid))
                ),
                wid,
            )
        rj = out / "rejected.jsonl"
        if rj.is_file():
            file_rows[str(rj)] = _rewrite_jsonl(
                rj, lambda r: _rejected_mentions(r, wid) or _names_worker(r, wid), wid
            )
        bdir = out / "bulletin"
        if bdir.is_dir():
            for page in sorted(bdir.glob("*.html")):
                text = page.read_text("utf-8")
                if not _mentions(text, wid):
                    continue
                text, n = _cut_html(text, wid)
                if _mentions(text, wid):
                    page.unlink()
                    deleted.append(str(page))
                    continue
                f = _AtomicFile(page)
                f.fh.write(text)
                f.commit()
                file_rows[str(page)] = n
    log.info("forgot worker %s", wid)
    return ForgetResult(rows, file_rows, deleted)
