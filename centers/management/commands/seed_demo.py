"""`python manage.py seed_demo`: demo grids, grid workers, departments and logins on 襄阳市."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from centers.demo import DemoDataError, demo_password, demo_seed, format_login_table
from disputes.demo import demo_disputes_seed


class Command(BaseCommand):
    help = (
        "Create demo data on the imported Xiangyang tree (grids, grid workers, stationed "
        "departments, one login per role) and print the logins. Idempotent. "
        "The password is DEMO_PASSWORD from the environment, or the built-in default."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never do this on a production database).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Set every existing demo account's password to the demo password.",
        )

    def handle(self, *args, force=False, reset_passwords=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production setup, so no demo accounts were "
                "made. Use --force if this really is a throwaway database."
            )
        password = demo_password()
        try:
            result = demo_seed(password=password, reset_passwords=reset_passwords)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc

        if result.created_anything:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data created: {result.grids} grids, {result.grid_workers} grid "
                    f"workers, {result.departments} stationed departments, {result.users} "
                    f"users, {result.memberships} memberships."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing to create.")
        cases = demo_disputes_seed()
        if cases:
            self.stdout.write(self.style.SUCCESS(f"Demo disputes created: {cases}."))
        self.stdout.write("")
        self.stdout.write("Demo logins 演示账号 (one shared password):")
        self.stdout.write(format_login_table(result))
        if not result.password_matches:
            self.stdout.write(
                self.style.WARNING(
                    "The existing demo accounts have a different password (made with another "
                    "DEMO_PASSWORD, or changed since). Run `seed_demo --reset-passwords` to set "
                    "it to the one shown."
                )
            )
