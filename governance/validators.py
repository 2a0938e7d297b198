"""Validators for personal data: resident ID numbers (GB 11643-1999) and phone numbers."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["id_number_check_digit", "validate_id_number", "validate_mobile", "validate_phone"]

_ID_RE = re.compile(r"\A[0-9]{17}[0-9X]\Z")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Mainland mobiles (1[3-9] + 9 digits) or landlines with an area code (0710-1234567).
_MOBILE = r"1[3-9][0-9]{9}"
_PHONE_RE = re.compile(rf"\A(?:{_MOBILE}|0[1-9][0-9]{{1,2}}-?[2-9][0-9]{{6,7}})\Z")
_MOBILE_RE = re.compile(rf"\A{_MOBILE}\Z")


def id_number_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def validate_id_number(value: str) -> None:
    """18 characters, a real birth date, and the GB 11643 check digit (X upper-case)."""
    value = (value or "").strip()
    if not _ID_RE.match(value):
        raise ValidationError(
            _("身份证号应为18位，前17位为数字，末位为数字或X。"), code="id_format"
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth") from None
    if born.year < 1900 or born > date.today():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth")
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_check")


def validate_phone(value: str) -> None:
    """A mainland mobile number or a landline with its area code."""
    if not _PHONE_RE.match((value or "").strip()):
        raise ValidationError(
            _("请输入11位手机号或带区号的固定电话（如 0710-3456789）。"), code="phone"
        )


def validate_mobile(value: str) -> None:
    """A mainland mobile number (11 digits, 1[3-9]…): where a resident must be reachable by
    SMS, e.g. when filing a dispute online."""
    if not _MOBILE_RE.match((value or "").strip()):
        raise ValidationError(_("请输入11位手机号。"), code="mobile")
