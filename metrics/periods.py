"""Reporting periods: a month, a quarter, a year or a custom range of days, in Beijing time.
A period is [start, end): `end` is the first day after it."""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["PERIOD_KINDS", "Period", "month_start", "next_month", "months_between"]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """The first days of the months that [start, end) touches."""
    months, month = [], month_start(start)
    while month < end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    kind: str = "custom"

    def __post_init__(self):
        if self.end <= self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = date(year, month, 1)
        return cls(start, next_month(start), "month")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> "Period":
        start = date(year, 3 * (quarter - 1) + 1, 1)
        end = next_month(next_month(next_month(start)))
        return cls(start, end, "quarter")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(date(year, 1, 1), date(year + 1, 1, 1), "year")

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    def slug(self) -> str:
        """The period in a file name: 2025-03, 2025Q1, 2025 or 20250101-20250215."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start:%Y}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return f"{self.start:%Y}"
        return f"{self.start:%Y%m%d}-{self.last_day:%Y%m%d}"

    def display(self) -> str:
        """The period's name in the active language (label() is the Chinese one)."""
        if self.kind == "month":
            return formats.date_format(self.start, "YEAR_MONTH_FORMAT")
        if self.kind == "quarter":
            quarter = (self.start.month - 1) // 3 + 1
            return gettext("%(year)s年第%(quarter)s季度") % {
                "year": self.start.year,
                "quarter": quarter,
            }
        if self.kind == "year":
            return gettext("%(year)s年") % {"year": self.start.year}
        return f"{self.start:%Y-%m-%d} — {self.last_day:%Y-%m-%d}"

    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start:%Y}年第{(self.start.month - 1) // 3 + 1}季度"
        if self.kind == "year":
            return f"{self.start:%Y}年"
        last = date.fromordinal(self.end.toordinal() - 1)
        return f"{self.start:%Y-%m-%d} — {last:%Y-%m-%d}"


PERIOD_KINDS = [
    ("month", _("月")),
    ("quarter", _("季度")),
    ("year", _("年")),
    ("custom", _("自定义")),
]
