"""Message texts come from templates, in Chinese, under templates/notifications/messages/:
`<kind>.txt` for the staff inbox and e-mail (first line the title, the rest the body) and
`<kind>_sms.txt` for a resident's text message. A deployment overrides them by putting its
own templates earlier in TEMPLATES["DIRS"]."""

from django.conf import settings
from django.template.loader import render_to_string

__all__ = ["render_message", "render_sms"]


def render_message(kind: str, context: dict) -> tuple[str, str]:
    """(title, body) of the staff message `kind`."""
    text = render_to_string(f"notifications/messages/{kind}.txt", context).strip()
    title, _newline, body = text.partition("\n")
    return title.strip(), body.strip()


def render_sms(kind: str, context: dict) -> str:
    """The text of the resident SMS `kind` (one paragraph)."""
    text = render_to_string(
        f"notifications/messages/{kind}_sms.txt", {"site_url": settings.SITE_URL, **context}
    )
    return " ".join(text.split())
