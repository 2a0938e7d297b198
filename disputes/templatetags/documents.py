"""Template helpers of printed case documents: `{% load documents %}`."""

from django import template
from django.utils.translation import get_language

register = template.Library()

DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (0-99; others as digits)."""
    if not 0 <= number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    if tens == 0:
        return DIGITS[ones]
    return f"{DIGITS[tens] if tens > 1 else ''}十{DIGITS[ones] if ones else ''}"


@register.filter
def count_words(number) -> str:
    """A small count as a document writes it: 一式三份 in Chinese, "3" in other languages."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return ""
    if (get_language() or "").startswith("zh"):
        return chinese_numeral(number)
    return str(number)


@register.filter
def paragraphs(text) -> list[str]:
    """The non-empty lines of a text: each becomes a paragraph of the document (indented
    like the rest), where `linebreaks` would leave a line after <br> unindented."""
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]
