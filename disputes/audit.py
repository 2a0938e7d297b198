"""The escalation audit (上报、督办、退单、重办) and the chain check, for county officials (督查)
and directors: who may audit, the rows of the audit and their filters, and the verification of
the cases' event chains.

Every read starts from `dispute_queryset(user=...)` (the subtree rule and the confidential
flag), narrowed to the subtrees where the user holds an auditing role. The audit's rows come
from two tables: 上报 and 督办 from `Escalation`, 退单 and 重办 from the `CaseEvent` rows of
those steps. Each event records the clock in force *after* its step, so the clock that a
return or a reopen interrupted (the level, when the case entered it, its deadline) is read
from the event just before it (`seq - 1`).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice

import django_filters
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import F, JSONField, OuterRef, QuerySet, Subquery, Value
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel, Role
from centers.models import Center, Membership, subtree_q
from governance.people import person_name
from governance.workdays import workdays_between

from .choices import Action, EscalationKind
from .exports import Column
from .filtersets import DateInput
from .models import CaseEvent, Category, Dispute, Escalation
from .scope import case_scope_q
from .selectors import ChainCheck, dispute_queryset, verify_event_chain

__all__ = [
    "AUDIT_COLUMNS",
    "AUDIT_ROLES",
    "AuditKind",
    "AuditMode",
    "AuditRow",
    "AuditRows",
    "BrokenChain",
    "ChainCenterForm",
    "ChainReport",
    "EscalationAuditFilterSet",
    "audit_centers",
    "audit_disputes",
    "audit_roots",
    "audit_townships",
    "chain_checks",
    "chain_report",
    "escalation_audit",
    "may_audit",
]

# Who may audit: county officials (督查), directors and administrators.
AUDIT_ROLES = (Role.AUDITOR, Role.DIRECTOR, Role.ADMIN)

# With more centers than this in scope, a filter takes a division code instead of a list.
CENTER_OPTIONS_MAX = 300


class AuditKind(models.TextChoices):
    """What a row of the audit records. The first two are also EscalationKind's values."""

    # Nouns (an escalation, a return …), apart from the verbs of the case page's buttons.
    ESCALATE = EscalationKind.ESCALATE.value, pgettext_lazy("审计类型", "上报")
    SUPERVISE = EscalationKind.SUPERVISE.value, pgettext_lazy("审计类型", "督办")
    RETURN = "return", pgettext_lazy("审计类型", "退单")
    REOPEN = "reopen", pgettext_lazy("审计类型", "重办")


class AuditMode(models.TextChoices):
    """Automatic (the deadline watch, or the resident's own rating online) or by a person."""

    AUTOMATIC = "auto", _("自动")
    MANUAL = "manual", _("人工")


# The case events audited, by kind: 不满意 reopens a case as much as a reopen by staff does.
EVENT_ACTIONS = {
    AuditKind.RETURN: (Action.RETURN,),
    AuditKind.REOPEN: (Action.REOPEN, Action.RATE_UNSATISFIED),
}
AUDITED_ACTIONS = tuple(action for actions in EVENT_ACTIONS.values() for action in actions)


# --- Who may audit, and over what -------------------------------------------------------


def audit_roots(*, user) -> list[Center]:
    """The active centers where `user` holds an auditing role, minus any lying inside another:
    the audit covers their subtrees. Cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, "_zongzhi_audit_roots", None)
    if cached is not None:
        return cached
    own = (
        Center.objects.filter(
            memberships__user=user, memberships__role__in=AUDIT_ROLES, is_active=True
        )
        .distinct()
        .order_by("tree_id", "lft")
    )
    roots: list[Center] = []
    for center in own:
        if not any(center.is_descendant_of(root, include_self=True) for root in roots):
            roots.append(center)
    user._zongzhi_audit_roots = roots
    return roots


def may_audit(*, user, memberships: Iterable[Membership] | None = None) -> bool:
    """Whether `user` may open the audit pages: a superuser, or an auditing role (督查, 中心主任,
    管理员) at an active center. `memberships` (with their centers), when the caller already
    has them, saves the query."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if memberships is None:
        return bool(audit_roots(user=user))
    return any(m.role in AUDIT_ROLES and m.center.is_active for m in memberships)


