"""Bring the monthly metric rollups up to date now (the job does it every minute);
`--rebuild` first marks every month that has cases, to recompute everything."""

from django.core.management.base import BaseCommand

from metrics.services import (
    open_counts_refresh,
    rollups_build_all,
    rollups_rebuild,
    rollups_refresh,
)


class Command(BaseCommand):
    help = "Recompute the monthly metric rollups that are marked dirty (--rebuild: all)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="mark every month with cases first"
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="rebuild every row in a few set-based passes (after a bulk load)",
        )

    def handle(self, *args, rebuild=False, all=False, **options):
        if all:
            rows = rollups_build_all()
            self.stdout.write(self.style.SUCCESS(f"Rebuilt {rows} rollup rows."))
            return
        if rebuild:
            marked = rollups_rebuild()
            self.stdout.write(f"Marked {marked} (unit, month) cells.")
        total = 0
        while done := rollups_refresh(limit=500):
            total += done
        open_rows = open_counts_refresh()
        self.stdout.write(
            self.style.SUCCESS(f"Recomputed {total} cells and {open_rows} open-case rows.")
        )
