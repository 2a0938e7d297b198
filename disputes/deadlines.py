"""Per-level time limits, counted in working days on the PRC calendar (domain.md's ladder),
and the clock a case carries at its level: the deadline day, the moment it falls overdue and
the moment a warning (预警) is due.

The limit for a case comes from the most specific active DeadlineRule (level + category +
risk, then level + category, level + risk, level alone), else from
settings.DISPUTE_LEVEL_WORKDAYS, else from the defaults below.

`DISPUTE_DEMO_WORKDAY_SECONDS` (demo only, never in production) makes one working day last
that many seconds, so that a newcomer running the demo watches cases fall due and climb."""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic

from django.conf import settings
from django.utils import timezone

from centers.choices import CenterLevel
from governance.workdays import add_workdays

__all__ = [
    "DEFAULT_LEVEL_WORKDAYS",
    "LevelClock",
    "demo_workday_seconds",
    "level_clock",
    "level_deadline",
    "level_rule",
    "level_workdays",
    "start_clock",
    "extend_clock",
    "forget_rules",
    "warning_share",
]

# [default] village ≤15 days, township ≤30 [GD 33][SZ 25], county ≤60 [XF 34], city 30 per
# review step [XF 35-36]. Override with settings.DISPUTE_LEVEL_WORKDAYS or DeadlineRule rows.
DEFAULT_LEVEL_WORKDAYS = {
    CenterLevel.VILLAGE: 15,
    CenterLevel.TOWNSHIP: 30,
    CenterLevel.COUNTY: 60,
    CenterLevel.CITY: 30,
    CenterLevel.PROVINCE: 30,
}


@dataclass(frozen=True)
class Rule:
    workdays: int
    auto_escalate: bool = True


@dataclass(frozen=True)
class LevelClock:
    """The clock of a case at its level."""

    workdays: int  # the limit
    deadline: date  # the last day of the limit
    due_at: datetime  # from this moment the case is overdue
    warn_at: datetime  # from this moment a warning is due (share of the limit used)


def demo_workday_seconds() -> int | None:
    value = getattr(settings, "DISPUTE_DEMO_WORKDAY_SECONDS", None)
    return int(value) if value else None


def warning_share() -> float:
    """The share of a level's working days after which the handlers are warned (0.8)."""
    return float(getattr(settings, "DISPUTE_WARNING_SHARE", 0.8))


def level_workdays(level: str) -> int:
    """The working days a case may stay at `level` by default (no rule for its kind)."""
    limits = {**DEFAULT_LEVEL_WORKDAYS, **getattr(settings, "DISPUTE_LEVEL_WORKDAYS", {})}
    return int(limits[level])


# The active rules are few and read on every level change: this process keeps them for
# RULES_CACHE_SECONDS (and forgets them at once when it saves or deletes one itself).
RULES_CACHE_SECONDS = 30
_rules: tuple[float, list[dict]] | None = None


def forget_rules() -> None:
    global _rules
    _rules = None


def _active_rules() -> list[dict]:
    global _rules
    from .models import DeadlineRule

    cached = _rules
    if cached is not None and monotonic() - cached[0] < RULES_CACHE_SECONDS:
        return cached[1]
    rows = list(
        DeadlineRule.objects.filter(is_active=True).values(
            "level", "category_id", "risk_level", "workdays", "auto_escalate"
        )
    )
    _rules = (monotonic(), rows)
    return rows


def level_rule(level: str, *, category_id: int | None = None, risk_level: str = "") -> Rule:
    """The rule for a case of this category and risk at `level` (most specific wins)."""
    best, best_score = None, -1
    for row in _active_rules():
        if row["level"] != level:
            continue
        if row["category_id"] not in (None, category_id):
            continue
        if row["risk_level"] not in ("", risk_level):
            continue
        score = 2 * (row["category_id"] is not None) + (row["risk_level"] != "")
        if score > best_score:
            best, best_score = row, score
    if best is None:
        return Rule(workdays=level_workdays(level))
    return Rule(workdays=best["workdays"], auto_escalate=best["auto_escalate"])


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def level_deadline(level: str, entered: date | datetime) -> date:
    """The last day of the default limit for a case that entered `level` on `entered`."""
    return add_workdays(entered, level_workdays(level))


def level_clock(workdays: int, entered: datetime) -> LevelClock:
    """The clock for a limit of `workdays` working days started at `entered`: overdue from
    the first moment after the deadline day; warned on the morning of the working day by
    which the warning share of the limit is in use."""
    warn_days = max(1, math.ceil(workdays * warning_share()))
    seconds = demo_workday_seconds()
    if seconds:
        due_at = entered + timedelta(seconds=workdays * seconds)
        warn_at = entered + timedelta(seconds=min(warn_days, workdays) * seconds)
        return LevelClock(workdays, timezone.localdate(due_at), due_at, warn_at)
    local = timezone.localtime(entered)
    deadline = add_workdays(local, workdays)
    warn_day = add_workdays(local, min(warn_days, workdays))
    return LevelClock(
        workdays, deadline, _start_of(deadline + timedelta(days=1)), _start_of(warn_day)
    )


def extended_clock(clock_deadline: date, due_at: datetime, workdays: int) -> LevelClock:
    """The clock after an extension of `workdays` working days (延期)."""
    seconds = demo_workday_seconds()
    if seconds:
        new_due = due_at + timedelta(seconds=workdays * seconds)
        return LevelClock(workdays, timezone.localdate(new_due), new_due, new_due)
    deadline = add_workdays(clock_deadline, workdays)
    # Warned again on the morning of the new last day.
    return LevelClock(
        workdays, deadline, _start_of(deadline + timedelta(days=1)), _start_of(deadline)
    )


def start_clock(dispute, level: str, now: datetime) -> dict:
    """Start the case's clock at `level` (on entering it, or on a reopen): the limit from
    its rule, a fresh deadline, no warning yet, not overdue. Returns the values used, for
    the event."""
    rule = level_rule(level, category_id=dispute.category_id, risk_level=dispute.risk_level)
    clock = level_clock(rule.workdays, now)
    dispute.level = level
    dispute.level_entered_at = now
    dispute.level_workdays = rule.workdays
    dispute.level_deadline = clock.deadline
    dispute.level_due_at = clock.due_at
    dispute.warn_at = clock.warn_at
    dispute.warned_at = None
    dispute.is_overdue = False
    dispute.is_extended = False
    return {
        "level": level,
        "level_entered_at": now,
        "level_workdays": rule.workdays,
        "level_deadline": clock.deadline,
        "level_due_at": clock.due_at,
        "auto_escalate": rule.auto_escalate,
    }


def extend_clock(dispute, workdays: int) -> dict:
    """延期: move the case's deadline on by `workdays` working days."""
    old = dispute.level_deadline
    clock = extended_clock(old, dispute.level_due_at, workdays)
    dispute.level_deadline = clock.deadline
    dispute.level_due_at = clock.due_at
    dispute.warn_at = clock.warn_at
    dispute.warned_at = None
    dispute.level_workdays += workdays
    dispute.is_extended = True
    dispute.is_overdue = False
    return {"old_deadline": old, "level_deadline": clock.deadline, "workdays": workdays}