def audit_centers(*, user) -> QuerySet:
    """The centers the audit of `user` covers (every center for a superuser)."""
    queryset = Center.objects.visible_to(user)
    if user.is_superuser:
        return queryset
    return queryset.filter(subtree_q(audit_roots(user=user)))


def audit_townships(*, user) -> QuerySet:
    """The townships (乡镇/街道) in the audit's scope, in code order."""
    return audit_centers(user=user).filter(level=CenterLevel.TOWNSHIP).order_by("tree_id", "lft")


def audit_disputes(*, user, center: Center | None = None) -> QuerySet:
    """The cases the audit of `user` covers: those the user may see (subtree rule and
    confidential flag), handled now or received within an auditing subtree; within `center`'s
    subtree only, when given."""
    queryset = dispute_queryset(user=user)
    if not user.is_superuser:
        roots = audit_roots(user=user)
        queryset = queryset.filter(case_scope_q(roots))
    if center is not None:
        queryset = queryset.filter(case_scope_q([center]))
    return queryset


# --- The rows of the escalation audit ---------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One 上报, 督办, 退单 or 重办 of a case, as the audit lists it.

    `deadline` is the deadline the case had at the level it left (for 上报/督办 the missed
    one); `overdue` whether that deadline had passed at the step (None for 重办, which follows
    a closure); `workdays_used` the working days the level had held the case by then."""

    at: datetime
    kind: str
    tracking_number: str
    category: str
    from_center: Center | None
    from_level: str
    to_center: Center | None
    to_level: str
    automatic: bool
    actor: AbstractBaseUser | None  # None: the system, or the resident rating online
    by_resident: bool
    reason: str
    deadline: date | None
    overdue: bool | None
    workdays_used: int | None
    level_entered_at: datetime | None
    new_deadline: date | None

    @property
    def kind_label(self) -> str:
        return AuditKind(self.kind).label

    @property
    def from_level_label(self) -> str:
        return CenterLevel(self.from_level).label if self.from_level else ""

    @property
    def to_level_label(self) -> str:
        return CenterLevel(self.to_level).label if self.to_level else ""

    @property
    def held(self) -> timedelta | None:
        """How long the level had held the case by the step."""
        if self.level_entered_at is None:
            return None
        return max(self.at - self.level_entered_at, timedelta(0))

    @property
    def held_days(self) -> float | None:
        held = self.held
        return None if held is None else round(held.total_seconds() / 86400, 1)

    @property
    def mode_label(self) -> str:
        return (AuditMode.AUTOMATIC if self.automatic else AuditMode.MANUAL).label

    @property
    def actor_name(self) -> str:
        """Who took the step: a person, the resident rating online, or the system."""
        if self.actor is not None:
            return person_name(self.actor)
        return gettext("群众（在线评价）") if self.by_resident else gettext("系统")

    @property
    def case_url(self) -> str:
        """The case page, at its timeline."""
        url = reverse("disputes:detail", kwargs={"tracking_number": self.tracking_number})
        return f"{url}#timeline"


# The audit's columns, for the exports (the page shows the same, some side by side).
AUDIT_COLUMNS = (
    Column(_("时间"), lambda row: row.at, 17),
    Column(_("受理编号"), lambda row: row.tracking_number, 22),
    Column(_("纠纷类别"), lambda row: row.category),
    Column(_("类型"), lambda row: row.kind_label, 8),
    Column(_("原承办中心"), lambda row: row.from_center.name if row.from_center else None, 20),
    Column(_("原层级"), lambda row: row.from_level_label, 8),
    Column(_("新承办中心"), lambda row: row.to_center.name if row.to_center else None, 20),
    Column(_("新层级"), lambda row: row.to_level_label, 8),
    Column(_("方式"), lambda row: row.mode_label, 8),
    Column(_("操作人"), lambda row: row.actor_name, 12),
    Column(_("理由"), lambda row: row.reason, 40),
    Column(_("原层级期限"), lambda row: row.deadline, 12),
    Column(_("是否超期"), lambda row: row.overdue, 8),
    Column(_("已用工作日"), lambda row: row.workdays_used, 10),
    Column(_("进入原层级时间"), lambda row: row.level_entered_at, 17),
    Column(_("本级停留（天）"), lambda row: row.held_days, 12),
    Column(_("新期限"), lambda row: row.new_deadline, 12),
)


def _passed(deadline: date | None, at: datetime) -> bool | None:
    if deadline is None:
        return None
    return timezone.localdate(at) > deadline


def _previous_event() -> QuerySet:
    return CaseEvent.objects.filter(dispute_id=OuterRef("dispute_id"), seq=OuterRef("seq") - 1)


def _events_with_previous(queryset: QuerySet) -> QuerySet:
    """Events annotated with what the event before each says: the center that held the case
    and its level (both filterable)."""
    previous = _previous_event().order_by()
    return queryset.annotate(
        prev_center_id=Subquery(previous.values("center_id")[:1]),
        prev_level=Subquery(previous.values(level=KT("data__level"))[:1]),
    )


def audit_escalations(*, disputes: QuerySet) -> QuerySet:
    """The ladder's audit rows (上报, 督办) of these cases."""
    return Escalation.objects.filter(dispute__in=disputes.values("pk"))


