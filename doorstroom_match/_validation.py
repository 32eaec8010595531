"""Every input check of the package and its message.

Messages name the field, what is allowed and what was received, and never contain personal
data beyond a worker id.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ._exceptions import DuplicateIdError, EmptyInputError, LevelError, ValidationError
from .competences import LEVEL_LABELS, CompetenceDictionary, normalise_name

__all__ = [
    "check_level",
    "quick_level",
    "check_levels_mapping",
    "check_weights_mapping",
    "check_id",
    "check_unique_ids",
    "check_non_empty",
    "check_int",
    "check_number",
    "check_level_array",
    "check_weight_array",
    "check_date",
    "check_finite_vectors",
    "shown",
]

_LABEL_TO_LEVEL = {normalise_name(label): level for level, label in LEVEL_LABELS.items()}
_ALLOWED_LEVELS = "one of 1..4 (onvoldoende..zeer goed)"
_INT_TEXT = re.compile(r"\s*-?[0-9]{1,18}\s*")  # ASCII digits only: no '²', no 10**5000
_ISO_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.+\-Z]{2,40})?")
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages (a 20 MB cell is not echoed)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-2:]}"


def quick_level(value: Any) -> int | None:
    """The level of a plainly valid value, or None for anything that needs :func:`check_level`.

    The common spellings in a feed (an int 1..4, ``"3"``, ``"goed"``, ``"Zeer goed"``, ...) are
    one type test and one dict lookup; every other value (an out-of-range int, ``3.0``, a
    label in odd spacing, ``True``) gives None, and the caller passes it to :func:`check_level`,
    which parses it or refuses it with its message. Never raises.

    Examples
    --------
    >>> quick_level(3), quick_level("Zeer goed"), quick_level(5), quick_level(True)
    (3, 4, None, None)
    """
    if type(value) is int:  # not bool, not an int subclass: those go the long way
        return value if 1 <= value <= 4 else None
    if type(value) is str:
        return _PLAIN_LEVELS.get(value)
    return None


def check_level(value: Any, field: str) -> int:
    """Parse one level given as 1..4, an integral float, a digit string or a Dutch label.

    Parameters
    ----------
    value : int, float, or str
        ``3``, ``3.0``, ``"3"``, ``"goed"``, ``"Zeer Goed"``.
    field : str
        What the level belongs to, for the message (``"level for 'samenwerken'"``).

    Returns
    -------
    int
        The level, 1..4.

    Raises
    ------
    LevelError
        Out of range (0, 5), fractional (2.5), NaN, boolean or an unknown label.
    """
    level = quick_level(value)
    if level is not None:
        return level
    if isinstance(value, bool) or value is None:
        raise LevelError(f"{field} == {value!r}, must be {_ALLOWED_LEVELS}")
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 18:  # no '²', no 10**5000
            return check_level(int(text), field)
        level = _LABEL_TO_LEVEL.get(normalise_name(text[:40]))
        if level is None:
            raise LevelError(
                f"{field} == {shown(value)} is not a known level label; must be {_ALLOWED_LEVELS} "
                f"or a label: {', '.join(repr(v) for v in LEVEL_LABELS.values())}"
            )
        return level
    if isinstance(value, numbers.Integral):
        level = int(value)
    elif isinstance(value, numbers.Real):
        fvalue = float(value)
        if not math.isfinite(fvalue) or not fvalue.is_integer():
            raise LevelError(f"{field} == {shown(value)}, must be {_ALLOWED_LEVELS}")
        level = int(fvalue)
    else:
        raise LevelError(
            f"{field} must be an int 1..4 or a Dutch level label, got {type(value).__name__}"
        )
    if level not in LEVEL_LABELS:
        raise LevelError(f"{field} == {shown(value)}, must be {_ALLOWED_LEVELS}")
    return level


def _plain_level_spellings() -> dict[str, int]:
    """Digits and the labels in lower, sentence, title and upper case, parsed by check_level
    itself (so the table can never disagree with it)."""
    texts = [str(level) for level in LEVEL_LABELS]
    for label in LEVEL_LABELS.values():
        texts += [label, label.capitalize(), label.title(), label.upper()]
    return {text: check_level(text, "level") for text in texts}


_PLAIN_LEVELS: dict[str, int] = {}
_PLAIN_LEVELS.update(_plain_level_spellings())  # empty while the table is built


def check_levels_mapping(
    mapping: Any, dictionary: CompetenceDictionary, field: str, *, owner: str
) -> dict[str, int]:
    """Resolve names and parse levels of a competence -> level mapping.

    Two names that resolve to the same competence (``zelfstandigheid`` and
    ``zelfredzaamheid``) are an error, never a silent overwrite.
    """
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise ValidationError(
            f"{field} of {owner} must be a mapping competence -> level, "
            f"got {type(mapping).__name__}"
        )
    out: dict[str, int] = {}
    seen_as: dict[str, str] = {}
    name_field = f"competence in {field} of {owner}"
    for name, value in mapping.items():
        cid = dictionary.resolve(name, field_name=name_field)
        if cid in out:
            raise DuplicateIdError(
                f"{field} of {owner}: {name!r} and {seen_as[cid]!r} both name competence {cid!r}"
            )
        level = quick_level(value)  # the message is only built for a value that needs it
        out[cid] = (
            level
            if level is not None
            else check_level(value, f"{field} level for {cid!r} of {owner}")
        )
        seen_as[cid] = name
    return out


def check_weights_mapping(
    weights: Any, dictionary: CompetenceDictionary, required: Mapping[str, int], *, owner: str
) -> dict[str, float]:
    """Resolve and check per-competence weights: finite, > 0, only for required competences."""
    if weights is None:
        return {}
    if not isinstance(weights, Mapping):
        raise ValidationError(
            f"weights of {owner} must be a mapping competence -> weight, "
            f"got {type(weights).__name__}"
        )
    out: dict[str, float] = {}
    for name, value in weights.items():
        cid = dictionary.resolve(name, field_name=f"competence in weights of {owner}")
        if cid not in required:
            raise ValidationError(
                f"weights of {owner}: competence {cid!r} has a weight but is not in the "
                f"requirements ({', '.join(required) or 'none'})"
            )
        out[cid] = check_number(
            value, f"weight for {cid!r} of {owner}", low=0.0, low_open=True, high=_FLOAT32_MAX
        )
    return out


def check_id(value: Any, field: str) -> str:
    """An id: a non-empty string (an int is turned into its decimal string)."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}")
    if isinstance(value, numbers.Integral):
        if abs(int(value)) >= 10**18:
            raise ValidationError(f"{field} must be a string or an integer below 10**18")
        return str(int(value))
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {shown(value)}")
    return value


