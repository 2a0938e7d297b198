"""Helpers shared by the UI tests.

The compiled catalogs (*.mo) are build output and not in git (`pybabel compile -d locale -D
django` makes them). Tests that render English compile any catalog that is missing or older
than its .po first, so that a fresh checkout's test run does not depend on a build step.
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.reloader import translation_file_changed

__all__ = ["compile_catalogs"]


def compile_catalogs() -> list[Path]:
    """Compile every stale locale/*/LC_MESSAGES/*.po (as pybabel compile does); return the
    catalogs written. Django's translation caches are reset when anything was written."""
    written = []
    for locale_dir in settings.LOCALE_PATHS:
        for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            # Write next to the target, then rename: parallel test workers may race here.
            fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as mo_file:
                write_mo(mo_file, catalog)
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, mo_path)
            written.append(mo_path)
    if written:
        translation_file_changed(sender=None, file_path=written[0])
    return written
