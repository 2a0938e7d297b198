"""Import official division codes (统计用区划代码) into the Center tree.

The file is CSV, UTF-8 (a leading byte-order mark is accepted), optionally gzip-compressed
(recognised by its magic bytes, whatever the file is called), with the header
``code,name,level,parent_code`` (see data/divisions/README.md). Cells are stripped of
surrounding blanks; blank lines are skipped.

Rules
-----
* Every row is checked first; nothing is written unless the whole file is valid. A bad row is
  reported as ``FILE:LINE: reason`` (in Chinese, through gettext); the first
  ``MAX_REPORTED_ERRORS`` problems by line number are kept and the rest only counted. Rows are
  rejected for: a malformed code or parent code, an unknown level, a level that does not match
  the code's shape (``code_level``), an empty or too long name, a wrong number of columns, a
  code repeated in the file, a parent code that is neither in the file nor stored, a parent
  that is not a code ancestor (``is_code_ancestor``) or not at a higher level
  (``LEVEL_DEPTH``). A file that is not UTF-8 or lacks the header is rejected as a whole.
* A row is matched to an existing center by its code (upsert): a renamed unit is renamed, a
  unit whose parent changed is moved, a new unit is added to its tree. ``kind`` is always
  derived from the code (``centers.codes.code_kind``).
* A row with an empty ``parent_code`` is a root of its own tree (a province in the national
  file, the city in a city file, or whatever the topmost unit of a slice is). If its code is
  already in the database *under a parent*, that parent is kept: a city file is a slice of the
  national tree, so importing xiangyang.csv after the national file only updates names.
* Units in the database that the file does not list are left alone; ``ImportResult.absent``
  counts those that lie under a unit of the file (candidates for abolished units).
* Each root is its own MPTT tree. An existing root keeps its ``tree_id``; a new root gets the
  next ``tree_id`` after the largest in the table (in code order when several are new). A
  tree whose root gets a parent (a city tree folded into its province) joins the parent's
  tree and its old ``tree_id`` simply stops being used. (django-mptt's own ``rebuild()``
  would renumber every tree 1..N by code; positions inside each tree are identical.)

How it stays fast
-----------------
Nothing goes through MPTT's per-node insert, which renumbers half a tree for each node. The
importer loads the affected trees (the existing nodes of every tree the file touches) in code
order, merges them with the file, and lays out ``lft``/``rght``/``tree_depth``/``tree_id`` in
one iterative depth-first pass with children in code order, exactly as MPTT's
``order_insertion_by = ["code"]`` would place them. Only new rows are inserted and only rows
whose fields actually change are updated, so a re-run of the same file writes nothing.

The rows are written as plain values rather than through ``bulk_create``/``bulk_update``,
whose per-value preparation took ~60 s for the national file and whose CASE WHEN updates took
~8 minutes on PostgreSQL to renumber every row: ids of new rows are reserved first (so that
children can point at their parents in the same pass), then PostgreSQL gets COPY (new rows
straight into the table, changed rows into a temporary table and one UPDATE ... FROM) and
SQLite gets executemany. The per-node working data lives in ``array`` columns rather than
Python objects, so the national file (665k rows) needs about 250 MB.

Everything from the first database read to the last write runs in one transaction holding the
center-tree lock (``centers.locks.center_tree_lock``), so a failed import leaves no trace and
no other tree writer can interleave. A file already found bad on its own is checked against
the database without that lock (nothing will be written), so a report never waits for it.
"""

from __future__ import annotations

import csv
import gzip
import heapq
import io
import itertools
import os
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import LEVEL_DEPTH, CenterLevel
from .codes import CODE_RE, code_kind, code_level, is_code_ancestor, validate_division_code
from .locks import center_tree_lock
from .models import Center

__all__ = [
    "HEADER",
    "MAX_REPORTED_ERRORS",
    "ImportDivisionsError",
    "ImportResult",
    "Progress",
    "RowError",
    "import_divisions",
]

HEADER = ("code", "name", "level", "parent_code")
MAX_REPORTED_ERRORS = 50
# Rows per COPY / executemany round.
WRITE_BATCH = 10_000
# How often (in rows) the progress callback is called.
PROGRESS_EVERY = 5000
# Codes per `code__in` query.
LOOKUP_BATCH = 500

