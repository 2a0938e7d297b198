"""登记受理: a dispute is registered at a center, with its parties, a tracking number and the
resident's access code."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.choices import LEVEL_DEPTH, CenterLevel, Role
from centers.models import Center
from grids.models import Grid
from metrics.services import rollups_mark_dirty

from ..access_codes import access_code_hash
from ..choices import SYSTEM, Action, Channel, PartySide, RequestType, RiskLevel, Status
from ..deadlines import start_clock
from ..facts import locate, repeat_applicant
from ..models import Category, Dispute, Party, TrackingSequence
from ..scope import handled_elsewhere
from .attachments import attachment_add
from .transitions import DisputePermissionError, DisputeTransitionError, actor_roles, record_event

__all__ = [
    "IntakeResult",
    "PartyData",
    "dispute_register",
    "dispute_register_online",
    "new_access_code",
    "check_past_day",
    "check_past_time",
    "ACCESS_CODE_ALPHABET",
]

# No 0/O, 1/I/L: the code is read out over the phone and typed from a paper receipt.
ACCESS_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ACCESS_CODE_LENGTH = 8
INTAKE_ROLES = {Role.MEDIATOR, Role.STAFF, Role.DIRECTOR, Role.ADMIN, Role.GRID_WORKER, SYSTEM}
# When something may have happened (a dispute, a mediation session): from this year on (an
# earlier date is a typing error, and before 1901 the local time zone's offset, +08:05:43, is
# not one RFC 3339 can write), and not later than now (a few minutes of clock difference with
# the sender allowed).
OCCURRED_EARLIEST_YEAR = 1950
CLOCK_SKEW = timedelta(minutes=5)


def new_access_code() -> str:
    """A fresh random access code for the resident (查询码); store only its hash."""
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


@dataclass(frozen=True)
class PartyData:
    side: str
    name: str
    kind: str = "person"
    phone: str = ""
    id_number: str = ""
    address: str = ""


@dataclass(frozen=True)
class IntakeResult:
    dispute: Dispute
    access_code: str  # shown once, on the receipt; only its hash is stored


def _next_tracking_number(center: Center, year: int) -> str:
    sequence, _created = TrackingSequence.objects.select_for_update().get_or_create(
        center=center, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{center.code}-{year}-{sequence.last:05d}"


def _handling_center(receiving: Center, risk_level: str) -> Center:
    """重大 risk goes straight to county level at intake (domain.md); others stay put."""
    if risk_level != RiskLevel.MAJOR or LEVEL_DEPTH[receiving.level] <= LEVEL_DEPTH["county"]:
        return receiving
    county = receiving.get_ancestors().filter(level=CenterLevel.COUNTY).first()
    return county or receiving


def check_past_time(value: datetime, *, now: datetime, field: str, too_early, too_late) -> None:
    """A time something happened (a dispute, a mediation session): from OCCURRED_EARLIEST_YEAR
    on and not later than now, else a DisputeTransitionError on `field` with the message
    `too_early` (given the year) or `too_late`."""
    # Compared, not converted: the local time of 0001-01-01T00:00+14:00 is out of range.
    earliest = datetime(OCCURRED_EARLIEST_YEAR, 1, 1, tzinfo=timezone.get_current_timezone())
    if value < earliest:
        raise DisputeTransitionError(too_early % {"year": OCCURRED_EARLIEST_YEAR}, field=field)
    if value > now + CLOCK_SKEW:
        raise DisputeTransitionError(too_late, field=field)


def check_past_day(value: date, *, today: date, field: str, too_early, too_late) -> None:
    """A day something was done (an agreement signed): from OCCURRED_EARLIEST_YEAR on and
    not later than `today`, else a DisputeTransitionError on `field` with the message
    `too_early` (given the year) or `too_late`."""
    if value.year < OCCURRED_EARLIEST_YEAR:
        raise DisputeTransitionError(too_early % {"year": OCCURRED_EARLIEST_YEAR}, field=field)
    if value > today:
        raise DisputeTransitionError(too_late, field=field)


def dispute_register(
    *,
    actor,
    receiving_center: Center,
    channel: str,
    category: Category,
    summary: str,
    village: Center,
    parties: list[PartyData],
    description: str = "",
    risk_level: str = RiskLevel.ORDINARY,
    request_type: str = RequestType.HELP,
    grid: Grid | None = None,
    address: str = "",
    occurred_at: datetime | None = None,
    is_confidential: bool = False,
) -> IntakeResult:
    """Register a case. Raises ValidationError (field messages) or DisputeError; nothing is
    saved unless everything is valid."""
    if not actor_roles(actor, receiving_center) & INTAKE_ROLES:
        raise DisputePermissionError(_("您在该中心没有登记纠纷的岗位。"))
    if not any(p.side == PartySide.APPLICANT for p in parties):
        raise DisputeTransitionError(_("至少需要一名申请人。"), field="parties")
    if village.level != CenterLevel.VILLAGE or not village.is_descendant_of(
        receiving_center, include_self=True
    ):
        raise DisputeTransitionError(_("发生地须为本中心辖区内的村/社区。"), field="village")
    if grid is not None and grid.village_id != village.pk:
        raise DisputeTransitionError(_("所选网格不属于该村/社区。"), field="grid")
    if channel not in Channel.values:
        raise DisputeTransitionError(_("受理渠道无效。"), field="channel")

    now = timezone.now()
    if occurred_at is not None:
        check_past_time(
            occurred_at,
            now=now,
            field="occurred_at",
            too_early=_("发生时间不能早于%(year)d年。"),
            too_late=_("发生时间不能晚于现在。"),
        )
    handling = _handling_center(receiving_center, risk_level)
    access_code = new_access_code()
    with transaction.atomic():
        dispute = Dispute(
            tracking_number="pending",
            access_code_hash=access_code_hash(access_code),
            channel=channel,
            category=category,
            risk_level=risk_level,
            request_type=request_type,
            summary=(summary or "").strip(),
            description=description,
            occurred_at=occurred_at,
            village=village,
            grid=grid,
            address=address,
            receiving_center=receiving_center,
            current_center=handling,
            is_confidential=is_confidential,
            created_by=actor,
            status=Status.REGISTERED,
        )
        clock = start_clock(dispute, handling.level, now)
        locate(dispute)
        dispute.handled_elsewhere = handled_elsewhere(dispute)
        dispute.receiving_level = receiving_center.level
        dispute.top_level = handling.level
        applicants = [p for p in parties if p.side == PartySide.APPLICANT]
        dispute.is_repeat = repeat_applicant(
            phones=[(p.phone or "").strip() for p in applicants],
            id_numbers=[(p.id_number or "").strip().upper() for p in applicants],
            now=now,
        )
        dispute.full_clean(exclude=["tracking_number", "access_code_hash"])
        party_rows = [
            Party(
                side=p.side,
                kind=p.kind,
                name=(p.name or "").strip(),
                phone=(p.phone or "").strip(),
                id_number=(p.id_number or "").strip().upper(),
                address=p.address,
            )
            for p in parties
        ]
        errors = {}
        for index, party in enumerate(party_rows):
            try:
                party.full_clean(exclude=["dispute"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors[f"parties[{index}].{field}"] = messages
        if errors:
            raise ValidationError(errors)
        dispute.tracking_number = _next_tracking_number(receiving_center, now.year)
        dispute.save()
        for party in party_rows:
            party.dispute = dispute
        Party.objects.bulk_create(party_rows)
        rollups_mark_dirty(dispute, now)
        record_event(
            dispute,
            action=Action.REGISTER,
            actor=actor,
            from_status="",
            data={
                **clock,
                "receiving_center": receiving_center.code,
                "center": handling.code,
                "straight_to_county": handling.pk != receiving_center.pk,
            },
        )
    return IntakeResult(dispute=dispute, access_code=access_code)


def dispute_register_online(
    *,
    village: Center,
    category: Category,
    summary: str,
    applicant_name: str,
    applicant_phone: str,
    description: str = "",
    address: str = "",
    occurred_at: datetime | None = None,
    attachment: File | None = None,
) -> IntakeResult:
    """网上受理: a resident files a dispute themselves, without an account. The system is the
    actor; the village center of the place where it happened receives it, so it lands in
    that village's inbox (重大 risk is not assessed online: a handler raises it at
    assessment). One file may come with it, checked by the same rules as a staff upload
    (attachment_add). Nothing is kept unless the case and its file both are."""
    if village.level != CenterLevel.VILLAGE or not village.is_active:
        raise DisputeTransitionError(_("请填写有效的村/社区12位区划代码。"), field="village")
    applicant = PartyData(
        side=PartySide.APPLICANT,
        name=applicant_name,
        phone=applicant_phone,
    )
    with transaction.atomic():
        result = dispute_register(
            actor=None,
            receiving_center=village,
            channel=Channel.ONLINE,
            category=category,
            summary=summary,
            description=description,
            village=village,
            parties=[applicant],
            address=address,
            occurred_at=occurred_at,
        )
        if attachment is not None:
            attachment_add(
                dispute_id=result.dispute.pk,
                actor=None,
                file=attachment,
                description=_("申请人网上提交"),
            )
    return result
