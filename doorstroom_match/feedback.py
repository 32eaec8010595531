"""The coach's feedback on a suggestion, and what it changes next week.

A coach marks a (worker, vacancy) suggestion as one of :data:`FEEDBACK_STATUSES` with
``doorstroom-match feedback WORKER VACANCY --status ...`` or
:meth:`doorstroom_match.store.Store.record_feedback`; the store keeps the latest status per pair.
Next week:

- ``niet_relevant``: the vacancy is not suggested to that worker again
  (:meth:`~doorstroom_match.store.Store.feedback_exclusions`, which the weekly batch hands to
  :meth:`doorstroom_match.Matcher.rank` as ``exclude``, so the list still holds ``--top`` rows);
- ``gesolliciteerd``: the suggestion is shown as "gesolliciteerd" in the bulletin and counts as
  *applied* in the outcome report;
- ``aangenomen``: counts as *hired* in the outcome report;
- ``besproken``: shown as discussed; the outcome report counts the workers whose suggestions
  were discussed.
"""

from __future__ import annotations

__all__ = ["FEEDBACK_STATUSES", "FEEDBACK_LABELS"]

#: The statuses a coach can give a suggestion.
FEEDBACK_STATUSES: tuple[str, ...] = ("besproken", "gesolliciteerd", "niet_relevant", "aangenomen")

#: Status -> Dutch text on the bulletin.
FEEDBACK_LABELS: dict[str, str] = {
    "besproken": "besproken",
    "gesolliciteerd": "gesolliciteerd",
    "niet_relevant": "niet relevant",
    "aangenomen": "aangenomen",
}
