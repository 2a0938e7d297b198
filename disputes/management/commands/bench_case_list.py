"""bench_case_list: how fast a city's case list (工作台) opens on a database holding millions of
cases, through the whole request: URL routing, middleware, the scope, the filters, the capped
count, the page's rows and the rendered HTML.

Run it after `bench_dashboard` has generated its cases (10 million by default). It picks the
city with the most cases (or --city CODE), and, inside a transaction it rolls back at the end,
gives a throwaway user the director's role there. It then requests, once to warm up and then R
times each, alternating: the first page, later pages, each tab, and filtered pages (status,
category, channel, risk, a registration-date range, a search by tracking number), and prints
median and p95 per page, with the number of SQL queries, the slowest query of each and the
count the page showed (exact, "约 …" when the count ran out of its time budget and shows the
planner's estimate, or "超过 10000 件").

`--naive-runs N` also times every page N times the way the list worked before: the scope
matched by MPTT range through joins to the centers table (`subtree_scope_q`) and the capped
count without a time budget, and prints the ratio. Nothing it writes is committed.
"""

from __future__ import annotations

import re
import statistics
import time
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from centers.choices import CenterLevel, Role
from centers.models import Center, Membership
from disputes.choices import Channel, RiskLevel, Status
from disputes.filtersets import DisputeFilterSet
from disputes.models import Category, Dispute, DisputeQuerySet
from disputes.scope import subtree_scope_q

GOAL_MS = 300
COUNT_LEGEND = re.compile(r'data-testid="case-count">(.*?)</p>', re.S)


class _Rollback(Exception):
    """Raised to roll the bench's transaction back at the end."""


