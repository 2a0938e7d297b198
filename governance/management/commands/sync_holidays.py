"""`manage.py sync_holidays`: bring the holiday calendar in line with the installed
chinesecalendar package (after upgrading it). Idempotent; rows entered by hand are kept."""

from django.core.management.base import BaseCommand

from governance.workdays import calendar_sync_from_package, calendar_warnings


class Command(BaseCommand):
    help = (
        "Sync the public-holiday calendar (CalendarYear/CalendarDay) from the chinesecalendar "
        "package; never changes manually entered rows."
    )

    def handle(self, *args, **options):
        result = calendar_sync_from_package()
        self.stdout.write(
            f"years created: {result.years_created}, days created: {result.days_created}, "
            f"updated: {result.days_updated}, deleted: {result.days_deleted}, "
            f"manual days that differ from the package (kept): {result.manual_days_kept}"
        )
        if not result.changed:
            self.stdout.write("Nothing to change.")
        for warning in calendar_warnings():
            self.stderr.write(self.style.WARNING(warning))
