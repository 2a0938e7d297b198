"""Masking of personal data (姓名、手机号、身份证号) wherever it is not needed in full."""

import re

__all__ = ["mask_name", "mask_phone", "mask_id_number", "mask_long_numbers"]

# Numbers this long in a text (a phone or ID number written into a file name) are masked.
LONG_NUMBER = re.compile(r"\d{11,}[Xx]?")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***; a single character stays as it is."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; shorter numbers keep only their last 2 digits."""
    phone = (phone or "").strip()
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) > 2:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


def mask_id_number(id_number: str) -> str:
    """420602199001011234 → 4206**********1234."""
    value = (id_number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_long_numbers(text: str) -> str:
    """The text with long numbers masked: 11 digits as a phone (138****5678), longer ones as
    an ID number (4206**********2541)."""

    def mask(match: re.Match) -> str:
        number = match.group()
        return mask_phone(number) if len(number) == 11 else mask_id_number(number)

    return LONG_NUMBER.sub(mask, text or "")
