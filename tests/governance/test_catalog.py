"""The English catalog is complete: every message has a translation, none is fuzzy, and the
placeholders of each translation are those of its source."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*(\w+)\s*\}\}")


def catalog():
    path = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale="en")


def names(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated, fuzzy, mismatched = [], [], []
    for message in catalog():
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(sources[0])
        if message.fuzzy:
            fuzzy.append(sources[0])
        if any(names(sources[-1]) != names(string) for string in strings if string):
            mismatched.append(sources[0])
    assert untranslated == []
    assert fuzzy == []
    assert mismatched == []
