"""Files and folders that change all at once: one writer per output folder, unique temporary
names, and a week's outputs made visible together.

Three pieces, used by :mod:`doorstroom_match.batch`:

- :func:`exclusive` holds an advisory lock (``fcntl.flock``; ``msvcrt.locking`` on Windows) on
  ``OUT_DIR/.doorstroom.lock`` (and beside a store kept elsewhere) for as long as a batch or a
  ``forget`` runs. A second run on the same folder stops at once with :class:`BusyError` and
  one line naming the process that holds it. The operating system drops the lock when that
  process ends, however it ends, so a killed run never leaves a stale lock.
- :class:`AtomicFile` writes to a temporary file with a name unique to the run in the target's
  folder, then fsyncs and renames it over the target (:func:`os.replace`).
- :class:`WeekOutput` is the week's staging folder ``OUT_DIR/.week-<run>-<random>/``: every
  output of the week is written there first. :meth:`WeekOutput.prepare` writes a journal
  (``OUT_DIR/.doorstroom-switch.json``) naming the folder and the run; after the store has
  committed the week, :meth:`WeekOutput.publish` moves the files into place and removes the
  journal. :func:`recover` (at the start of the next batch or ``forget``) finishes a switch
  that a kill interrupted when the store says the run is ``done``, and otherwise throws the
  staging folder away, so the store and the files always end up describing the same week.

Last week's files are not freed during the switch: each is hard-linked into a trash folder
(``OUT_DIR/.doorstroom-trash-<random>/``) before the new file replaces it, so the switch
is renames only, and the trash is deleted after it (:func:`_free`). On a disk mounted with
online discard, freeing a file costs about half a millisecond whatever its size, which for a
Flanders bulletin (some 26,000 pages) is seconds; beyond :data:`_FREE_INLINE` files the trash
is deleted on a thread that the interpreter joins before it exits. :func:`recover` deletes
any trash a killed process left, and waits for this process's own deletions first.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from ._exceptions import BusyError, FeedError

__all__ = [
    "AtomicFile",
    "WeekOutput",
    "exclusive",
    "batch_lock",
    "store_lock_path",
    "recover",
    "write_text_atomic",
    "LOCK_NAME",
    "JOURNAL_NAME",
    "MANIFEST_NAME",
]

LOCK_NAME = ".doorstroom.lock"
JOURNAL_NAME = ".doorstroom-switch.json"
MANIFEST_NAME = ".doorstroom-week.json"
_STAGING_PREFIX = ".week-"
_TRASH_PREFIX = ".doorstroom-trash-"

#: Up to this many files of last week are deleted before the switch returns; more are deleted
#: on a thread (see the module docstring).
_FREE_INLINE = 1000

#: Threads deleting trash folders, by the output folder (joined by :func:`recover`).
_FREEING: dict[str, list[threading.Thread]] = {}
_FREEING_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- locking
def _try_lock(fh: IO[Any]) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def exclusive(lock_path: Path, what: str) -> Iterator[None]:
    """Hold the advisory lock ``lock_path`` for the block, or raise :class:`BusyError`.

    Parameters
    ----------
    lock_path : Path
        The lock file (created when missing; it stays, empty of meaning, after the block).
    what : str
        What is locked, for the message (``"the output folder 'out'"``).

    Raises
    ------
    BusyError
        Another process (or another run in this process) holds the lock.
    FeedError
        The lock file cannot be created.
    """
    try:
        fh = open(lock_path, "a+", encoding="utf-8")
    except OSError as exc:
        raise FeedError(f"cannot create the lock file {str(lock_path)!r}: {exc.strerror}") from None
    try:
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read(200).strip() or "another process"
            raise BusyError(
                f"{what} is in use by another doorstroom-match run ({holder}); wait until it "
                "has finished, or use another output folder"
            )
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
    finally:
        fh.close()  # closing the file releases the lock


def store_lock_path(store_path: Path) -> Path:
    """The lock file of a store: ``.NAME.lock`` beside it."""
    return store_path.with_name(f".{store_path.name}.lock")


@contextmanager
def batch_lock(out: Path, store_path: Path | None = None) -> Iterator[None]:
    """Lock the output folder (created when missing), then the store (its folder created when
    missing): a batch holds both; ``forget`` without an output folder holds the store's."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeedError(f"cannot create the output folder {str(out)!r}: {exc.strerror}") from None
    with ExitStack() as stack:
        stack.enter_context(exclusive(out / LOCK_NAME, f"the output folder {str(out)!r}"))
        if store_path is not None:
            try:
                store_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise FeedError(
                    f"cannot create the store's folder {str(store_path.parent)!r}: {exc.strerror}"
                ) from None
            lock = store_lock_path(store_path)
            stack.enter_context(exclusive(lock, f"the store {str(store_path)!r}"))
        yield