def audit_events(*, disputes: QuerySet) -> QuerySet:
    """The returns (退单) and reopens (重办, 不满意 included) of these cases."""
    return _events_with_previous(
        CaseEvent.objects.filter(dispute__in=disputes.values("pk"), action__in=AUDITED_ACTIONS)
    )


ESCALATION_SOURCE = "e"
EVENT_SOURCE = "v"


def _keys(queryset: QuerySet, source: str) -> QuerySet:
    return (
        queryset.order_by()
        .annotate(row_at=F("created_at"), row_src=Value(source), row_pk=F("pk"))
        .values_list("row_at", "row_src", "row_pk")
    )


class AuditRows:
    """The audit's rows, newest first, read lazily: `count()` and slicing make a Paginator
    query one page (a fixed number of queries, however many rows the page holds), and
    `iterate()` streams them all in batches for the exports."""

    def __init__(self, escalations: QuerySet, events: QuerySet):
        self.escalations = escalations
        self.events = events
        self.keys = (
            _keys(escalations, ESCALATION_SOURCE)
            .union(_keys(events, EVENT_SOURCE), all=True)
            .order_by("-row_at", "-row_src", "-row_pk")
        )

    def count(self) -> int:
        return self.keys.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[AuditRow]:
        if not isinstance(index, slice):
            raise TypeError("AuditRows supports slices only")
        return _rows(list(self.keys[index]))

    def iterate(self, *, batch: int = 500) -> Iterator[AuditRow]:
        """Every row, newest first; `batch` rows in memory at a time."""
        keys = self.keys.iterator(chunk_size=batch)
        while chunk := list(islice(keys, batch)):
            yield from _rows(chunk)


def escalation_audit(*, user, narrow: Callable[[QuerySet], QuerySet] | None = None) -> AuditRows:
    """The escalation audit of `user`'s scope: every 上报, 督办, 退单 and 重办 of the cases
    they audit, newest first. `narrow` (the filterset's) is applied to both sources."""
    disputes = audit_disputes(user=user)
    escalations = audit_escalations(disputes=disputes)
    events = audit_events(disputes=disputes)
    if narrow is not None:
        escalations, events = narrow(escalations), narrow(events)
    return AuditRows(escalations, events)


def _rows(keys: list[tuple]) -> list[AuditRow]:
    """The rows of these (at, source, pk) keys, in their order, in four queries at most."""
    escalation_ids = [pk for _at, source, pk in keys if source == ESCALATION_SOURCE]
    event_ids = [pk for _at, source, pk in keys if source == EVENT_SOURCE]
    escalations = {}
    if escalation_ids:
        escalations = Escalation.objects.select_related(
            "dispute__category", "from_center", "to_center", "actor"
        ).in_bulk(escalation_ids)
    events, centers = {}, {}
    if event_ids:
        previous = _previous_event().order_by()
        events = (
            CaseEvent.objects.select_related("dispute__category", "center", "actor")
            .annotate(
                prev_center_id=Subquery(previous.values("center_id")[:1]),
                prev_data=Subquery(previous.values("data")[:1], output_field=JSONField()),
            )
            .in_bulk(event_ids)
        )
        center_ids = {event.prev_center_id for event in events.values()} - {None}
        if center_ids:
            centers = Center.objects.in_bulk(center_ids)
    rows = []
    for _at, source, pk in keys:
        if source == ESCALATION_SOURCE and pk in escalations:
            rows.append(_escalation_row(escalations[pk]))
        elif source == EVENT_SOURCE and pk in events:
            event = events[pk]
            rows.append(_event_row(event, centers.get(event.prev_center_id)))
    return rows