def check_unique_ids(items: Iterable[Any], what: str) -> list[str]:
    """The ``id`` of each item, raising DuplicateIdError on the first repeat."""
    seen: set[str] = set()
    ids = []
    for item in items:
        iid = item.id
        if iid in seen:
            raise DuplicateIdError(f"duplicate {what} id {iid!r}: ids must be unique")
        seen.add(iid)
        ids.append(iid)
    return ids


def check_non_empty(items: Any, what: str) -> list[Any]:
    """A list of the items, raising EmptyInputError when there are none."""
    if items is None:
        raise EmptyInputError(f"{what} must hold at least one item, got None")
    seq = list(items)
    if not seq:
        raise EmptyInputError(f"{what} must hold at least one item, got 0")
    return seq


def check_int(value: Any, field: str, *, low: int | None = None, high: int | None = None) -> int:
    """An integer (integral floats accepted) within [low, high]."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"{field} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        ivalue = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        ivalue = int(value)
    elif isinstance(value, str) and _INT_TEXT.fullmatch(value):
        ivalue = int(value)
    else:
        raise ValidationError(f"{field} must be an integer, got {shown(value)}")
    if low is not None and ivalue < low:
        raise ValidationError(f"{field} must be >= {low}, got {shown(value)}")
    if high is not None and ivalue > high:
        raise ValidationError(f"{field} must be <= {high}, got {shown(value)}")
    return ivalue


def check_number(
    value: Any,
    field: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """A finite real number within bounds (``low_open``: strictly above ``low``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{field} must be a finite number, got {shown(value)}")
    try:
        fvalue = float(value)
    except OverflowError:  # an int beyond the float range
        fvalue = math.inf
    if not math.isfinite(fvalue):
        raise ValidationError(f"{field} must be a finite number, got {shown(value)}")
    if low is not None and (fvalue <= low if low_open else fvalue < low):
        raise ValidationError(
            f"{field} must be {'>' if low_open else '>='} {low}, got {shown(value)}"
        )
    if high is not None and fvalue > high:
        raise ValidationError(f"{field} must be <= {high:g}, got {shown(value)}")
    return fvalue


def check_level_array(
    array: Any, name: str, *, ndim: int = 2, allow_zero: bool = True
) -> np.ndarray:
    """A level array as int8, every value in 0..4 (0 = not rated / not required).

    Raises
    ------
    ValidationError
        Wrong dimensionality, non-integral values, NaN, or values outside 0..4.
    """
    try:
        arr = np.asarray(array)
    except (ValueError, TypeError):  # ragged rows
        raise ValidationError(
            f"{name} must be a {ndim}-d array; its rows differ in length"
        ) from None
    if arr.ndim != ndim:
        raise ValidationError(f"{name} must be a {ndim}-d array, got shape {arr.shape}")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise ValidationError(f"{name} must hold integer levels, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            raise LevelError(f"{name} contains NaN; levels must be integers 0..4")
        if not np.all(np.mod(arr, 1) == 0):
            raise LevelError(f"{name} contains fractional values; levels must be integers 0..4")
    lo = 0 if allow_zero else 1
    if arr.size and (arr.min() < lo or arr.max() > 4):
        bad = arr[(arr < lo) | (arr > 4)].flat[0].item()
        raise LevelError(f"{name} contains {bad!r}; levels must be in {lo}..4")
    return arr.astype(np.int8, copy=False)


def check_weight_array(array: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A float32 weight array of the given shape, finite and >= 0 (a value beyond the float32
    range is refused as inf)."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            arr = np.asarray(array, dtype=np.float32)
    except (ValueError, TypeError):  # ragged rows, or text
        raise ValidationError(f"{name} must be an array of numbers of shape {shape}") from None
    if arr.shape != shape:
        raise ValidationError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValidationError(f"{name} must be finite, got NaN or inf")
    if arr.size and arr.min() < 0:
        raise ValidationError(f"{name} must be >= 0, got {arr.min().item()!r}")
    return arr


def check_date(value: Any, field: str) -> _dt.date | None:
    """A date from a ``date``, a ``datetime`` or an ISO string (``YYYY-MM-DD``, optionally
    followed by an ISO time); None for None or an empty string.

    Raises
    ------
    ValidationError
        Anything else, including a date followed by other text (``"2026-12-01 en later"``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        m = _ISO_DATE.fullmatch(value.strip())
        if m:
            try:
                return _dt.date.fromisoformat(m.group(1))
            except ValueError:
                pass
    raise ValidationError(f"{field} must be an ISO date (YYYY-MM-DD), got {shown(value)}")


def check_finite_vectors(array: Any, name: str, *, dim: int | None = None) -> np.ndarray:
    """A 2-d float32 array of vectors, every value finite (after the cast to float32).

    Parameters
    ----------
    array : array-like of shape (n, dim)
    name : str
    dim : int, optional
        The width the vectors must have.

    Returns
    -------
    ndarray of shape (n, dim), float32, C-contiguous

    Raises
    ------
    ValidationError
        Ragged rows, not 2-d, not numeric, the wrong width, or NaN/inf (a value beyond the
        float32 range becomes inf).
    """
    try:
        arr = np.asarray(array)
    except (ValueError, TypeError):
        raise ValidationError(
            f"{name} must be a 2-d array of numbers; its rows differ in length"
        ) from None
    if arr.ndim != 2:
        raise ValidationError(f"{name} must be a 2-d array (n, dim), got shape {arr.shape}")
    if arr.dtype.kind not in "iuf":
        raise ValidationError(f"{name} must be numeric, got dtype {arr.dtype}")
    if dim is not None and arr.shape[1] != dim:
        raise ValidationError(f"{name} must have {dim} columns, got {arr.shape[1]}")
    with np.errstate(over="ignore", invalid="ignore"):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    bad = ~np.isfinite(arr).all(axis=1) if arr.size else np.zeros(arr.shape[0], bool)
    if bad.any():
        raise ValidationError(
            f"{name} must be finite: {int(bad.sum())} row(s) hold NaN or inf (or a value "
            f"beyond the float32 range), the first is row {int(np.flatnonzero(bad)[0])}"
        )
    return arr
