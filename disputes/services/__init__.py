"""Writes of the disputes app. Views, API, tasks and commands call these, never the models."""

from .documents import (
    AGREEMENT_PRINT_REASON,
    agreement_number,
    agreement_print,
)
from .intake import IntakeResult, PartyData, dispute_register
from .lifecycle import *  # noqa: F403
from .lifecycle import __all__ as _lifecycle_all
from .transitions import (
    DisputeConflictError,
    DisputeError,
    DisputePermissionError,
    DisputeTransitionError,
    allowed_actions,
    can_take,
)

__all__ = [
    "IntakeResult",
    "PartyData",
    "dispute_register",
    "DisputeError",
    "DisputeConflictError",
    "DisputePermissionError",
    "DisputeTransitionError",
    "allowed_actions",
    "can_take",
    *_lifecycle_all,
    "AGREEMENT_PRINT_REASON",
    "agreement_number",
    "agreement_print",
]