def _summary(milliseconds: list[float]) -> dict:
    ordered = sorted(milliseconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median": statistics.median(ordered), "p95": p95}


class Command(BaseCommand):
    help = (
        "Time a city director's case list (first page, later pages, tabs and filters) on the "
        "cases in the database; writes nothing that stays."
    )

    def add_arguments(self, parser):
        parser.add_argument("--city", help="12-digit code of the city (default: most cases)")
        parser.add_argument("--runs", type=int, default=20, help="timed runs per page")
        parser.add_argument(
            "--naive-runs",
            type=int,
            default=0,
            help="also time each page N times with the scope by MPTT joins and an unbudgeted "
            "count (slow: seconds per page on millions of cases)",
        )

    def handle(self, *args, **options):
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1")
        if options["naive_runs"] < 0:
            raise CommandError("--naive-runs must not be negative")
        city = self._city(options["city"])
        total = Dispute.objects.count()
        self.stdout.write(
            f"{total:,} cases in the database; {city.name} {city.code} holds "
            f"{Dispute.objects.filter(loc_city=city).count():,} of them."
        )
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["*"]):
                user = get_user_model().objects.create_user(
                    username=f"bench-list-{city.code}", password=None
                )
                Membership.objects.create(user=user, center=city, role=Role.DIRECTOR)
                client = Client()
                client.force_login(user)
                self._run(
                    client,
                    user,
                    self._pages(city),
                    runs=options["runs"],
                    naive_runs=options["naive_runs"],
                )
                raise _Rollback
        except _Rollback:
            pass

    def _city(self, code: str | None) -> Center:
        if code:
            city = Center.objects.filter(code=code, level=CenterLevel.CITY).first()
            if city is None:
                raise CommandError(f"no city with the code {code}")
            return city
        busiest = (
            Dispute.objects.exclude(loc_city=None)
            .values("loc_city")
            .annotate(n=Count("pk"))
            .order_by("-n", "loc_city")
            .first()
        )
        if busiest is None:
            raise CommandError("no cases: run bench_dashboard first")
        return Center.objects.get(pk=busiest["loc_city"])

    def _pages(self, city: Center) -> list[tuple[str, dict]]:
        category = Category.objects.filter(is_active=True).order_by("pk").first()
        newest = (
            Dispute.objects.filter(loc_city=city).order_by("-created_at").only("created_at").first()
        )
        sample = Dispute.objects.filter(loc_city=city).order_by("pk").only("tracking_number")[:1]
        last_day = timezone.localdate(newest.created_at) if newest else timezone.localdate()
        pages = [
            ("first page", {}),
            ("page 2", {"page": 2}),
            ("page 20", {"page": 20}),
            ("tab 待签收", {"tab": "to_sign"}),
            ("tab 即将到期", {"tab": "due_soon"}),
            ("tab 已超期", {"tab": "overdue"}),
            ("status 调解中", {"status": Status.IN_MEDIATION}),
            ("status 已结案", {"status": Status.CLOSED}),
            ("channel 12345", {"channel": Channel.HOTLINE_12345}),
            ("risk 重大", {"risk_level": RiskLevel.MAJOR}),
            (
                "last 7 days",
                {
                    "created_from": (last_day - timedelta(days=6)).isoformat(),
                    "created_to": last_day.isoformat(),
                },
            ),
            ("deadline order", {"sort": "level_deadline"}),
        ]
        if category is not None:
            pages.insert(8, ("category", {"category": category.pk}))
            pages.append(
                (
                    "category + open + 12345",
                    {
                        "category": category.pk,
                        "status": Status.IN_MEDIATION,
                        "channel": Channel.HOTLINE_12345,
                    },
                )
            )
        if sample:
            pages.append(("search number", {"q": sample[0].tracking_number}))
        return pages

    def _run(
        self, client: Client, user, pages: list[tuple[str, dict]], *, runs: int, naive_runs: int
    ) -> None:
        url = reverse("disputes:inbox")
        out = self.stdout.write
        profiles = {}
        for name, query in pages:  # warm-up, and the queries of one run
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, query)
            if response.status_code != 200:
                raise CommandError(f"{name}: HTTP {response.status_code}")
            # A filter the form refuses would time the unfiltered list under its name.
            request = RequestFactory().get(url, query)
            request.user = user
            errors = DisputeFilterSet(
                request.GET, queryset=Dispute.objects.none(), request=request
            ).form.errors
            if errors:
                raise CommandError(f"{name}: the filters refuse {query}: {errors.as_json()}")
            profiles[name] = list(captured.captured_queries)
        timings, shown = self._time(client, url, pages, runs)
        naive = {}
        if naive_runs:
            with _naive_scope():
                naive, _shown = self._time(client, url, pages, naive_runs)
        out("")
        out(f"Case list of a city director, {runs} runs each (ms, whole request)")
        header = f"{'page':<26} {'median':>8} {'p95':>8} {'queries':>8} {'slowest query':>14}"
        if naive:
            header += f" {'naive median':>13} {'ratio':>7}"
        header += "  count shown (last run)"
        out(header)
        out("-" * len(header))
        slowest_p95 = 0.0
        for name, _query in pages:
            stats = _summary(timings[name])
            slowest_p95 = max(slowest_p95, stats["p95"])
            queries = profiles[name]
            slowest = max((float(q["time"]) for q in queries), default=0.0)
            line = (
                f"{name:<26} {stats['median']:>8.1f} {stats['p95']:>8.1f} {len(queries):>8} "
                f"{1000 * slowest:>14.1f}"
            )
            if naive:
                before = statistics.median(naive[name])
                line += f" {before:>13.1f} {before / stats['median']:>6.1f}×"
            out(f"{line}  {shown[name]}")
        verdict = "yes" if slowest_p95 < GOAL_MS else "no"
        out(f"Slowest p95 {slowest_p95:.1f} ms; every page under {GOAL_MS} ms: {verdict}.")
        if naive:
            out(
                f"naive: {naive_runs} run(s) each with the scope matched by MPTT range through "
                "joins to the centers table and the capped count without a time budget."
            )

    def _time(self, client: Client, url: str, pages, runs: int):
        """Each page `runs` times, alternating: the times (ms) and the count each showed."""
        timings: dict[str, list[float]] = {name: [] for name, _query in pages}
        shown: dict[str, str] = {}
        for _run in range(runs):
            for name, query in pages:
                began = time.perf_counter()
                response = client.get(url, query)
                timings[name].append(1000 * (time.perf_counter() - began))
                legend = COUNT_LEGEND.search(response.content.decode())
                shown[name] = strip_tags(legend.group(1)).strip() if legend else "?"
        return timings, shown


@contextmanager
def _naive_scope():
    """The list as it was: the scope by MPTT joins, the count without a time budget."""
    with (
        mock.patch.object(
            DisputeQuerySet, "scope_q", lambda self, centers: subtree_scope_q(centers)
        ),
        mock.patch("disputes.models.case_scope_q", subtree_scope_q),
        override_settings(LIST_COUNT_BUDGET_MS=0),
    ):
        yield