# Levels indexed by their depth (province 0 … village 4).
LEVELS: tuple[CenterLevel, ...] = tuple(sorted(LEVEL_DEPTH, key=LEVEL_DEPTH.__getitem__))
NAME_MAX_LENGTH = Center._meta.get_field("name").max_length
NO_PARENT = -1
GZIP_MAGIC = b"\x1f\x8b"

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: called now and then with a (translated) stage label, the
number of rows done so far in that stage and the stage's total (None when unknown)."""


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: the file's line number (None for the file as a whole) and the reason."""

    line: int | None
    message: str


class ImportDivisionsError(Exception):
    """The file cannot be imported; nothing was written.

    ``errors`` holds the first problems by line number (at most ``MAX_REPORTED_ERRORS`` by
    default); ``total`` counts all of them.
    """

    def __init__(self, path: str, errors: Iterable[RowError], total: int):
        self.path = path
        self.errors = tuple(sorted(errors, key=lambda e: (e.line or 0, e.message)))
        self.total = total
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The problems as ``FILE:LINE: reason`` lines, plus a line for those left out."""
        lines = [
            f"{self.path}:{e.line}: {e.message}" if e.line else f"{self.path}: {e.message}"
            for e in self.errors
        ]
        if self.total > len(self.errors):
            lines.append(
                f"{self.path}: "
                + _("另有 %(count)d 处错误未列出（只列出前 %(shown)d 处）。")
                % {"count": self.total - len(self.errors), "shown": len(self.errors)}
            )
        return lines


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    ``created`` + ``updated`` + ``unchanged`` = ``rows`` (the file's data rows).
    ``updated`` rows had their name, level, kind or parent changed. ``renumbered`` counts
    existing units, listed in the file or not, whose only change is their place in the nested
    set (lft/rght/tree_depth/tree_id), e.g. to make room for a new sibling. ``absent`` counts
    units in the database under a unit of the file that the file does not list: they were left
    alone. ``trees`` is the number of trees the file's units belong to.
    """

    rows: int
    created: int
    updated: int
    unchanged: int
    renumbered: int
    absent: int
    trees: int

    @property
    def written(self) -> int:
        """Rows inserted or updated in the database (0 for a re-run of the same file)."""
        return self.created + self.updated + self.renumbered


def import_divisions(
    *,
    path: str | os.PathLike,
    progress: Progress | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
) -> ImportResult:
    """Import the division file at `path` into the Center tree (see the module docstring).

    Raises ImportDivisionsError, with every problem found (up to `max_errors`), when the file
    is unreadable or any row is invalid; the database is then left untouched.
    """
    path = Path(path)
    errors = _ErrorList(str(path), max_errors)
    rows = _read_file(path, errors, progress)
    rows.sort_and_drop_duplicates(errors)
    if errors:
        # Rejected already: check the parents too, for a complete report, but without waiting
        # for the tree lock (on SQLite, the database's write lock) since nothing will be written.
        _Forest(rows, errors).check_against_database()
        errors.raise_if_any()
    with center_tree_lock():  # one transaction, holding the tree lock
        forest = _Forest(rows, errors)
        forest.check_against_database()
        errors.raise_if_any()
        forest.lay_out()
        return forest.write(progress)


# --- errors ----------------------------------------------------------------------------------


class _ErrorList:
    """Collects problems, keeping the `cap` with the smallest line numbers."""

    def __init__(self, path: str, cap: int):
        self.path = path
        self.cap = cap
        self.total = 0
        self._heap: list[tuple[int, int, RowError]] = []  # (-line, -seq, error): a max-heap

    def add(self, line: int | None, message: str) -> None:
        self.total += 1
        item = (-(line or 0), -self.total, RowError(line, message))
        if len(self._heap) < self.cap:
            heapq.heappush(self._heap, item)
        elif self.cap:
            heapq.heappushpop(self._heap, item)

    def __bool__(self) -> bool:
        return self.total > 0

    def exception(self) -> ImportDivisionsError:
        return ImportDivisionsError(self.path, (e for _l, _s, e in self._heap), self.total)

    def raise_if_any(self) -> None:
        if self.total:
            raise self.exception()


# --- reading the file ------------------------------------------------------------------------


def _code_int(code: str) -> int:
    return int(code)


def _code_str(code: int) -> str:
    return f"{code:012d}"


