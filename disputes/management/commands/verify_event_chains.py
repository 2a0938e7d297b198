"""`manage.py verify_event_chains [--code CENTER_CODE] [--tracking-number N]`: recompute the
hash chain of every case's events (办理记录) — the whole deployment, one center's subtree, or
one case — and name the first broken link of each broken case. Exits 1 if any chain is
broken (for cron and monitoring), 2 if the center or case does not exist."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from centers.models import Center
from disputes.audit import chain_checks
from disputes.models import Dispute
from disputes.scope import case_scope_q

BROKEN_EXIT = 1
NOT_FOUND_EXIT = 2


class Command(BaseCommand):
    help = _("校验案件办理记录的散列链：全部、某中心及其下级，或一件案件。")

    def add_arguments(self, parser):
        parser.add_argument("--code", help=_("只校验该区划代码的中心及其下级中心承办或受理的案件"))
        parser.add_argument("--tracking-number", help=_("只校验该受理编号的案件"))
        parser.add_argument(
            "--batch", type=int, default=500, help=_("每批读取的案件数（默认 500）")
        )

    def handle(self, *args, code=None, tracking_number=None, batch=500, **options):
        cases = Dispute.objects.all()
        if code:
            center = Center.objects.filter(code=code).first()
            if center is None:
                raise CommandError(
                    _("没有区划代码为 %(code)s 的中心。") % {"code": code},
                    returncode=NOT_FOUND_EXIT,
                )
            cases = cases.filter(case_scope_q([center]))
        if tracking_number:
            cases = cases.filter(tracking_number=tracking_number)
            if not cases.exists():
                raise CommandError(
                    _("没有受理编号为 %(number)s 的案件。") % {"number": tracking_number},
                    returncode=NOT_FOUND_EXIT,
                )
        checked = broken = events = 0
        cases = cases.only("pk", "tracking_number").order_by("pk")
        for dispute, check in chain_checks(disputes=cases, batch=batch):
            checked += 1
            events += check.events
            if not check.ok:
                broken += 1
                # One line per broken case, in a fixed form for scripts.
                self.stdout.write(
                    f"{dispute.tracking_number}: event #{check.broken_seq} ({check.problem})"
                )
        self.stdout.write(
            _("已校验 %(checked)d 件案件（%(events)d 条记录），链条断裂 %(broken)d 件。")
            % {"checked": checked, "events": events, "broken": broken}
        )
        if broken:
            raise CommandError(
                _("%(broken)d 件案件的办理记录链条断裂。") % {"broken": broken},
                returncode=BROKEN_EXIT,
            )
