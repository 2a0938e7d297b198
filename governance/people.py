"""How people are named on screen."""

import unicodedata

__all__ = ["person_name"]


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(char, "").startswith("CJK") for char in text)


def person_name(user) -> str:
    """A user's name as people write it: 张三 (family name first, no space) for Chinese
    names, "Jane Smith" otherwise; the username when no name is set."""
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    if not first and not last:
        return user.get_username()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)
