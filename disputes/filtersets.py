"""Filters of the mediator inbox (案件列表): tabs, field filters, text search and sorting.

The queryset handed in is already scoped (`dispute_queryset(user=...)`); these filters only
narrow it down. The tabs need the user, so the filterset is built with `request`.
"""

import re

import django_filters
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel
from centers.models import Membership
from governance.workdays import add_workdays

from .choices import OPEN_STATUSES, Channel, PartySide, RiskLevel, Status
from .models import Category, Party
from .selectors import reporter_visible_q

__all__ = [
    "DisputeFilterSet",
    "StableOrderingFilter",
    "Tab",
    "DUE_SOON_WORKDAYS",
    "SEARCH_MAX_LENGTH",
    "TRACKING_NUMBER",
    "exact_number_lookup",
]

# 即将到期: the level's deadline falls within this many working days from today.
DUE_SOON_WORKDAYS = 2
SEARCH_MAX_LENGTH = 50
# A whole tracking number (受理编号: the receiving center's code, the year, the sequence).
TRACKING_NUMBER = re.compile(r"\d{12}-\d{4}-\d{5,}")
# Shaped like a number of another format (imported cases): letters and digits joined by "-".
CODE_LIKE = re.compile(r"(?=.*\d)[0-9A-Za-z]+(?:-[0-9A-Za-z]+)+")


def exact_number_lookup(queryset, value: str):
    """The case whose whole tracking number is `value`, through the unique index, or None
    when `value` is not a whole number (then a substring search reads every case in scope:
    seconds for a city's 170,000). Words cost no extra query."""
    exact = queryset.filter(tracking_number=value)
    if TRACKING_NUMBER.fullmatch(value):
        return exact
    if CODE_LIKE.fullmatch(value) and exact.exists():
        return exact
    return None


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting with ties broken by id in the same direction: pages neither repeat nor skip a
    case, and the (created_at, id) and (level_deadline, id) indexes serve either direction
    (a page reads the first cases in order instead of sorting the whole scope)."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        ordering = list(qs.query.order_by)
        if ordering and isinstance(ordering[-1], str) and ordering[-1].lstrip("-") != "id":
            qs = qs.order_by(*ordering, "-id" if ordering[-1].startswith("-") else "id")
        return qs


class Tab(models.TextChoices):
    """The inbox tabs (工作台页签)."""

    MINE = "mine", _("我的案件")
    TO_SIGN = "to_sign", _("待签收")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    ALL = "all", _("全部")


class DateInput(forms.DateInput):
    input_type = "date"


class DisputeFilterSet(django_filters.FilterSet):
    tab = django_filters.ChoiceFilter(
        label=_("页签"), choices=Tab.choices, method="filter_tab", empty_label=None
    )
    q = django_filters.CharFilter(label=_("关键词"), method="filter_text")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    category = django_filters.ModelChoiceFilter(
        label=_("纠纷类别"), queryset=Category.objects.filter(is_active=True)
    )
    risk_level = django_filters.ChoiceFilter(label=_("风险等级"), choices=RiskLevel.choices)
    channel = django_filters.ChoiceFilter(label=_("受理渠道"), choices=Channel.choices)
    level = django_filters.ChoiceFilter(label=_("办理层级"), choices=CenterLevel.choices)
    created_from = django_filters.DateFilter(
        label=_("登记日期自"), field_name="created_at", lookup_expr="date__gte", widget=DateInput
    )
    created_to = django_filters.DateFilter(
        label=_("登记日期至"), field_name="created_at", lookup_expr="date__lte", widget=DateInput
    )
    sort = StableOrderingFilter(
        label=_("排序"),
        fields=(("created_at", "created_at"), ("level_deadline", "level_deadline")),
        field_labels={
            "created_at": _("登记时间（早→晚）"),
            "-created_at": _("登记时间（晚→早）"),
            "level_deadline": _("办理期限（近→远）"),
            "-level_deadline": _("办理期限（远→近）"),
        },
        empty_label=None,
    )

    def __init__(self, data=None, *args, request=None, **kwargs):
        data = data.copy() if data is not None else {}
        # Unbound fields have no value, so a missing tab or sort falls back here.
        if not data.get("tab"):
            data["tab"] = Tab.ALL
        if not data.get("sort"):
            data["sort"] = "-created_at"
        super().__init__(data, *args, request=request, **kwargs)

    @property
    def active_tab(self) -> str:
        value = self.form.cleaned_data.get("tab") if self.form.is_valid() else None
        return value or Tab.ALL

    def filter_tab(self, queryset, name, value):
        user = self.request.user
        today = timezone.localdate()
        if value == Tab.MINE:
            return queryset.filter(mediator=user)
        if value == Tab.TO_SIGN:
            my_centers = Membership.objects.filter(user=user).values("center_id")
            return queryset.filter(status=Status.DISPATCHED, current_center__in=my_centers)
        if value == Tab.DUE_SOON:
            return queryset.filter(
                status__in=OPEN_STATUSES,
                level_deadline__gte=today,
                level_deadline__lte=add_workdays(today, DUE_SOON_WORKDAYS),
            )
        if value == Tab.OVERDUE:
            return queryset.filter(status__in=OPEN_STATUSES, level_deadline__lt=today)
        return queryset

    def filter_text(self, queryset, name, value):
        value = (value or "").strip()[:SEARCH_MAX_LENGTH]
        if not value:
            return queryset
        exact = exact_number_lookup(queryset, value)
        if exact is not None:
            return exact
        party_match = Party.objects.filter(dispute=OuterRef("pk"), name__icontains=value)
        # A protected reporter (举报人) is not found by name by those who may not know them.
        may_know = reporter_visible_q(self.request.user) if self.request else Q()
        return queryset.filter(
            Q(tracking_number__icontains=value)
            | Q(summary__icontains=value)
            | Exists(party_match.exclude(side=PartySide.APPLICANT))
            | (Exists(party_match.filter(side=PartySide.APPLICANT)) & may_know)
        )
