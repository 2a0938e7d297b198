"""The governance metrics and their published formulas (domain.md), as counters and the
ratios between them. Every counter is additive (a subtree's value is the sum of its parts',
a period's the sum of its months'), which is what lets rollups serve any subtree and period.

Which date puts a case in a period:
- the intake counters (received, accepted, resolved, …) count the cases *registered* in the
  period — a cohort, with what has become of them by now (a case registered in March and
  resolved in May counts as resolved in March's figures from May on);
- the closure counters (closed, on time, handling days) count the cases *closed* in it;
- the follow-up counters count the follow-ups that *ended* in it (rated or unreachable);
- open and overdue are counted now, whatever the period.
Cases belong to the subtree where they happened (属地: their village)."""

from dataclasses import dataclass, field, fields

from django.utils.translation import gettext_lazy as _

__all__ = ["Counters", "METRICS", "Metric", "LEVELS_TOP_DOWN"]

LEVELS_TOP_DOWN = ["province", "city", "county", "township", "village"]


@dataclass
class Counters:
    """Additive counts for one subtree and period."""

    # Intake cohort (registered in the period)
    received: int = 0
    accepted: int = 0
    resolved: int = 0
    resolved_local: int = 0  # resolved at the level that received it (小事不出村)
    resolved_village: int = 0
    resolved_township: int = 0
    resolved_county: int = 0
    resolved_city: int = 0
    resolved_province: int = 0
    mediated: int = 0
    agreed: int = 0  # mediated and resolved
    escalated: int = 0  # accepted and moved up at least once
    dispatched: int = 0
    returned: int = 0  # dispatched and returned at least once (退单)
    repeat: int = 0  # repeat petitions (重复信访)
    was_overdue: int = 0  # accepted and overdue at some level
    top_village: int = 0  # the ladder's funnel: highest level reached
    top_township: int = 0
    top_county: int = 0
    top_city: int = 0
    top_province: int = 0
    # Closed in the period
    closed: int = 0
    closed_on_time: int = 0
    handling_workdays: int = 0  # summed, for the average
    # Follow-ups ended in the period
    follow_ups_reached: int = 0
    satisfied: int = 0  # 满意 + 基本满意
    unreachable: int = 0
    # Now
    open_now: int = 0
    overdue_now: int = 0

    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "extra"]

    def __add__(self, other: "Counters") -> "Counters":
        return Counters(**{n: getattr(self, n) + getattr(other, n) for n in self.names()})

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.names()}

    def value(self, metric: "Metric"):
        return metric.compute(self)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    formula: str
    numerator: str
    denominator: str = ""
    kind: str = "rate"  # rate (a share, shown as %), average, count

    def compute(self, counters: Counters):
        top = getattr(counters, self.numerator)
        if self.kind == "count":
            return top
        bottom = getattr(counters, self.denominator)
        if not bottom:
            return None
        return top / bottom


METRICS = [
    Metric("resolution_rate", _("化解率"), _("化解数 ÷ 受理数"), "resolved", "accepted"),
    Metric(
        "mediation_success_rate",
        _("调解成功率"),
        _("调解成功数 ÷ 调解数"),
        "agreed",
        "mediated",
    ),
    Metric(
        "on_time_rate",
        _("按期办结率"),
        _("按期办结数 ÷ 办结数（按结案日期归期）"),
        "closed_on_time",
        "closed",
    ),
    Metric("overdue_rate", _("超期率"), _("曾超期数 ÷ 受理数"), "was_overdue", "accepted"),
    Metric(
        "satisfaction_rate",
        _("满意率"),
        _("（满意 + 基本满意）÷ 联系上的回访数；未联系上另计"),
        "satisfied",
        "follow_ups_reached",
    ),
    Metric(
        "local_resolution_rate",
        _("就地化解率"),
        _("在受理层级化解数 ÷ 受理数"),
        "resolved_local",
        "accepted",
    ),
    Metric("escalation_rate", _("上报率"), _("上报过的案件数 ÷ 受理数"), "escalated", "accepted"),
    Metric(
        "return_rate", _("退单率"), _("被退单的案件数 ÷ 派单的案件数"), "returned", "dispatched"
    ),
    Metric("repeat_rate", _("重复信访率"), _("重复信访数 ÷ 登记数"), "repeat", "received"),
    Metric(
        "average_handling_workdays",
        _("平均办理用时（工作日）"),
        _("办结案件办理工作日之和 ÷ 办结数"),
        "handling_workdays",
        "closed",
        kind="average",
    ),
    Metric("received", _("登记数"), _("期内登记的案件"), "received", kind="count"),
    Metric("accepted", _("受理数"), _("期内登记并已受理的案件"), "accepted", kind="count"),
    Metric("resolved", _("化解数"), _("受理后调解成功的案件"), "resolved", kind="count"),
    Metric("closed", _("办结数"), _("期内结案的案件"), "closed", kind="count"),
    Metric(
        "unreachable",
        _("回访未联系上"),
        _("期内结束而未联系上的回访"),
        "unreachable",
        kind="count",
    ),
    Metric("open_now", _("在办"), _("当前在办的案件"), "open_now", kind="count"),
    Metric("overdue_now", _("超期在办"), _("当前在办且已超期的案件"), "overdue_now", kind="count"),
]

RESOLVED_SHARE_BY_LEVEL = [
    (level, f"resolved_{level}") for level in ["village", "township", "county", "city", "province"]
]