@dataclass
class _FileRows:
    """The file's valid rows as parallel columns (index = row), sorted by code once read.

    Codes are kept as integers (12 digits fit in 64 bits), levels as their depth.
    """

    codes: array  # 'q'
    names: list[str]
    levels: bytearray
    parents: array  # 'q': parent code, or NO_PARENT
    lines: array  # 'L': line number in the file
    rejected: set[int]  # codes of rows that failed a check (their children are not blamed)
    rows_read: int = 0

    def find(self, code: int) -> int:
        """The row index of `code`, or -1."""
        i = bisect_left(self.codes, code)
        return i if i < len(self.codes) and self.codes[i] == code else -1

    def sort(self) -> None:
        """Order the rows by code (the files are already sorted: then this is a no-op)."""
        codes = self.codes
        if all(a <= b for a, b in zip(codes, itertools.islice(codes, 1, None), strict=False)):
            return
        order = sorted(range(len(codes)), key=codes.__getitem__)  # stable: file order on ties
        self.codes = array("q", (codes[i] for i in order))
        self.names = [self.names[i] for i in order]
        self.levels = bytearray(self.levels[i] for i in order)
        self.parents = array("q", (self.parents[i] for i in order))
        self.lines = array("L", (self.lines[i] for i in order))

    def sort_and_drop_duplicates(self, errors: _ErrorList) -> None:
        """Sort by code; report each repeated code (the later rows are dropped)."""
        self.sort()
        codes = self.codes
        duplicates = [i for i in range(1, len(codes)) if codes[i] == codes[i - 1]]
        if duplicates:
            first = {}
            for i in range(len(codes)):
                first.setdefault(codes[i], i)
            for i in duplicates:
                errors.add(
                    self.lines[i],
                    _("区划代码重复：%(code)s 已在第 %(line)d 行出现。")
                    % {"code": _code_str(codes[i]), "line": self.lines[first[codes[i]]]},
                )
            keep = [i for i in range(len(codes)) if first[codes[i]] == i]
            self.codes = array("q", (codes[i] for i in keep))
            self.names = [self.names[i] for i in keep]
            self.levels = bytearray(self.levels[i] for i in keep)
            self.parents = array("q", (self.parents[i] for i in keep))
            self.lines = array("L", (self.lines[i] for i in keep))


def _raw_lines(path: Path, errors: _ErrorList) -> Iterator[bytes]:
    """The file's lines as bytes, decompressing gzip if the file starts with its magic."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        errors.add(None, _("无法打开文件：%(reason)s") % {"reason": exc.strerror or exc})
        return
    with raw:
        compressed = raw.read(len(GZIP_MAGIC)) == GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        try:
            yield from stream
        except (OSError, EOFError, zlib.error) as exc:
            errors.add(None, _("gzip 压缩文件已损坏：%(reason)s") % {"reason": exc})


class _Decoder:
    """Decode lines as UTF-8 one by one, so that a bad byte is reported with its line."""

    def __init__(self, lines: Iterable[bytes], errors: _ErrorList):
        self.lines = lines
        self.errors = errors
        self.failed = False

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.lines, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.errors.add(
                    number,
                    _(
                        "文件不是 UTF-8 编码（第 %(offset)d 个字节无法解码，可能是 GBK 编码）；"
                        "请转换为 UTF-8 后再导入。"
                    )
                    % {"offset": exc.start + 1},
                )
                self.failed = True
                return
            yield text.removeprefix("\ufeff") if number == 1 else text


def _read_file(path: Path, errors: _ErrorList, progress: Progress | None) -> _FileRows:
    """Read and check every row on its own; raise at once if the file cannot be read at all
    (missing, not UTF-8, wrong header). Problems of single rows are collected in `errors`."""
    rows = _FileRows(array("q"), [], bytearray(), array("q"), array("L"), set())
    decoder = _Decoder(_raw_lines(path, errors), errors)
    reader = csv.reader(decoder, strict=True)
    stage = _("读取文件")
    try:
        header = next(reader, None)
    except csv.Error as exc:
        errors.add(1, _("CSV 格式错误：%(reason)s") % {"reason": exc})
        errors.raise_if_any()
    errors.raise_if_any()  # unreadable, or not UTF-8 in the first line
    expected = ",".join(HEADER)
    if header is None:
        errors.add(1, _("文件为空：第一行应为表头 %(header)s。") % {"header": expected})
    elif [cell.strip() for cell in header] != list(HEADER):
        errors.add(
            1,
            _("表头错误：应为 %(expected)s，实际为 %(actual)s。")
            % {"expected": expected, "actual": ",".join(header)},
        )
    errors.raise_if_any()

    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader, None)
        except csv.Error as exc:
            errors.add(reader.line_num, _("CSV 格式错误：%(reason)s") % {"reason": exc})
            line = reader.line_num
            continue
        line = reader.line_num
        if cells is None:
            break
        if not cells or cells == [""]:
            continue  # blank line
        rows.rows_read += 1
        _check_row(start, cells, rows, errors)
        if progress is not None and rows.rows_read % PROGRESS_EVERY == 0:
            progress(stage, rows.rows_read, None)
    if decoder.failed:
        errors.raise_if_any()  # past a bad byte nothing else is trustworthy
    if progress is not None:
        progress(stage, rows.rows_read, rows.rows_read)
    if not rows.rows_read and not errors:
        errors.add(None, _("文件中没有数据行。"))
    return rows


def _check_code(line: int, code: str, errors: _ErrorList, *, parent: bool = False) -> bool:
    """Whether `code` (the row's own or its parent's) is a valid division code; reported
    with the model validator's reason if not."""
    try:
        validate_division_code(code)
    except ValidationError as exc:
        message = (
            _("上级区划代码格式错误：“%(code)s”（%(reason)s）")
            if parent
            else _("区划代码格式错误：“%(code)s”（%(reason)s）")
        )
        errors.add(line, message % {"code": code, "reason": " ".join(exc.messages)})
        return False
    return True


