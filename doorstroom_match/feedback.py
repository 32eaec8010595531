"""The coach's feedback on a suggestion, and what it changes next week.

A coach marks a (worker, vacancy) suggestion as one of :data:`FEEDBACK_STATUSES` with
``doorstroom-match feedback WORKER VACANCY --status ...`` or
:meth:`doorstroom_match.store.Store.record_feedback`; the store keeps the latest status per pair.
Next week:

- ``niet_relevant``: the vacancy is not suggested to that worker again
  (:meth:`~doorstroom_match.store.Store.feedback_exclusions` and :func:`drop_not_relevant`, which
  the weekly batch applies to each worker's ranked list);
- ``gesolliciteerd``: the suggestion is shown as "gesolliciteerd" in the bulletin and counts as
  *applied* in the outcome report;
- ``aangenomen``: counts as *hired* in the outcome report;
- ``besproken``: shown as discussed; the outcome report counts the workers whose suggestions
  were discussed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any

__all__ = ["FEEDBACK_STATUSES", "FEEDBACK_LABELS", "drop_not_relevant"]

#: The statuses a coach can give a suggestion.
FEEDBACK_STATUSES: tuple[str, ...] = ("besproken", "gesolliciteerd", "niet_relevant", "aangenomen")

#: Status -> Dutch text on the bulletin.
FEEDBACK_LABELS: dict[str, str] = {
    "besproken": "besproken",
    "gesolliciteerd": "gesolliciteerd",
    "niet_relevant": "niet relevant",
    "aangenomen": "aangenomen",
}


def drop_not_relevant(
    ranked: Sequence[Any], not_relevant: Collection[str] | None, top: int
) -> list[Any]:
    """A worker's ranked list without the vacancies the coach marked ``niet_relevant``.

    Parameters
    ----------
    ranked : sequence of Match, or of (Match, extra) pairs
        Best first, ranked for ``top`` plus at least ``len(not_relevant)`` rows so that ``top``
        remain after dropping.
    not_relevant : collection of str or None
        Vacancy ids to drop for this worker.
    top : int
        Rows to keep.

    Returns
    -------
    list
        The same items, without the dropped ones, at most ``top``, with ``rank`` renumbered
        1, 2, ... (a pair keeps its other elements).
    """
    out = []
    for item in ranked:
        m = item[0] if isinstance(item, tuple) else item
        if not_relevant and m.vacancy_id in not_relevant:
            continue
        if len(out) >= top:
            break
        if m.rank != len(out) + 1:
            m = dataclasses.replace(m, rank=len(out) + 1)
        out.append((m, *item[1:]) if isinstance(item, tuple) else m)
    return out
