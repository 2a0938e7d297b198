"""Filters of the staff API's lists. The querysets handed in are already scoped; these only
narrow them down. A bad value is a 400 naming the filter."""

import django_filters.rest_framework as filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel
from centers.models import Center
from governance.filters import StrictBooleanFilter

from ..choices import OPEN_STATUSES, Channel, FollowUpStatus, RiskLevel, Status
from ..filtersets import SEARCH_MAX_LENGTH, StableOrderingFilter, exact_number_lookup
from ..models import Category, Dispute, FollowUp

__all__ = ["CaseFilterSet", "FollowUpFilterSet"]

DIVISION_CODE = RegexValidator(r"^\d{12}$", _("请填写12位区划代码。"))


def _subtree_of_code(queryset, path: str, code: str):
    """Rows whose center (through `path`) lies in the subtree of the center `code`; none
    when there is no such center."""
    center = Center.objects.filter(code=code).first()
    if center is None:
        return queryset.none()
    return queryset.filter(center.subtree_q(path))


class CaseFilterSet(filters.FilterSet):
    # One column of the case itself: no DISTINCT (which would make the database sort the
    # whole scope before it could return the first page).
    status = filters.MultipleChoiceFilter(
        choices=Status.choices,
        distinct=False,
        help_text="One or more statuses (repeat the parameter).",
    )
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="code", help_text="Category code."
    )
    channel = filters.ChoiceFilter(choices=Channel.choices)
    risk_level = filters.ChoiceFilter(choices=RiskLevel.choices)
    level = filters.ChoiceFilter(choices=CenterLevel.choices, help_text="Handling level now.")
    current_center = filters.CharFilter(
        method="filter_current_center",
        validators=[DIVISION_CODE],
        help_text="Code of a center: the cases handled now in its subtree.",
    )
    village = filters.CharFilter(
        field_name="village__code",
        validators=[DIVISION_CODE],
        help_text="Code of the village (村/社区) where the dispute happened.",
    )
    created_from = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text="Registered on or after."
    )
    created_to = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text="Registered on or before."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text="Open cases past their level's deadline (true) or not (false).",
    )
    q = filters.CharFilter(
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of the tracking number or of the summary.",
    )
    ordering = StableOrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("level_deadline", "level_deadline"),
            ("tracking_number", "tracking_number"),
        ),
        help_text="created_at, updated_at, level_deadline, tracking_number; "
        "`-` for descending. Default: -created_at.",
    )

    class Meta:
        model = Dispute
        fields = []

    def filter_current_center(self, queryset, name, value):
        return _subtree_of_code(queryset, "current_center__", value)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_STATUSES) & (
            Q(is_overdue=True) | Q(level_deadline__lt=timezone.localdate())
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_text(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        exact = exact_number_lookup(queryset, value)
        if exact is not None:
            return exact
        return queryset.filter(Q(tracking_number__icontains=value) | Q(summary__icontains=value))


class FollowUpFilterSet(filters.FilterSet):
    """Open follow-ups unless `status` says otherwise."""

    status = filters.ChoiceFilter(
        choices=FollowUpStatus.choices, method="filter_status", help_text="Default: open."
    )
    center = filters.CharFilter(
        method="filter_center",
        validators=[DIVISION_CODE],
        help_text="Code of a center: the follow-ups of its subtree.",
    )
    mine = StrictBooleanFilter(
        method="filter_mine", help_text="Only the follow-ups assigned to me (true)."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue", help_text="Open and past their answer deadline (true)."
    )
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")
    tracking_number = filters.CharFilter(field_name="dispute__tracking_number")

    class Meta:
        model = FollowUp
        fields = []

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=FollowUpStatus.OPEN)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value)

    def filter_center(self, queryset, name, value):
        return _subtree_of_code(queryset, "center__", value)

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(assigned_to=user) if value else queryset.exclude(assigned_to=user)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=FollowUpStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
