"""Printed documents of a case: the mediation agreement (调解协议书). The document is handed
to the parties and names them in full (ID number, phone), so opening it is a disclosure of
personal data and is audited like revealing one masked value."""

from django.utils.translation import gettext as _

from ..choices import Action
from ..models import Agreement, Dispute
from .lifecycle import REVEALABLE_FIELDS
from .transitions import DisputeTransitionError, transition

__all__ = [
    "AGREEMENT_NUMBER_PREFIX",
    "AGREEMENT_PRINT_REASON",
    "agreement_number",
    "agreement_print",
]

# 调解协议 → TJXY, the usual pinyin-initials prefix of such numbers.
AGREEMENT_NUMBER_PREFIX = "TJXY"
# Stored as is in the audit event (the record does not depend on the reader's language).
AGREEMENT_PRINT_REASON = "打印调解协议书"


def agreement_number(*, tracking_number: str) -> str:
    """协议书编号: a case has at most one agreement, so the case's tracking number with a
    prefix names it for good, e.g. TJXY-420602001008-2025-00001."""
    return f"{AGREEMENT_NUMBER_PREFIX}-{tracking_number}"


def agreement_print(*, dispute_id: int, actor) -> Agreement:
    """Open the case's agreement for printing with the parties' full ID numbers and phones.

    This is the audited step of revealing personal data (REVEAL_PII, so one action name
    answers "who saw full personal data of this case"), recorded with the reason
    "打印调解协议书" and the parties and fields shown. Like every reveal it leaves the case's
    version alone. Raises DisputePermissionError for a role that may not see full personal
    data and DisputeTransitionError when the case has no agreement; nothing is written then.
    """
    opened: dict[str, Agreement] = {}

    def apply(dispute: Dispute) -> dict:
        agreement = Agreement.objects.filter(dispute=dispute).first()
        if agreement is None:
            raise DisputeTransitionError(_("该案件还没有调解协议。"))
        opened["agreement"] = agreement
        parties = list(dispute.parties.order_by("side", "pk").values_list("pk", flat=True))
        return {
            "document": "agreement",
            "agreement": agreement.pk,
            "parties": parties,
            "fields": list(REVEALABLE_FIELDS),
        }

    transition(
        dispute_id, Action.REVEAL_PII, actor=actor, reason=AGREEMENT_PRINT_REASON, apply=apply
    )
    return opened["agreement"]
