"""Masking of personal data (姓名、手机号、身份证号) wherever it is not needed in full."""

import re

__all__ = ["mask_name", "mask_phone", "mask_id_number", "mask_text"]


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


# A number written in free text: digits (ASCII or full-width, as Chinese input methods type
# them), possibly broken by single spaces or hyphens (138 1234 5678, 0710-3456789), with an
# ID number's final X; not part of a longer word.
_NUMBER_RUN = re.compile(
    r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])[0-9０-９](?:[ \-－]?[0-9０-９])*[XxＸｘ]?"
    r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
)
_TO_ASCII = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx", " -－")
# Shorter numbers (amounts, dates, house numbers) are left alone.
MASKED_NUMBER_DIGITS = 7


def _mask_number(match: re.Match) -> str:
    raw = match.group(0)
    compact = raw.translate(_TO_ASCII)
    if sum(ch.isdigit() for ch in compact) < MASKED_NUMBER_DIGITS:
        return raw
    if len(compact) == 18:
        return mask_id_number(compact.upper())
    return mask_phone(compact)


def mask_text(text: str, *, names=()) -> str:
    """Free text with personal data masked: every number of 7 digits or more (mobiles,
    landlines, ID numbers, bank cards) like a phone or ID number, and every occurrence of one
    of `names` (the parties on record) like a name. Names that nobody recorded cannot be
    recognised: callers publish only short texts (a case's summary), never full ones."""
    masked = _NUMBER_RUN.sub(_mask_number, text or "")
    for name in sorted({(n or "").strip() for n in names}, key=len, reverse=True):
        if len(name) >= 2:
            masked = masked.replace(name, mask_name(name))
    return masked
