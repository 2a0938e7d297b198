"""Rollups of the governance metrics: additive counters per unit (a county, or a city) and
month, whole or split by one dimension (category, channel, risk level). They serve the
dashboards of the whole deployment, provinces and cities without reading the cases; a job
keeps them current from the months marked dirty by each case's steps (their staleness is
shown on the page). Counties and smaller subtrees are read from the cases directly."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from centers.models import Center

from .definitions import Counters

__all__ = [
    "MonthlyCounts",
    "DirtyMonth",
    "OpenCounts",
    "ROLLUP_COUNTERS",
    "Grain",
    "Dimension",
]

# The counters a month's row holds: all but the "now" ones (open, overdue), read live.
ROLLUP_COUNTERS = [name for name in Counters.names() if not name.endswith("_now")]


class Grain(models.TextChoices):
    # Township rows hold the whole month only (no dimensions): the township dashboards'
    # 12-month trend, without reading a year of cases.
    TOWNSHIP = "township", _("乡级")
    COUNTY = "county", _("县级")
    CITY = "city", _("市级")


class Dimension(models.TextChoices):
    TOTAL = "", _("合计")
    CATEGORY = "category", _("纠纷类别")
    CHANNEL = "channel", _("受理渠道")
    RISK = "risk_level", _("风险等级")


class MonthlyCounts(models.Model):
    """The counters of one unit for one month (the first day of the month, Beijing time),
    whole (dimension "") or for one value of a dimension."""

    grain = models.CharField(
        verbose_name=_("粒度"),
        max_length=8,
        choices=Grain.choices,
    )
    center = models.ForeignKey(
        Center,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    parent = models.ForeignKey(
        Center,
        verbose_name=_("上级单位"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("乡级行：所属县级单位；县级行：所属市；市级行：所属省"),
    )
    month = models.DateField(
        verbose_name=_("月份"),
    )
    dimension = models.CharField(
        verbose_name=_("分组维度"),
        max_length=12,
        choices=Dimension.choices,
        blank=True,
    )
    value = models.CharField(
        verbose_name=_("分组值"),
        max_length=32,
        blank=True,
    )
    received = models.PositiveIntegerField(
        default=0,
    )
    accepted = models.PositiveIntegerField(
        default=0,
    )
    resolved = models.PositiveIntegerField(
        default=0,
    )
    resolved_local = models.PositiveIntegerField(
        default=0,
    )
    resolved_village = models.PositiveIntegerField(
        default=0,
    )
    resolved_township = models.PositiveIntegerField(
        default=0,
    )
    resolved_county = models.PositiveIntegerField(
        default=0,
    )
    resolved_city = models.PositiveIntegerField(
        default=0,
    )
    resolved_province = models.PositiveIntegerField(
        default=0,
    )
    mediated = models.PositiveIntegerField(
        default=0,
    )
    agreed = models.PositiveIntegerField(
        default=0,
    )
    escalated = models.PositiveIntegerField(
        default=0,
    )
    dispatched = models.PositiveIntegerField(
        default=0,
    )
    returned = models.PositiveIntegerField(
        default=0,
    )
    repeat = models.PositiveIntegerField(
        default=0,
    )
    was_overdue = models.PositiveIntegerField(
        default=0,
    )
    top_village = models.PositiveIntegerField(
        default=0,
    )
    top_township = models.PositiveIntegerField(
        default=0,
    )
    top_county = models.PositiveIntegerField(
        default=0,
    )
    top_city = models.PositiveIntegerField(
        default=0,
    )
    top_province = models.PositiveIntegerField(
        default=0,
    )
    closed = models.PositiveIntegerField(
        default=0,
    )
    closed_on_time = models.PositiveIntegerField(
        default=0,
    )
    handling_workdays = models.PositiveIntegerField(
        default=0,
    )
    follow_ups_reached = models.PositiveIntegerField(
        default=0,
    )
    satisfied = models.PositiveIntegerField(
        default=0,
    )
    unreachable = models.PositiveIntegerField(
        default=0,
    )
    refreshed_at = models.DateTimeField(
        verbose_name=_("计算时间"),
        auto_now=True,
    )

    class Meta:
        verbose_name = _("月度指标汇总")
        verbose_name_plural = _("月度指标汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "center", "month", "dimension", "value"],
                name="monthly_counts_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["grain", "parent", "dimension", "month"], name="counts_parent"),
            models.Index(fields=["grain", "dimension", "month"], name="counts_month"),
        ]

    def __str__(self):
        return f"{self.grain} {self.center_id} {self.month:%Y-%m} {self.dimension}={self.value}"


class DirtyMonth(models.Model):
    """A county (or a city without counties) whose counters for a month must be recomputed:
    written in the transaction of any step that can change them."""

    center = models.ForeignKey(
        Center,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    month = models.DateField(
        verbose_name=_("月份"),
    )
    marked_at = models.DateTimeField(
        verbose_name=_("标记时间"),
        auto_now_add=True,
    )

    class Meta:
        verbose_name = _("待更新的月度汇总")
        verbose_name_plural = _("待更新的月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["center", "month"], name="dirty_month_unique"),
        ]

    def __str__(self):
        return f"{self.center_id} {self.month:%Y-%m}"


class OpenCounts(models.Model):
    """The cases open now (and of them overdue) of one unit (a county, or a city without
    counties), whole (dimension "") or for one value of a dimension, with the unit's city
    and province. Recomputed whole by the rollup job (every minute) for the dashboards of the
    deployment, provinces and cities; smaller subtrees count their open cases directly."""

    unit = models.ForeignKey(
        Center,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    city = models.ForeignKey(
        Center,
        verbose_name=_("所属市"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
    )
    province = models.ForeignKey(
        Center,
        verbose_name=_("所属省"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
    )
    dimension = models.CharField(
        verbose_name=_("维度"),
        max_length=16,
        choices=Dimension.choices,
        blank=True,
    )
    value = models.CharField(
        verbose_name=_("维度取值"),
        max_length=64,
        blank=True,
    )
    open_now = models.PositiveIntegerField(
        verbose_name=_("在办"),
        default=0,
    )
    overdue_now = models.PositiveIntegerField(
        verbose_name=_("超期在办"),
        default=0,
    )
    refreshed_at = models.DateTimeField(
        verbose_name=_("计算时间"),
    )

    class Meta:
        verbose_name = _("在办案件汇总")
        verbose_name_plural = _("在办案件汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "dimension", "value"], name="open_counts_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["dimension", "province"], name="open_counts_province"),
            models.Index(fields=["dimension", "city"], name="open_counts_city"),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.dimension}={self.value}: {self.open_now}"
