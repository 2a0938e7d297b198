"""Writes of the disputes app. Views, API, tasks and commands call these, never the models."""

from .attachments import attachment_add
from .documents import (
    AGREEMENT_PRINT_REASON,
    agreement_number,
    agreement_print,
)
from .followup import *  # noqa: F403
from .followup import __all__ as _followup_all
from .intake import IntakeResult, PartyData, dispute_register, dispute_register_online
from .lifecycle import *  # noqa: F403
from .lifecycle import __all__ as _lifecycle_all
from .transitions import (
    DisputeConflictError,
    DisputeError,
    DisputePermissionError,
    DisputeTransitionError,
    allowed_actions,
    can_take,
    permission_refusal,
    role_allows,
)
from .watch import *  # noqa: F403
from .watch import __all__ as _watch_all

__all__ = [
    "attachment_add",
    "IntakeResult",
    "PartyData",
    "dispute_register",
    "dispute_register_online",
    "DisputeError",
    "DisputeConflictError",
    "DisputePermissionError",
    "DisputeTransitionError",
    "allowed_actions",
    "can_take",
    "permission_refusal",
    "role_allows",
    *_lifecycle_all,
    *_followup_all,
    *_watch_all,
    "AGREEMENT_PRINT_REASON",
    "agreement_number",
    "agreement_print",
]
