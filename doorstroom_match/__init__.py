"""doorstroom_match: competence-distance matching for doorstroom coaching.

Help job coaches in the Flemish social economy move workers on to regular jobs: score the
distance between a worker's competences and a vacancy's cut-off score, explain every gap, turn
gaps into a development plan, rank vacancies and internship places, assign workers to scarce
places, and run the weekly batch.

The public API is what ``__all__`` lists; every module whose name starts with ``_`` is private.
Importing the package loads no model and changes no global state.
"""

from __future__ import annotations

from ._exceptions import (
    BackendUnavailableError,
    BusyError,
    DoorstroomError,
    DuplicateIdError,
    EmptyInputError,
    FeedError,
    LevelError,
    NotFittedError,
    StoreError,
    UnknownCompetenceError,
    UnknownIdError,
    ValidationError,
)
from .assignment import (
    Alternative,
    Assignment,
    AssignmentComparison,
    PlacementExplanation,
    PlacesAssignment,
    assign,
    assign_greedy,
    assign_places,
    compare_with_greedy,
)
from .calibration import (
    CalibrationWarning,
    CutoffChange,
    RaterCalibration,
    calibrate_raters,
    cutoff_changes,
)
from .competences import (
    LEVEL_LABELS,
    Competence,
    CompetenceDictionary,
    default_dictionary,
)
from .core import distance_matrix, topk_by_distance
from .forms import RatingsForm, read_ratings_form, write_ratings_template
from .occupations import OccupationModel
from .opening import OpeningGap, opening_gaps
from .plan import DevelopmentPlan, PlanItem, development_plan
from .profiles import KINDS, Rating, Vacancy, WorkerProfile, aggregate_ratings
from .proposals import RequirementProposal, propose_requirements
from .ranking import Gap, Match, Matcher, RankingWeights, match

__version__ = "0.1.0"

__all__ = [
    # data
    "WorkerProfile",
    "Vacancy",
    "Rating",
    "aggregate_ratings",
    "KINDS",
    "LEVEL_LABELS",
    # rater calibration
    "calibrate_raters",
    "RaterCalibration",
    "cutoff_changes",
    "CutoffChange",
    "CalibrationWarning",
    "Competence",
    "CompetenceDictionary",
    "default_dictionary",
    # matching
    "match",
    "Matcher",
    "Match",
    "Gap",
    "RankingWeights",
    "OccupationModel",
    "distance_matrix",
    "topk_by_distance",
    "propose_requirements",
    "RequirementProposal",
    "opening_gaps",
    "OpeningGap",
    # assignment
    "assign",
    "assign_greedy",
    "compare_with_greedy",
    "assign_places",
    "Assignment",
    "AssignmentComparison",
    "PlacesAssignment",
    "PlacementExplanation",
    "Alternative",
    # forms (.xlsx, the forms extra)
    "write_ratings_template",
    "read_ratings_form",
    "RatingsForm",
    # plans
    "development_plan",
    "DevelopmentPlan",
    "PlanItem",
    # errors
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
    "__version__",
]
