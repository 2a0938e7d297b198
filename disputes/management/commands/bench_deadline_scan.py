"""bench_deadline_scan: how the deadline watch's cost grows with the cases falling due, not with
the cases held.

Creates 100,000 open cases (bulk) in a throwaway slice of real centers (株洲市 → 荷塘区 → 月塘街道
and its villages, official codes from data/divisions/zhuzhou.csv), makes K of them overdue,
times `deadline_scan` (median of a few runs) for each K, and prints a table and the query plan
of the due-case lookup (the partial index dispute_overdue_due on PostgreSQL).

Everything happens inside one transaction that is rolled back at the end, and each timed run
in a savepoint rolled back before the next: nothing the bench writes is ever committed, so it
cleans up after itself even when interrupted. Per-case transactions of the scan are savepoints
here, so the figures leave out the per-case COMMIT (its fsync) of a real run.
"""

import csv
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from centers.choices import CenterLevel, Role
from centers.importer import import_divisions
from centers.models import Center, Membership
from disputes.access_codes import access_code_hash
from disputes.choices import OPEN_STATUSES, Action, Channel, Status
from disputes.models import CaseEvent, Category, Dispute
from disputes.services import deadline_scan

ZHUZHOU_CSV = Path(settings.BASE_DIR) / "data" / "divisions" / "zhuzhou.csv"
# 株洲市 / 荷塘区 / 月塘街道 and its villages: the first rows of the file.
BENCH_TOWNSHIP = "430202001000"
BATCH = 5000


class _Rollback(Exception):
    """Raised to roll the bench's transaction back at the end."""


def _bench_rows() -> list[list[str]]:
    with ZHUZHOU_CSV.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    keep = [row for row in body if row[0] in {"430200000000", "430202000000", BENCH_TOWNSHIP}]
    keep += [row for row in body if row[3] == BENCH_TOWNSHIP]
    return [header, *keep]


