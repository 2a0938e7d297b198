"""Per-level time limits, counted in working days on the PRC calendar (domain.md's ladder)."""

from datetime import date, datetime

from django.conf import settings

from centers.choices import CenterLevel
from governance.workdays import add_workdays

__all__ = ["DEFAULT_LEVEL_WORKDAYS", "level_workdays", "level_deadline"]

# [default] village ≤15 days, township ≤30 [GD 33][SZ 25], county ≤60 [XF 34], city 30 per
# review step [XF 35-36]. Override with settings.DISPUTE_LEVEL_WORKDAYS.
DEFAULT_LEVEL_WORKDAYS = {
    CenterLevel.VILLAGE: 15,
    CenterLevel.TOWNSHIP: 30,
    CenterLevel.COUNTY: 60,
    CenterLevel.CITY: 30,
    CenterLevel.PROVINCE: 30,
}


def level_workdays(level: str) -> int:
    """The working days a case may stay at `level`."""
    limits = {**DEFAULT_LEVEL_WORKDAYS, **getattr(settings, "DISPUTE_LEVEL_WORKDAYS", {})}
    return int(limits[level])


def level_deadline(level: str, entered: date | datetime) -> date:
    """The last day of the level's limit for a case that entered the level on `entered`."""
    return add_workdays(entered, level_workdays(level))