def _escalation_row(step: Escalation) -> AuditRow:
    return AuditRow(
        at=step.created_at,
        kind=step.kind,
        tracking_number=step.dispute.tracking_number,
        category=step.dispute.category.name,
        from_center=step.from_center,
        from_level=step.from_level,
        to_center=step.to_center,
        to_level=step.to_level,
        automatic=step.automatic,
        actor=step.actor,
        by_resident=False,
        reason=step.reason,
        deadline=step.missed_deadline,
        # The deadline watch acts only on overdue cases.
        overdue=True if step.automatic else _passed(step.missed_deadline, step.created_at),
        workdays_used=step.workdays_held,
        level_entered_at=step.level_entered_at,
        new_deadline=step.new_deadline,
    )


def _event_row(event: CaseEvent, from_center: Center | None) -> AuditRow:
    before = event.prev_data or {}
    data = event.data or {}
    entered = parse_datetime(before.get("level_entered_at") or "")
    deadline = parse_date(before.get("level_deadline") or "")
    reopen = event.action != Action.RETURN
    return AuditRow(
        at=event.created_at,
        kind=AuditKind.REOPEN if reopen else AuditKind.RETURN,
        tracking_number=event.dispute.tracking_number,
        category=event.dispute.category.name,
        from_center=from_center,
        from_level=before.get("level", ""),
        to_center=event.center,
        to_level=data.get("level", ""),
        automatic=event.actor_id is None,
        actor=event.actor,
        by_resident=bool(data.get("by_resident")),
        reason=event.reason,
        deadline=deadline,
        overdue=None if reopen else _passed(deadline, event.created_at),
        workdays_used=workdays_between(entered, event.created_at) if entered else None,
        level_entered_at=entered,
        new_deadline=parse_date(data.get("level_deadline") or ""),
    )


# --- Filters ----------------------------------------------------------------------------

# Where each filter looks in either source.
_PATHS = {
    Escalation: {"from_level": "from_level", "from_center": "from_center_id"},
    CaseEvent: {"from_level": "prev_level", "from_center": "prev_center_id"},
}


def _code_or_list(filter_, queryset: QuerySet) -> None:
    """A center filter lists the centers, or takes a division code when there are many."""
    filter_.queryset = queryset
    if queryset[: CENTER_OPTIONS_MAX + 1].count() > CENTER_OPTIONS_MAX:
        filter_.extra["widget"] = forms.TextInput(attrs={"placeholder": _("区划代码")})