class Command(BaseCommand):
    help = (
        "Time the deadline watch on 100,000 open cases with K of them due (default K = 1,000 "
        "and 10,000). Writes rows inside a transaction it rolls back; refuses to run on a "
        "database holding cases unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000, help="open cases to create")
        parser.add_argument(
            "--due", type=int, nargs="+", default=[1_000, 10_000], help="due cases, per run"
        )
        parser.add_argument("--runs", type=int, default=3, help="timed scans per K (median)")
        parser.add_argument(
            "--yes", action="store_true", help="run even though the database holds cases"
        )

    def handle(self, *args, cases: int, due: list[int], runs: int, yes: bool, **options):
        existing = Dispute.objects.count()
        if existing and not yes:
            raise CommandError(
                f"the database holds {existing} cases. The bench writes 100,000 more (all rolled "
                "back at the end, nothing committed); pass --yes to run it here anyway."
            )
        if max(due) > cases:
            raise CommandError("--due cannot exceed --cases")
        rows = []
        try:
            with transaction.atomic():
                ids = self._create(cases=cases)
                rows.append(self._measure(ids=ids, due=0, runs=runs))
                for k in due:
                    rows.append(self._measure(ids=ids, due=k, runs=runs, explain=k == due[0]))
                raise _Rollback
        except _Rollback:
            pass
        self._table(cases=cases, rows=rows)
        self.stdout.write(f"Rolled back: {Dispute.objects.count()} cases in the database.")

    # --- setup --------------------------------------------------------------------------

    def _create(self, *, cases: int) -> list[int]:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench-centers.csv"
            with path.open("w", encoding="utf-8", newline="") as file:
                csv.writer(file).writerows(_bench_rows())
            import_divisions(path=path)
        township = Center.objects.get(code=BENCH_TOWNSHIP)
        villages = list(township.get_children().filter(level=CenterLevel.VILLAGE))
        # A director at every bench center: overdue and escalation notices have someone to
        # go to, as in production.
        user_model = get_user_model()
        for center in [*township.get_ancestors(), township, *villages]:
            director = user_model.objects.create(
                username=f"bench-{center.code}", email=f"bench-{center.code}@example.invalid"
            )
            Membership.objects.create(user=director, center=center, role=Role.DIRECTOR)
        category, _created = Category.objects.get_or_create(
            code="neighbour", defaults={"name": "邻里纠纷"}
        )
        now = timezone.now()
        entered = now - timedelta(days=7)
        code_hash = access_code_hash("BENCH")
        year = now.year + 100  # tracking numbers no real case can have
        for start in range(0, cases, BATCH):
            batch = []
            for i in range(start, min(start + BATCH, cases)):
                village = villages[i % len(villages)]
                batch.append(
                    Dispute(
                        tracking_number=f"{village.code}-{year}-{i:06d}",
                        access_code_hash=code_hash,
                        channel=Channel.WALK_IN,
                        category=category,
                        summary=f"压测案件 {i}",
                        village=village,
                        receiving_center=village,
                        current_center=village,
                        level=CenterLevel.VILLAGE,
                        status=Status.ACCEPTED,
                        level_entered_at=entered,
                        level_workdays=15,
                        level_deadline=(now + timedelta(days=14)).date(),
                        level_due_at=now + timedelta(days=15),
                        warn_at=now + timedelta(days=10),
                    )
                )
            created = Dispute.objects.bulk_create(batch)
            events = []
            for dispute in created:
                event = CaseEvent(
                    dispute=dispute,
                    seq=1,
                    action=Action.REGISTER,
                    from_status="",
                    to_status=Status.ACCEPTED,
                    center=dispute.current_center,
                    created_at=entered,
                )
                event.hash = event.compute_hash()
                events.append(event)
            CaseEvent.objects.bulk_create(events)
        ids = list(
            Dispute.objects.filter(tracking_number__contains=f"-{year}-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.stdout.write(
            f"Created {len(ids):,} open cases in {len(villages)} villages of 月塘街道 "
            f"in {time.perf_counter() - started:.1f} s."
        )
        return ids

    def _arm(self, *, ids: list[int], due: int) -> None:
        """The first `due` cases overdue an hour ago (warned already), the rest not yet due."""
        now = timezone.now()
        Dispute.objects.filter(pk__in=ids[:due]).update(
            level_due_at=now - timedelta(hours=1),
            warn_at=now - timedelta(days=2),
            warned_at=now - timedelta(days=2),
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE disputes_dispute")

    # --- measuring ----------------------------------------------------------------------

    def _measure(self, *, ids: list[int], due: int, runs: int, explain: bool = False) -> dict:
        seconds = []
        with transaction.atomic():
            self._arm(ids=ids, due=due)
            if explain:
                self._explain(due=due)
            for _run in range(runs):
                with transaction.atomic():
                    started = time.perf_counter()
                    result = deadline_scan(batch=max(due, 1))
                    seconds.append(time.perf_counter() - started)
                    if result.escalated != due:
                        raise CommandError(f"expected {due} escalations, the scan made {result}")
                    transaction.set_rollback(True)
            transaction.set_rollback(True)
        median = statistics.median(seconds)
        self.stdout.write(
            f"due {due:>6,}: scans took {', '.join(f'{s:.3f}' for s in seconds)} s "
            f"(median {median:.3f} s)"
        )
        return {"due": due, "seconds": median}

    def _explain(self, *, due: int) -> None:
        """The plan of the due-case lookup (the partial index on PostgreSQL)."""
        now = timezone.now()
        query = (
            Dispute.objects.filter(
                status__in=OPEN_STATUSES, is_overdue=False, level_due_at__lte=now
            )
            .order_by("level_due_at")
            .values_list("pk", flat=True)[:due]
        )
        plan = query.explain()
        self.stdout.write(f"Query plan of the due-case lookup with {due:,} due:")
        for line in plan.splitlines():
            self.stdout.write(f"  {line}")
        index = "dispute_overdue_due"
        if connection.vendor == "postgresql":
            verdict = "uses" if index in plan else "does NOT use"
            self.stdout.write(f"The lookup {verdict} the partial index {index}.")

    def _table(self, *, cases: int, rows: list[dict]) -> None:
        self.stdout.write("")
        self.stdout.write(f"{'cases':>9} {'due':>7} {'scan s':>9} {'ms/due case':>12}")
        for row in rows:
            per_case = f"{1000 * row['seconds'] / row['due']:.2f}" if row["due"] else "-"
            self.stdout.write(f"{cases:>9,} {row['due']:>7,} {row['seconds']:>9.3f} {per_case:>12}")
        timed = [row for row in rows if row["due"]]
        if len(timed) >= 2:
            first, last = timed[0], timed[-1]
            self.stdout.write(
                f"Ratio {last['due']:,} / {first['due']:,} due: time x"
                f"{last['seconds'] / first['seconds']:.2f} for x{last['due'] / first['due']:.0f} "
                "the cases due."
            )
