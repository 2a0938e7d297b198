"""Every response a test receives is scanned for personal numbers shown in full: an 11-digit
mobile number or an 18-digit resident ID number. Only the pages whose purpose is to show one
may; anything else fails the test that made the request. Those pages are: the audited reveal
(UI and API), the printed 调解协议书 (its opening is audited as a reveal: the parties sign
it), the intake form sent back with errors (the desk's own typing), the Django admin
(data administration by superusers and scoped staff), and the OpenAPI schema (its request
examples are made-up numbers)."""

from __future__ import annotations

import re

# Not part of a longer run of letters or digits (hashes, codes, tracking numbers).
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
SCANNED_TYPES = ("text/", "application/json", "application/xml", "application/vnd.oai")
# (namespace, URL name) of the pages whose job is to show a number in full; None: any name.
ALLOWED = {
    ("disputes", "reveal"),
    ("", "case-party-reveal"),
    ("", "api-schema"),  # documentation: the request examples show what a phone looks like
    ("disputes", "agreement"),
    ("disputes", "intake"),
    ("admin", None),
}


class PersonalDataShown(AssertionError):
    pass


def scan(request, response) -> None:
    match = getattr(request, "resolver_match", None)
    if match is not None and (
        (match.namespace, match.url_name) in ALLOWED or (match.namespace, None) in ALLOWED
    ):
        return
    if getattr(response, "streaming", False):
        return
    content_type = response.get("Content-Type", "")
    if not content_type.startswith(SCANNED_TYPES):
        return
    text = response.content.decode("utf-8", errors="replace")
    found = MOBILE.findall(text) + ID_NUMBER.findall(text)
    if found:
        raise PersonalDataShown(
            f"{request.method} {request.get_full_path()} answered {response.status_code} with "
            f"personal numbers in full: {sorted(set(found))[:5]}"
        )