# ----------------------------------------------------------------------------- files
class AtomicFile:
    """Write text to a temporary file unique to this run; :meth:`commit` fsyncs and renames it.

    The temporary file is ``.NAME.<random>.tmp`` in the target's folder, so two runs never
    write the same temporary file, and readers see the old or the new ``NAME``, never half.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name[:60]}.", suffix=".tmp",
                                   dir=self.path.parent)  # fmt: skip
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def write_line(self, text: str) -> None:
        self.fh.write(text)
        self.fh.write("\n")

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()

    def commit(self) -> None:
        self.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through an :class:`AtomicFile`."""
    f = AtomicFile(path)
    try:
        f.fh.write(text)
        f.commit()
    except BaseException:
        f.discard()
        raise


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - not possible on every platform
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _sync_files(root: Path, files: Sequence[str]) -> None:
    """Flush ``files`` (relative to ``root``) and their folders to disk.

    One :func:`os.sync` where the platform has it (a single call, whatever the number of
    files); otherwise one fsync per file.
    """
    if hasattr(os, "sync"):
        os.sync()
        return
    for rel in files:  # pragma: no cover - Windows
        fd = os.open(root / rel, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in {(root / rel).parent for rel in files} | {root}:  # pragma: no cover
        _fsync_dir(folder)


# ----------------------------------------------------------------------------- the week
class WeekOutput:
    """The staging folder of one week's outputs, published all at once.

    Parameters
    ----------
    out : Path
        The output folder (locked by the caller).
    tag : str
        Part of the staging folder's name (the run date), for a person looking at the disk.
    """

    def __init__(self, out: Path, tag: str) -> None:
        self.out = Path(out)
        self.path = Path(tempfile.mkdtemp(prefix=f"{_STAGING_PREFIX}{tag}-", dir=self.out))
        self.run_id: int | None = None
        #: Set (by the store's ``before_commit``) once the week may be committed: from then on
        #: the staged files belong to :func:`recover`, and :meth:`discard` leaves them.
        self.committed = False

    def files(self) -> list[str]:
        """Paths of the staged files, relative to the staging folder, sorted."""
        return _staged_files(self.path)

    def publish_file(self, rel: str) -> Path:
        """Move one staged file into place now (the reasons of a run that cannot go on)."""
        target = self.out / rel
        os.replace(self.path / rel, target)
        return target

    def prepare(self, run_id: int) -> None:
        """Make every staged file durable, then write the journal: from now on a kill is
        finished by :func:`recover` if the store committed run ``run_id``, and undone if it
        did not.

        Staged files may be written plainly (the bulletin's thousands of pages are): nobody
        reads the staging folder, and they are flushed to disk here at once, before the
        journal and the store's commit can point at them.
        """
        self.run_id = run_id
        files = self.files()
        _sync_files(self.path, files)
        journal = {"staging": self.path.name, "run_id": run_id, "files": files}
        write_text_atomic(self.out / JOURNAL_NAME, json.dumps(journal, sort_keys=True))
        _fsync_dir(self.out)

    def publish(self) -> None:
        """Move every staged file into place, drop last week's files this week did not write,
        and remove the journal and the staging folder."""
        _apply(self.out, self.path, self.files())

    def discard(self) -> None:
        """Throw the staged files away, unless the week was (or may have been) committed: then
        they stay for :func:`recover`, which finishes the switch or removes them."""
        if self.committed:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        journal = self.out / JOURNAL_NAME
        if self.run_id is not None and journal.is_file():
            try:
                if json.loads(journal.read_text("utf-8")).get("staging") == self.path.name:
                    journal.unlink()
            except (OSError, ValueError):
                pass


def _staged_files(root: Path) -> list[str]:
    """Files under ``root``, as sorted POSIX paths relative to it (``os.walk`` on strings: a
    week's bulletin stages tens of thousands of pages, and ``Path.rglob`` spent seconds
    building path objects for them)."""
    top = os.fspath(root)
    out: list[str] = []
    for folder, _dirs, names in os.walk(top):
        rel = os.path.relpath(folder, top)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out += [prefix + n for n in names if os.path.isfile(os.path.join(folder, n))]
    return sorted(out)


def _free(out: Path, trash: str, n_files: int) -> None:
    """Delete the trash folder: now when it is small, otherwise on a thread (joined by the
    interpreter before it exits, and by :func:`recover` before the next run on ``out``)."""
    if n_files <= _FREE_INLINE:
        shutil.rmtree(trash, ignore_errors=True)
        return
    t = threading.Thread(
        target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, name="free-trash"
    )
    with _FREEING_LOCK:
        _FREEING.setdefault(os.path.realpath(out), []).append(t)
    t.start()


def _drop_trash(out: Path) -> None:
    """Wait for this process's deletions under ``out``, then delete any trash left there."""
    with _FREEING_LOCK:
        threads = _FREEING.pop(os.path.realpath(out), [])
    for t in threads:
        t.join()
    for leftover in out.glob(f"{_TRASH_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)


def _apply(out: Path, staging: Path, files: Sequence[str]) -> None:
    made: set[str] = set()
    src_root, out_root = os.fspath(staging), os.fspath(out)
    trash = tempfile.mkdtemp(prefix=_TRASH_PREFIX, dir=out_root)
    n_trash = 0
    for rel in files:
        src = os.path.join(src_root, rel)
        if not os.path.isfile(src):  # moved before a kill
            continue
        target = os.path.join(out_root, rel)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        try:  # last week's file lives on in the trash: the replace below frees nothing
            os.link(target, os.path.join(trash, str(n_trash)))
            n_trash += 1
        except OSError:  # no such file yet (or no hard links here): replaced the plain way
            pass
        os.replace(src, target)
    manifest = out / MANIFEST_NAME
    try:
        before = set(json.loads(manifest.read_text("utf-8")).get("files", []))
    except (OSError, ValueError, AttributeError):
        # no manifest yet (a folder of an older version): the bulletin's pages are the files
        # whose set changes from week to week
        before = {
            p.relative_to(out).as_posix()
            for pattern in ("bulletin/coach-*.html", "bulletin/index.html")
            for p in out.glob(pattern)
        }
    for rel in sorted(before - set(files)):
        path = out / rel
        if path.resolve().parent.is_relative_to(out.resolve()):
            try:  # out of sight now, freed with the trash
                os.replace(path, os.path.join(trash, str(n_trash)))
                n_trash += 1
            except FileNotFoundError:
                pass
    write_text_atomic(manifest, json.dumps({"files": list(files)}, sort_keys=True))
    _fsync_dir(out)
    (out / JOURNAL_NAME).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    _free(out, trash, n_trash)


def recover(out: Path, run_done: Callable[[int], bool]) -> str | None:
    """Bring an output folder back to one consistent week after a killed run.

    Call it with the folder locked. A journal whose run the store reports ``done`` is
    finished (the staged files move into place); any other journal, staging folder or
    temporary file left by a killed run is deleted (it may hold personal data).

    Parameters
    ----------
    out : Path
    run_done : callable (run_id) -> bool
        Whether the store committed that run (only called when a journal exists).

    Returns
    -------
    str or None
        ``"finished"`` or ``"undone"`` when a journal was found, else None.
    """
    if not out.is_dir():
        return None
    _drop_trash(out)  # last week's superseded pages may hold personal data
    outcome = None
    journal = out / JOURNAL_NAME
    if journal.is_file():
        try:
            data = json.loads(journal.read_text("utf-8"))
            staging = out / str(data["staging"])
            run_id, files = int(data["run_id"]), [str(f) for f in data["files"]]
            ok = staging.name.startswith(_STAGING_PREFIX) and staging.parent == out
        except (OSError, ValueError, KeyError, TypeError):
            ok, staging, run_id, files = False, out, -1, []
        if ok and run_done(run_id):
            _apply(out, staging, files)
            outcome = "finished"
        else:
            journal.unlink(missing_ok=True)
            outcome = "undone"
    for leftover in out.glob(f"{_STAGING_PREFIX}*"):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
    for folder in (out, out / "bulletin"):
        for tmp in folder.glob(".*.tmp"):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
    return outcome
