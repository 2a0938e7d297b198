"""Tabular exports (CSV and Excel) of rows read by a selector: one list of columns, two
writers, both streaming the rows once.

- CSV is UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly.
- XLSX is written by openpyxl in write-only mode (rows go straight to a temporary file, not
  into memory); dates and times are real Excel dates.
- A text cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe:
  a spreadsheet would otherwise run it as a formula (CSV/formula injection).
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["Column", "csv_chunks", "neutralize", "xlsx_file"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and how to read its value from a row (a date, a
    datetime, a number, a bool, text or None)."""

    header: Any  # a (lazy) translated string
    value: Callable[[Any], Any]
    width: int = 14  # in the spreadsheet, in characters


def neutralize(text: str) -> str:
    """Text a spreadsheet will show as text, never run as a formula."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def _text(value: Any) -> str | None:
    """Booleans as 是/否; other non-numbers, non-dates as (neutralized) text."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return neutralize(str(value))


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _text(value)


class _Echo:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(*, rows: Iterable, columns: Sequence[Column]) -> Iterator[bytes]:
    """The CSV file, header first, one encoded line at a time (for StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    yield (BOM + writer.writerow([str(column.header) for column in columns])).encode("utf-8")
    for row in rows:
        line = writer.writerow([_csv_value(column.value(row)) for column in columns])
        yield line.encode("utf-8")


def _xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    if isinstance(value, datetime):
        # Excel has no time zones: local (Beijing) time, as shown on screen.
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return WriteOnlyCell(sheet, value=value)
    return WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", _text(value)))


def xlsx_file(*, rows: Iterable, columns: Sequence[Column], title: str):
    """The workbook in a temporary file (rewound, for FileResponse): one sheet named `title`,
    a bold, frozen header row and one row per item."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for number, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.value(row)) for column in columns])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the response closes it
    workbook.save(output)
    output.seek(0)
    return output