class EscalationAuditFilterSet(django_filters.FilterSet):
    """The audit's filters. Its rows come from two tables, so each filter is a method that
    narrows either source (`narrow`); the townships offered are those in the user's scope.
    An invalid form lists nothing (the errors are shown)."""

    date_from = django_filters.DateFilter(
        label=_("时间自"), method="filter_date_from", widget=DateInput
    )
    date_to = django_filters.DateFilter(
        label=_("时间至"), method="filter_date_to", widget=DateInput
    )
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=AuditKind.choices, method="filter_kind"
    )
    level = django_filters.ChoiceFilter(
        label=_("原层级"), choices=CenterLevel.choices, method="filter_level"
    )
    category = django_filters.ModelChoiceFilter(
        label=_("纠纷类别"), queryset=Category.objects.all(), method="filter_category"
    )
    township = django_filters.ModelChoiceFilter(
        label=_("乡镇（街道）"),
        queryset=Center.objects.none(),
        to_field_name="code",
        method="filter_township",
    )
    mode = django_filters.ChoiceFilter(
        label=_("方式"), choices=AuditMode.choices, method="filter_mode"
    )

    class Meta:
        model = Escalation
        fields = []

    def __init__(self, data=None, *, request):
        # Always bound: no filter at all is a valid (empty) choice.
        super().__init__(data if data is not None else {}, request=request)
        _code_or_list(self.filters["township"], audit_townships(user=request.user))

    def narrow(self, queryset: QuerySet) -> QuerySet:
        """Apply the filters to one source (escalations or case events)."""
        if not self.is_valid():
            return queryset.none()
        return self.filter_queryset(queryset)

    @property
    def chosen_township(self) -> Center | None:
        return self.form.cleaned_data.get("township") if self.is_valid() else None

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(created_at__date__gte=value)

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(created_at__date__lte=value)

    def filter_kind(self, queryset, name, value):
        if queryset.model is Escalation:
            return (
                queryset.filter(kind=value) if value in EscalationKind.values else queryset.none()
            )
        return queryset.filter(action__in=EVENT_ACTIONS.get(value, ()))

    def filter_level(self, queryset, name, value):
        return queryset.filter(**{_PATHS[queryset.model]["from_level"]: value})

    def filter_category(self, queryset, name, value):
        return queryset.filter(dispute__category=value)

    def filter_township(self, queryset, name, value):
        """Steps taken away from the township or one of its villages (原承办中心 within it)."""
        subtree = Center.objects.filter(value.subtree_q()).values("pk")
        return queryset.filter(**{f"{_PATHS[queryset.model]['from_center']}__in": subtree})

    def filter_mode(self, queryset, name, value):
        automatic = value == AuditMode.AUTOMATIC
        if queryset.model is Escalation:
            return queryset.filter(automatic=automatic)
        return queryset.filter(actor__isnull=automatic)


# --- The chain check --------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenChain:
    """A case whose event chain does not verify, and its first broken link."""

    tracking_number: str
    check: ChainCheck

    @property
    def problem_label(self) -> str:
        return CHAIN_PROBLEMS.get(self.check.problem, self.check.problem)


CHAIN_PROBLEMS = {
    "gap": _("缺少记录（序号不连续）"),
    "link": _("与前一条记录的链接不符"),
    "hash": _("内容与散列不符（被改动）"),
    "truncated": _("末尾的记录被删去（与案件锚定的条数或散列不符）"),
}


@dataclass
class ChainReport:
    """The outcome of a chain check over some cases."""

    total: int  # cases in scope
    checked: int = 0
    events: int = 0
    broken: list[BrokenChain] = field(default_factory=list)

    @property
    def intact(self) -> int:
        return self.checked - len(self.broken)

    @property
    def limited(self) -> bool:
        """Whether fewer cases were checked than there are in scope."""
        return self.checked < self.total


def chain_checks(*, disputes: QuerySet, batch: int = 500) -> Iterator[tuple[Dispute, ChainCheck]]:
    """Verify the event chain of each case, in the queryset's order, with
    `verify_event_chain`: the cases are streamed, and only one case's events are in memory at
    a time."""
    for dispute in disputes.iterator(chunk_size=batch):
        yield dispute, verify_event_chain(dispute)


def chain_report(*, disputes: QuerySet, limit: int | None = None) -> ChainReport:
    """Check the chains of these cases: all of them, or the `limit` most recent."""
    report = ChainReport(total=disputes.count())
    cases = disputes.only("pk", "tracking_number").order_by("-pk")
    if limit is not None:
        cases = cases[:limit]
    for dispute, check in chain_checks(disputes=cases):
        report.checked += 1
        report.events += check.events
        if not check.ok:
            report.broken.append(BrokenChain(dispute.tracking_number, check))
    return report


class ChainCenterForm(forms.Form):
    """Which center's subtree the chain page checks (the whole audit scope when empty)."""

    center = forms.ModelChoiceField(
        label=_("中心"),
        queryset=Center.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("全部管辖范围"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        centers = (
            audit_centers(user=user).exclude(level=CenterLevel.VILLAGE).order_by("tree_id", "lft")
        )
        self.fields["center"].queryset = centers
        if centers[: CENTER_OPTIONS_MAX + 1].count() > CENTER_OPTIONS_MAX:
            self.fields["center"].widget = forms.TextInput(attrs={"placeholder": _("区划代码")})
