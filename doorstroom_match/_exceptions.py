"""The package's exception classes.

Every error subclasses :class:`DoorstroomError` and a builtin, so callers can catch either
``doorstroom_match.DoorstroomError`` or the builtin they already expect (``ValueError``).
Messages name the field, what was allowed and what was received; they never contain personal
data beyond a worker id.
"""

from __future__ import annotations

__all__ = [
    "DoorstroomError",
    "ValidationError",
    "LevelError",
    "UnknownCompetenceError",
    "DuplicateIdError",
    "UnknownIdError",
    "EmptyInputError",
    "NotFittedError",
    "FeedError",
    "BackendUnavailableError",
    "StoreError",
    "BusyError",
]


class DoorstroomError(Exception):
    """Base class of every error raised by doorstroom_match."""


class ValidationError(DoorstroomError, ValueError):
    """An input value is not allowed (shape, range, type)."""


class LevelError(ValidationError):
    """A competence level is outside 1..4 or not a known Dutch label."""


class UnknownCompetenceError(ValidationError, KeyError):
    """A competence name is not in the dictionary; the message suggests close names."""

    def __str__(self) -> str:  # KeyError would repr() the message; keep it readable
        return str(self.args[0]) if self.args else ""


class DuplicateIdError(ValidationError):
    """Two workers, vacancies or places share an id."""


class UnknownIdError(ValidationError, LookupError):
    """A worker or vacancy id that the store (or the input) does not know."""


class EmptyInputError(ValidationError):
    """A collection that must hold at least one item is empty."""


class NotFittedError(DoorstroomError, ValueError, AttributeError):
    """An estimator-like object is used before ``fit``."""


class FeedError(DoorstroomError, ValueError):
    """An input file cannot be read at all (a single bad row is quarantined instead)."""


class BackendUnavailableError(DoorstroomError, ImportError):
    """An optional backend's dependency is not installed; the message names the extra."""


class StoreError(FeedError):
    """The state file exists but cannot be used: empty, not SQLite, another program's
    database, a damaged page or a missing table. Never silently replaced by a fresh store."""


class BusyError(DoorstroomError, RuntimeError):
    """Another run holds the output folder or the store; the message says which process."""
