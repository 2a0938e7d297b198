"""The facts about a case that the governance metrics (化解率 and the others) count, kept on
the case by the one transition function, so that every metric is a plain count over cases:

- where it happened (属地: the village's township, county, city, province), set at intake;
- the level that received it and the highest level it reached (the ladder's funnel);
- when it was accepted, entered mediation, was resolved (调解成功) and at which level, when
  it was closed, whether on time and after how many working days;
- whether it was ever overdue, how often it was dispatched, and whether its applicant already
  had a case open or from the last 90 days (重复信访).

A reopen (重办) takes back what the closure and the resolution had set."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from centers.choices import LEVEL_DEPTH, CenterLevel
from governance.workdays import workdays_between

from .choices import OPEN_STATUSES, Action, PartySide, Status
from .scope import handled_elsewhere

__all__ = ["locate", "repeat_applicant", "step_facts", "REPEAT_WINDOW_DAYS"]

REPEAT_WINDOW_DAYS = 90

_LOC_FIELDS = {
    CenterLevel.PROVINCE: "loc_province",
    CenterLevel.CITY: "loc_city",
    CenterLevel.COUNTY: "loc_county",
    CenterLevel.TOWNSHIP: "loc_township",
}


def locate(dispute) -> None:
    """Set the case's 属地 columns from its village's ancestors (one query)."""
    for field in _LOC_FIELDS.values():
        setattr(dispute, field, None)
    for ancestor in dispute.village.get_ancestors():
        field = _LOC_FIELDS.get(ancestor.level)
        if field:
            setattr(dispute, field, ancestor)


def repeat_applicant(*, phones, id_numbers, now=None) -> bool:
    """Whether an applicant with one of these phones or ID numbers already has a case that
    is open or was registered in the last 90 days (anywhere: the fact is about the person)."""
    from .models import Party

    phones = [p for p in phones if p]
    id_numbers = [i for i in id_numbers if i]
    if not phones and not id_numbers:
        return False
    now = now or timezone.now()
    person = Q(pk__in=[])
    if phones:
        person |= Q(phone__in=phones)
    if id_numbers:
        person |= Q(id_number__in=id_numbers)
    recent = Q(dispute__status__in=OPEN_STATUSES) | Q(
        dispute__created_at__gte=now - timedelta(days=REPEAT_WINDOW_DAYS)
    )
    return Party.objects.filter(person, recent, side=PartySide.APPLICANT).exists()


def _higher(level_a: str, level_b: str) -> str:
    if not level_a:
        return level_b
    return level_a if LEVEL_DEPTH[level_a] <= LEVEL_DEPTH[level_b] else level_b


def step_facts(dispute, action: str, now=None) -> list[str]:
    """Bring the case's metric facts up to date after `action` (already applied to
    `dispute`); returns the names of the fields changed."""
    now = now or timezone.now()
    changed = []

    def put(field, value):
        if getattr(dispute, field) != value:
            setattr(dispute, field, value)
            changed.append(field)

    if dispute.accepted_at is None and dispute.status not in (
        Status.REGISTERED,
        Status.NOT_ACCEPTED,
    ):
        put("accepted_at", now)
    put("top_level", _higher(dispute.top_level, dispute.level))
    put("handled_elsewhere", handled_elsewhere(dispute))
    if action == Action.START_MEDIATION and dispute.mediation_started_at is None:
        put("mediation_started_at", now)
    elif action == Action.AGREE:
        put("resolved_at", now)
        put("resolved_level", dispute.level)
    elif action == Action.CLOSE and dispute.closed_at is not None:
        put("closed_on_time", timezone.localdate(dispute.closed_at) <= dispute.level_deadline)
        put("handling_workdays", workdays_between(dispute.created_at, dispute.closed_at))
    elif action in (Action.REOPEN, Action.RATE_UNSATISFIED):
        put("resolved_at", None)
        put("resolved_level", "")
        put("closed_on_time", None)
        put("handling_workdays", None)
    elif action == Action.MARK_OVERDUE:
        put("was_overdue", True)
    elif action in (Action.DISPATCH, Action.ASSIGN_DOWN):
        put("dispatch_count", dispute.dispatch_count + 1)
    return changed