def _check_row(line: int, cells: list[str], rows: _FileRows, errors: _ErrorList) -> None:
    """Check one row by itself; append it to `rows` if it passes."""
    if len(cells) != len(HEADER):
        errors.add(
            line,
            _("应有 %(expected)d 列（%(header)s），实际为 %(actual)d 列。")
            % {"expected": len(HEADER), "header": ",".join(HEADER), "actual": len(cells)},
        )
        return
    code, name, level, parent_code = (cell.strip() for cell in cells)
    failures = errors.total
    code_ok = _check_code(line, code, errors)
    if not name:
        errors.add(line, _("名称为空。"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.add(
            line,
            _("名称过长：%(length)d 个字符，最多 %(max)d 个。")
            % {"length": len(name), "max": NAME_MAX_LENGTH},
        )
    if level not in LEVEL_DEPTH:
        errors.add(
            line,
            _("未知层级“%(level)s”：应为 %(levels)s 之一。")
            % {"level": level, "levels": "/".join(LEVELS)},
        )
    elif code_ok and code_level(code) != level:
        errors.add(
            line,
            _("层级与区划代码不符：%(code)s 是 %(expected)s 级代码，文件中写的是 %(level)s。")
            % {"code": code, "expected": code_level(code), "level": level},
        )
    if parent_code:
        _check_code(line, parent_code, errors, parent=True)
    if errors.total != failures:
        if code_ok:
            rows.rejected.add(_code_int(code))
        return
    rows.codes.append(_code_int(code))
    rows.names.append(name)
    rows.levels.append(LEVEL_DEPTH[level])
    rows.parents.append(_code_int(parent_code) if parent_code else NO_PARENT)
    rows.lines.append(line)


# --- the merged forest ------------------------------------------------------------------------


class _Forest:
    """The file's rows merged with the existing nodes of every tree they touch.

    Nodes are indexed 0..n-1 in code order; each attribute is a column (`array`), `file`
    pointing at the file row (or -1) and the `db_*` columns holding the stored values (id 0
    for a new node).
    """

    def __init__(self, rows: _FileRows, errors: _ErrorList):
        self.rows = rows
        self.errors = errors
        self.code = array("q")
        self.file = array("l")
        self.level = bytearray()
        self.content_changed = bytearray()  # name, level or kind differs from the database
        self.db_id = array("q")
        self.db_parent = array("q")  # 0: a root
        self.db_tree = array("q")
        self.db_lft = array("q")
        self.db_rght = array("q")
        self.db_depth = array("q")
        self.max_tree_id = 0

    def __len__(self) -> int:
        return len(self.code)

    def find(self, code: int) -> int:
        """The node index of `code`, or -1."""
        i = bisect_left(self.code, code)
        return i if i < len(self.code) and self.code[i] == code else -1

    def check_against_database(self) -> None:
        """Load the stored nodes of the affected trees and resolve every node's parent,
        reporting the file's parents that are missing or do not fit."""
        self.load_database()
        self.resolve_parents()

    # -- loading ------------------------------------------------------------------------------

    def _affected_tree_ids(self) -> set[int]:
        """Trees holding a code of the file or a parent code the file does not define."""
        rows = self.rows
        tree_ids: set[int] = set()
        if rows.codes:
            span = (_code_str(rows.codes[0]), _code_str(rows.codes[-1]))
            stored = Center.objects.filter(code__range=span).values_list("code", "tree_id")
            for code, tree_id in stored.iterator(chunk_size=WRITE_BATCH):
                if CODE_RE.match(code) and rows.find(_code_int(code)) >= 0:
                    tree_ids.add(tree_id)
        outside = sorted(
            {p for p in rows.parents if p != NO_PARENT and rows.find(p) < 0} - rows.rejected
        )
        for start in range(0, len(outside), LOOKUP_BATCH):
            batch = [_code_str(c) for c in outside[start : start + LOOKUP_BATCH]]
            stored = Center.objects.filter(code__in=batch).values_list("tree_id", flat=True)
            tree_ids.update(stored)
        return tree_ids

    def load_database(self) -> None:
        """Merge the file's rows with the stored nodes of the affected trees, by code."""
        rows = self.rows
        tree_ids = self._affected_tree_ids()
        self.max_tree_id = Center.objects.aggregate(m=Max("tree_id"))["m"] or 0
        stored = (
            Center.objects.filter(tree_id__in=sorted(tree_ids))
            .order_by("code")
            .values_list(
                "id",
                "code",
                "name",
                "level",
                "kind",
                "parent_id",
                "tree_id",
                "lft",
                "rght",
                "tree_depth",
            )
        )
        f, n_rows = 0, len(rows.codes)
        previous = -1
        for db_row in stored.iterator(chunk_size=WRITE_BATCH) if tree_ids else ():
            code = db_row[1]
            if not CODE_RE.match(code):
                self.errors.add(
                    None,
                    _("数据库中的区划代码格式错误：“%(code)s”（id %(id)s）。")
                    % {"code": code, "id": db_row[0]},
                )
                continue
            code_int = _code_int(code)
            if code_int <= previous:  # the merge relies on the database's order by code
                raise RuntimeError(f"centers not ordered by code: {code} after {previous}")
            previous = code_int
            while f < n_rows and rows.codes[f] < code_int:
                self._add_file_only(f)
                f += 1
            if f < n_rows and rows.codes[f] == code_int:
                self._add_stored(db_row, code_int, f)
                f += 1
            else:
                self._add_stored(db_row, code_int, -1)
        for rest in range(f, n_rows):
            self._add_file_only(rest)

    def _add_file_only(self, f: int) -> None:
        rows = self.rows
        self.code.append(rows.codes[f])
        self.file.append(f)
        self.level.append(rows.levels[f])
        self.content_changed.append(1)
        for column in (self.db_id, self.db_parent, self.db_tree):
            column.append(0)
        for column in (self.db_lft, self.db_rght, self.db_depth):
            column.append(0)

    def _add_stored(self, db_row: tuple, code_int: int, f: int) -> None:
        pk, code, name, level, kind, parent_id, tree_id, lft, rght, depth = db_row
        self.code.append(code_int)
        self.file.append(f)
        if f >= 0:
            rows = self.rows
            file_level = LEVELS[rows.levels[f]]
            changed = (
                name != rows.names[f] or level != file_level or kind != code_kind(code, file_level)
            )
            self.level.append(rows.levels[f])
            self.content_changed.append(changed)
        else:
            self.level.append(LEVEL_DEPTH.get(level, LEVEL_DEPTH[code_level(code)]))
            self.content_changed.append(0)
        self.db_id.append(pk)
        self.db_parent.append(parent_id or 0)
        self.db_tree.append(tree_id)
        self.db_lft.append(lft)
        self.db_rght.append(rght)
        self.db_depth.append(depth)

    # -- parents ------------------------------------------------------------------------------

    def resolve_parents(self) -> None:
        """Each node's parent (node index, -1 for a root), checking the file's parent codes:
        the parent must exist, be a code ancestor and lie at a higher level."""
        rows, errors = self.rows, self.errors
        n = len(self)
        parent_ids = set(self.db_parent)
        parent_ids.discard(0)
        by_id = {self.db_id[k]: k for k in range(n) if self.db_id[k] in parent_ids}
        self.parent = parent = array("l", itertools.repeat(-1, n))
        for k in range(n):
            f = self.file[k]
            if f >= 0 and rows.parents[f] != NO_PARENT:
                parent_code = rows.parents[f]
                p = self.find(parent_code)
                if p < 0:
                    if parent_code not in rows.rejected:
                        errors.add(
                            rows.lines[f],
                            _("上级区划代码 %(parent)s 既不在文件中，也不在数据库中。")
                            % {"parent": _code_str(parent_code)},
                        )
                    continue
                if self._check_parent(f, p):
                    parent[k] = p
            elif self.db_parent[k]:
                p = by_id.get(self.db_parent[k], -1)
                if p < 0:
                    errors.add(
                        None,
                        _("数据库中的中心树不一致：%(code)s 的上级（id %(id)d）不在同一棵树中。")
                        % {"code": _code_str(self.code[k]), "id": self.db_parent[k]},
                    )
                parent[k] = p

    def _check_parent(self, f: int, p: int) -> bool:
        rows = self.rows
        code, parent_code = _code_str(rows.codes[f]), _code_str(self.code[p])
        ok = True
        if not is_code_ancestor(parent_code, code):
            self.errors.add(
                rows.lines[f],
                _("上级区划代码 %(parent)s 不是 %(code)s 的上级（代码前缀不符）。")
                % {"parent": parent_code, "code": code},
            )
            ok = False
        if self.level[p] >= rows.levels[f]:
            self.errors.add(
                rows.lines[f],
                _("上级 %(parent)s 的层级（%(parent_level)s）不高于本行的层级（%(level)s）。")
                % {
                    "parent": parent_code,
                    "parent_level": LEVELS[self.level[p]],
                    "level": LEVELS[rows.levels[f]],
                },
            )
            ok = False
        return ok

    # -- layout -------------------------------------------------------------------------------

    def lay_out(self) -> None:
        """Nested-set fields of every node: one iterative depth-first pass per root, children
        in code order, roots keeping their tree_id or getting new ones after the maximum."""
        n = len(self)
        parent = self.parent
        # Children in CSR form: kids[start[p]:start[p + 1]], in code order since k ascends.
        start = array("l", bytes(array("l").itemsize * (n + 1)))
        for k in range(n):
            if parent[k] >= 0:
                start[parent[k] + 1] += 1
        for k in range(n):
            start[k + 1] += start[k]
        kids = array("l", bytes(array("l").itemsize * start[n]))
        cursor = array("l", start)
        for k in range(n):
            p = parent[k]
            if p >= 0:
                kids[cursor[p]] = k
                cursor[p] += 1
        cursor = array("l", start)

        zeros = bytes(array("q").itemsize * n)
        self.tree = tree = array("q", zeros)
        self.lft = lft = array("q", zeros)
        self.rght = rght = array("q", zeros)
        self.depth = depth = array("q", zeros)
        under_file = bytearray(n)  # has an ancestor that is a row of the file
        file, db_id, db_parent = self.file, self.db_id, self.db_parent
        next_tree_id = self.max_tree_id + 1
        visited = self.trees = self.absent = 0
        for root in range(n):
            if parent[root] >= 0:
                continue
            if db_id[root] and not db_parent[root]:
                tree_id = self.db_tree[root]
            else:
                tree_id, next_tree_id = next_tree_id, next_tree_id + 1
            counter = 1
            lft[root], tree[root], depth[root] = 1, tree_id, 0
            stack = [root]
            while stack:
                node = stack[-1]
                if cursor[node] < start[node + 1]:
                    child = kids[cursor[node]]
                    cursor[node] += 1
                    counter += 1
                    lft[child], tree[child], depth[child] = counter, tree_id, depth[node] + 1
                    under_file[child] = under_file[node] or file[node] >= 0
                    if file[child] < 0 and under_file[child]:
                        self.absent += 1
                    stack.append(child)
                else:
                    counter += 1
                    rght[node] = counter
                    stack.pop()
                    visited += 1
        if visited != n:  # only possible with a cycle among stored parents
            raise ImportDivisionsError(
                self.errors.path, [RowError(None, _("数据库中的中心树存在环，无法导入。"))], 1
            )
        self.trees = len({tree[k] for k in range(n) if file[k] >= 0})

    # -- writing ------------------------------------------------------------------------------

    def write(self, progress: Progress | None) -> ImportResult:
        """Insert the new nodes and update the changed ones; count what happened."""
        n = len(self)
        file, db_id, parent = self.file, self.db_id, self.parent
        content, layout, unchanged = [], [], 0
        for k in range(n):
            if not db_id[k]:
                continue
            p = parent[k]
            parent_id = db_id[p] if p >= 0 else 0
            # A parent that is new (no id yet) is a change whatever the stored parent was.
            moved = parent_id != self.db_parent[k] or (p >= 0 and not parent_id)
            if self.content_changed[k] or moved:
                content.append(k)
            else:
                unchanged += file[k] >= 0
                if (
                    self.lft[k] != self.db_lft[k]
                    or self.rght[k] != self.db_rght[k]
                    or self.tree[k] != self.db_tree[k]
                    or self.depth[k] != self.db_depth[k]
                ):
                    layout.append(k)
        n_new = sum(1 for k in range(n) if not db_id[k])
        stage, total, done = _("写入数据库"), n_new + len(content) + len(layout), 0

        def report(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(stage, done, total)

        writer = _writer()
        now = writer.timestamp(timezone.now())
        # New nodes in code order, so that a parent always has its id before its children.
        chunk: list[int] = []
        for k in itertools.chain(range(n), [None]):
            if k is not None and not db_id[k]:
                chunk.append(k)
            if chunk and (k is None or len(chunk) == WRITE_BATCH):
                for node, pk in zip(chunk, writer.reserve_ids(len(chunk)), strict=True):
                    db_id[node] = pk
                writer.insert([self._new_row(node, now) for node in chunk])
                report(len(chunk))
                chunk = []
        for start in range(0, len(content), WRITE_BATCH):
            batch = content[start : start + WRITE_BATCH]
            writer.update(CONTENT_COLUMNS, [self._content_row(k, now) for k in batch])
            report(len(batch))
        for start in range(0, len(layout), WRITE_BATCH):
            batch = layout[start : start + WRITE_BATCH]
            writer.update(LAYOUT_COLUMNS, [self._layout_row(k) for k in batch])
            report(len(batch))
        writer.close()
        if progress is not None and not total:
            progress(stage, 0, 0)
        return ImportResult(
            rows=self.rows.rows_read,
            created=n_new,
            updated=len(content),
            unchanged=unchanged,
            renumbered=len(layout),
            absent=self.absent,
            trees=self.trees,
        )

    def _values(self, k: int) -> tuple[str, str, str, str, int | None]:
        """Node k's code, name, level and kind (from its file row) and parent id."""
        f = self.file[k]
        code = _code_str(self.code[k])
        level = LEVELS[self.rows.levels[f]]
        p = self.parent[k]
        parent_id = self.db_id[p] if p >= 0 else None  # (p == -1 must not index from the end)
        return code, self.rows.names[f], level, code_kind(code, level), parent_id

    def _new_row(self, k: int, now) -> tuple:
        """Node k as INSERT_COLUMNS."""
        code, name, level, kind, parent_id = self._values(k)
        return (
            self.db_id[k], code, name, level, kind, parent_id, True, now, now,
            self.tree[k], self.lft[k], self.rght[k], self.depth[k],
        )  # fmt: skip

    def _content_row(self, k: int, now) -> tuple:
        """Node k as CONTENT_COLUMNS, then its id."""
        _code, name, level, kind, parent_id = self._values(k)
        return (
            name, level, kind, parent_id, now,
            self.tree[k], self.lft[k], self.rght[k], self.depth[k], self.db_id[k],
        )  # fmt: skip

    def _layout_row(self, k: int) -> tuple:
        """Node k as LAYOUT_COLUMNS, then its id."""
        return self.tree[k], self.lft[k], self.rght[k], self.depth[k], self.db_id[k]


# --- writing rows (why not bulk_create/bulk_update: see the module docstring) ------------------

INSERT_COLUMNS = (
    "id", "code", "name", "level", "kind", "parent_id", "is_active", "created_at",
    "updated_at", "tree_id", "lft", "rght", "tree_depth",
)  # fmt: skip
CONTENT_COLUMNS = (
    "name", "level", "kind", "parent_id", "updated_at", "tree_id", "lft", "rght", "tree_depth",
)  # fmt: skip
LAYOUT_COLUMNS = ("tree_id", "lft", "rght", "tree_depth")


def _writer() -> _SQLWriter:
    """The row writer for the default database."""
    stored = {f.attname for f in Center._meta.concrete_fields}
    if stored != set(INSERT_COLUMNS):
        raise RuntimeError(
            "centers.importer writes Center rows column by column: update INSERT_COLUMNS for "
            f"the model's fields {sorted(stored)}"
        )
    cursor = connection.cursor()
    if connection.vendor == "postgresql" and hasattr(cursor, "copy_expert"):
        return _PostgresCopyWriter(cursor)
    return _SQLWriter(cursor)


class _SQLWriter:
    """Writes rows with executemany; new ids follow the largest ever used (SQLite keeps that
    in sqlite_sequence). Only safe under the tree lock, which every Center write takes."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.ops = connection.ops
        self.table = self.ops.quote_name(Center._meta.db_table)
        self.columns = {f.attname: self.ops.quote_name(f.column) for f in Center._meta.fields}
        self._next_id: int | None = None

    def timestamp(self, value):
        """`value` (an aware datetime) as this writer passes it to the database."""
        return self.ops.adapt_datetimefield_value(value)

    def reserve_ids(self, count: int) -> range:
        """`count` unused primary keys."""
        if self._next_id is None:
            self.cursor.execute(f"SELECT MAX({self.columns['id']}) FROM {self.table}")
            largest = self.cursor.fetchone()[0] or 0
            if connection.vendor == "sqlite":
                self.cursor.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = %s", [Center._meta.db_table]
                )
                seq = self.cursor.fetchone()
                largest = max(largest, seq[0] if seq else 0)
            self._next_id = largest + 1
        start, self._next_id = self._next_id, self._next_id + count
        return range(start, self._next_id)

    def insert(self, rows: list[tuple]) -> None:
        """Insert rows of INSERT_COLUMNS."""
        columns = ", ".join(self.columns[c] for c in INSERT_COLUMNS)
        marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
        self.cursor.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", rows)

    def update(self, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Set `columns` (each row: their values, then the id)."""
        assignments = ", ".join(f"{self.columns[c]} = %s" for c in columns)
        self.cursor.executemany(
            f"UPDATE {self.table} SET {assignments} WHERE {self.columns['id']} = %s", rows
        )

    def close(self) -> None:
        self.cursor.close()


class _PostgresCopyWriter(_SQLWriter):
    """PostgreSQL through psycopg2's COPY: new rows straight into the table, changed rows into
    a temporary table and from there with one UPDATE ... FROM; ids from the table's sequence."""

    TEMP_TABLE = "zongzhi_import_centers"

    def timestamp(self, value):
        return value.isoformat()

    def reserve_ids(self, count: int) -> list[int]:
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Center._meta.db_table, Center._meta.pk.column, count],
        )
        return [row[0] for row in self.cursor.fetchall()]

    def _copy(self, table: str, columns: str, rows: list[tuple]) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(_copy_text, row)))
            buffer.write("\n")
        buffer.seek(0)
        self.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)

    def insert(self, rows: list[tuple]) -> None:
        self._copy(self.table, ", ".join(self.columns[c] for c in INSERT_COLUMNS), rows)

    def update(self, columns: tuple[str, ...], rows: list[tuple]) -> None:
        temp = self.ops.quote_name(self.TEMP_TABLE)
        names = [*columns, "id"]
        self.cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} AS "
            f"SELECT {', '.join(self.columns[c] for c in names)} FROM {self.table} WITH NO DATA"
        )
        self._copy(temp, ", ".join(self.columns[c] for c in names), rows)
        assignments = ", ".join(f"{self.columns[c]} = t.{self.columns[c]}" for c in columns)
        self.cursor.execute(
            f"UPDATE {self.table} SET {assignments} FROM {temp} AS t "
            f"WHERE {self.table}.{self.columns['id']} = t.{self.columns['id']}"
        )
        self.cursor.execute(f"DROP TABLE {temp}")


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)
