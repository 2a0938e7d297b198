"""`python manage.py import_divisions FILE`: official division codes into the Center tree.

A thin wrapper around centers.importer.import_divisions: a progress bar on a terminal, a
summary on stdout, and on failure one `FILE:LINE: reason` line per problem on stderr and a
non-zero exit status.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils.translation import gettext as _
from tqdm import tqdm

from centers.importer import ImportDivisionsError, import_divisions


class Command(BaseCommand):
    help = (
        "Import division codes (统计用区划代码) from a CSV or gzipped CSV file with the header "
        "code,name,level,parent_code into the center tree. Idempotent: units are matched by "
        "code, renamed or added; units missing from the file are left alone. Any bad row "
        "stops the import before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a .csv or .csv.gz file (UTF-8)")

    def handle(self, *args, file: Path, **options):
        bar = _ProgressBar(self.stderr) if self.stderr.isatty() else None
        try:
            result = import_divisions(path=file, progress=bar)
        except ImportDivisionsError as exc:
            if bar is not None:
                bar.close()  # before the report, so that it does not land inside the bar
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(
                _("导入失败：共 %(count)d 处错误，数据库未作任何修改。") % {"count": exc.total}
            ) from exc
        finally:
            if bar is not None:
                bar.close()
        if options["verbosity"] >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "导入完成：读取 %(rows)d 行，新增 %(created)d，更新 %(updated)d，"
                        "未变 %(unchanged)d；树中位置调整 %(renumbered)d；"
                        "文件未列出而保留 %(absent)d；共 %(trees)d 棵树。"
                    )
                    % {
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "renumbered": result.renumbered,
                        "absent": result.absent,
                        "trees": result.trees,
                    }
                )
            )


class _ProgressBar:
    """A progress callback for import_divisions drawing one tqdm bar per stage."""

    def __init__(self, stream: OutputWrapper):
        self.stream = _RawStream(stream)
        self.stage: str | None = None
        self.bar: tqdm | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(desc=stage, total=total, unit="行", file=self.stream)
        elif total is not None and self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _RawStream:
    """The command's stderr without OutputWrapper's added newline (tqdm redraws with \\r)
    and without its error colour."""

    def __init__(self, stream: OutputWrapper):
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text, style_func=_plain, ending="")

    def flush(self) -> None:
        self.stream.flush()


def _plain(text: str) -> str:
    return text
