"""The period picker of the dashboards, the monthly report and the API: a month, a quarter, a
year or a custom range of days, read from GET parameters."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .periods import PERIOD_KINDS, Period

__all__ = ["PERIOD_FIELDS", "MonthForm", "PeriodForm", "month_query", "period_from_query"]

PERIOD_FIELDS = ("kind", "year", "month", "quarter", "start", "end")
FIRST_YEAR = 2000
LAST_YEAR = 2100
MONTH_CHOICES = [(number, number) for number in range(1, 13)]
QUARTER_CHOICES = [(number, number) for number in range(1, 5)]


class DateInput(forms.DateInput):
    input_type = "date"


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("年份"),
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs={"class": "input-year"}),
    )


class PeriodForm(forms.Form):
    """Which period to show. Only the fields of the chosen kind are required; the others are
    ignored. A custom range names its first and last days (both included)."""

    kind = forms.ChoiceField(label=_("期间"), choices=PERIOD_KINDS)
    year = _year_field()
    month = forms.TypedChoiceField(
        label=_("月份"), choices=MONTH_CHOICES, coerce=int, required=False, empty_value=None
    )
    quarter = forms.TypedChoiceField(
        label=_("季度"), choices=QUARTER_CHOICES, coerce=int, required=False, empty_value=None
    )
    start = forms.DateField(label=_("起始日"), required=False, widget=DateInput)
    end = forms.DateField(label=_("截止日（含）"), required=False, widget=DateInput)

    REQUIRED_BY_KIND = {
        "month": ("year", "month"),
        "quarter": ("year", "quarter"),
        "year": ("year",),
        "custom": ("start", "end"),
    }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind is None:
            return data
        for name in self.REQUIRED_BY_KIND[kind]:
            if data.get(name) is None and name not in self.errors:
                self.add_error(name, _("按所选期间，此项必填。"))
        if kind == "custom":
            self._check_range(data)
        if not self.errors:
            data["period"] = self._period(data)
        return data

    def _check_range(self, data) -> None:
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(
                    name,
                    _("日期须在 %(first)s 年至 %(last)s 年之间。")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR},
                )
        if start is not None and end is not None and end < start:
            self.add_error("end", _("截止日不能早于起始日。"))

    @staticmethod
    def _period(data) -> Period:
        kind = data["kind"]
        if kind == "month":
            return Period.month(data["year"], data["month"])
        if kind == "quarter":
            return Period.quarter(data["year"], data["quarter"])
        if kind == "year":
            return Period.year(data["year"])
        return Period(data["start"], data["end"] + timedelta(days=1), "custom")


class MonthForm(forms.Form):
    """The month of a monthly report (月报)."""

    year = forms.IntegerField(label=_("年份"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    month = forms.TypedChoiceField(label=_("月份"), choices=MONTH_CHOICES, coerce=int)

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["period"] = Period.month(data["year"], data["month"])
        return data


def _this_month() -> dict:
    today = timezone.localdate()
    return {"kind": "month", "year": today.year, "month": today.month}


def period_from_query(*, query, form_class=PeriodForm) -> tuple[forms.Form, Period]:
    """The bound period form and the period it names. Without any period parameter the form
    is bound to the current month; with invalid ones it carries the errors and the period
    falls back to the current month (`form.is_valid()` tells which)."""
    given = {name: query[name] for name in PERIOD_FIELDS if query.get(name, "") != ""}
    fields = form_class.base_fields
    if not given:
        given = {name: value for name, value in _this_month().items() if name in fields}
    form = form_class(given)
    if form.is_valid():
        return form, form.cleaned_data["period"]
    default = _this_month()
    return form, Period.month(default["year"], default["month"])


def month_query(day: date) -> dict:
    """The GET parameters of the month containing `day` (for links to the monthly report)."""
    return {"year": day.year, "month": day.month}
