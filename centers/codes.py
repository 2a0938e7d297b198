"""Official 12-digit division codes (统计用区划代码): PP CC DD TTT VVV.

A parent's code is the child's code with the lower segments set to zeros, so the level, the
kind of unit and the significant prefix can all be read off the code itself.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import CenterKind, CenterLevel

__all__ = [
    "CODE_RE",
    "validate_division_code",
    "code_level",
    "code_prefix",
    "code_kind",
    "is_code_ancestor",
]

CODE_RE = re.compile(r"\A[0-9]{12}\Z")
# (end offset, level) of each segment.
_SEGMENTS = (
    (2, CenterLevel.PROVINCE),
    (4, CenterLevel.CITY),
    (6, CenterLevel.COUNTY),
    (9, CenterLevel.TOWNSHIP),
    (12, CenterLevel.VILLAGE),
)


def validate_division_code(value: str) -> None:
    """Model/form validator: exactly 12 digits, a province segment that is not 00."""
    if not isinstance(value, str) or not CODE_RE.match(value):
        raise ValidationError(_("区划代码必须是12位数字。"), code="invalid_code")
    if value[:2] == "00":
        raise ValidationError(_("区划代码的省级段不能为00。"), code="invalid_code")


def code_level(code: str) -> CenterLevel:
    """The level the code's shape implies: its deepest non-zero segment."""
    level = CenterLevel.PROVINCE
    start = 0
    for end, seg_level in _SEGMENTS:
        if code[start:end].strip("0"):
            level = seg_level
        start = end
    return level


def code_prefix(code: str) -> str:
    """The significant part of a code: trailing all-zero segments removed (4206 for 襄阳)."""
    start = 0
    keep = 0
    for end, _level in _SEGMENTS:
        if code[start:end].strip("0"):
            keep = end
        start = end
    return code[:keep]


def is_code_ancestor(ancestor: str, descendant: str) -> bool:
    """True when `descendant`'s code lies under `ancestor`'s significant prefix."""
    prefix = code_prefix(ancestor)
    return ancestor != descendant and descendant.startswith(prefix)


def code_kind(code: str, level: str) -> CenterKind:
    """The kind of unit from the code segment: 001-099 街道, 100-199 镇, 200-399 乡,
    400+ 类似乡级; villages 001-199 居委会, 200-399 村委会, 400+ 类似村级."""
    if level == CenterLevel.PROVINCE:
        return CenterKind.PROVINCE
    if level == CenterLevel.CITY:
        return CenterKind.CITY
    if level == CenterLevel.COUNTY:
        return CenterKind.COUNTY
    if level == CenterLevel.TOWNSHIP:
        segment = int(code[6:9])
        if segment < 100:
            return CenterKind.SUBDISTRICT
        if segment < 200:
            return CenterKind.TOWN
        if segment < 400:
            return CenterKind.RURAL_TOWNSHIP
        return CenterKind.TOWNSHIP_LIKE
    segment = int(code[9:12])
    if segment < 200:
        return CenterKind.RESIDENTS_COMMITTEE
    if segment < 400:
        return CenterKind.VILLAGERS_COMMITTEE
    return CenterKind.VILLAGE_LIKE
