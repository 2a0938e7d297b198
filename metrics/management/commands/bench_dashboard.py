"""bench_dashboard: how fast the metrics dashboard is at national scale, next to the naive
approach, on the same data in the same run.

1. Generation (unless --skip-generate): imports the division tree (the national one by
   default: 665,271 centers; the importer is idempotent), installs the dispute categories if
   missing, then writes N synthetic cases (metrics.bench_cases: realistic places, dates,
   categories, channels, risks and ladder) and their follow-ups. Worker processes make the
   rows while the main process streams them into PostgreSQL with COPY, chunk by chunk, with
   a progress bar. The load follows PostgreSQL's advice for populating a database: the
   tables' plain indexes and foreign keys are dropped first and re-created once at the end,
   all in the one transaction (an interrupted load leaves no trace, not even a missing
   index). Then VACUUM ANALYZE (statistics, visibility map and hint bits as in a database that
   has been running for a while). On SQLite (tests) the rows go in with executemany.
   --generate-only stops here (bench_api loads its cases this way).
2. Measurement: for the whole deployment (center None) and the busiest province, city,
   county, township and village (most cases; ties by id), on the busiest complete month: the
   full dashboard (metrics.selectors.dashboard: all metrics for the period, the children, the
   breakdowns, the trend, the funnel, the overdue list) and the naive approach (below: the
   totals and the children only, from the raw cases joined to the center tree by MPTT range,
   per request), each once to warm up and to check that both agree, then R times each,
   alternating. Prints median and p95 per level, the ratio, the slowest queries of the
   dashboard (with --explain, their EXPLAIN (ANALYZE, BUFFERS)), and the table and index sizes.

Generated cases have tracking numbers starting with BENCH-; --clean removes them (and their
follow-ups). The command refuses to run on a database holding any other case unless --yes.
Run it on a database of its own: the load holds the case table locked while it runs.
"""

from __future__ import annotations

import importlib
import io
import multiprocessing
import os
import statistics
import time
from collections import Counter, defaultdict, deque
from datetime import date
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tqdm import tqdm

from centers.choices import CenterLevel
from centers.models import Center
from disputes.access_codes import access_code_hash
from disputes.choices import OPEN_STATUSES, FollowUpStatus, Satisfaction
from disputes.models import Category, Dispute, FollowUp
from metrics import bench_cases
from metrics.bench_cases import BENCH_PREFIX, BOOLEAN_COLUMNS, DISPUTE_COLUMNS, FOLLOW_UP_COLUMNS
from metrics.definitions import Counters
from metrics.periods import Period
from metrics.raw import LOC_FIELD, subtree_q
from metrics.selectors import dashboard

NATIONAL_DIVISIONS = Path(settings.BASE_DIR) / "data" / "divisions" / "china-villages.csv.gz"
LEVELS = ("root", "province", "city", "county", "township", "village")
GOAL_P95_MS = 200
GOAL_RATIO = 20
GOAL_RATIO_LEVELS = ("root", "province", "city")
BATCH_DELETE = 100_000

# The worker processes' copy of the generator's context (inherited when they are forked).
_CONTEXT: bench_cases.CaseContext | None = None


def _generate_in_worker(chunk: bench_cases.Chunk) -> bench_cases.ChunkResult:
    return bench_cases.generate_chunk(_CONTEXT, chunk)


class Command(BaseCommand):
    help = (
        "Benchmark the metrics dashboard: generate N synthetic cases (default 10 million) over "
        "the national division tree, then time the full dashboard and the naive approach for "
        "the whole deployment and the busiest province, city, county, township and village. "
        "Refuses a database holding cases it did not make unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=10_000_000, help="cases to generate")
        parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")
        parser.add_argument(
            "--skip-generate", action="store_true", help="measure the cases generated before"
        )
        parser.add_argument(
            "--generate-only",
            action="store_true",
            help="generate the cases and stop (no rollups, no measurement): other benchmarks "
            "(bench_api) load their data this way",
        )
        parser.add_argument("--runs", type=int, default=20, help="timed runs per level and way")
        parser.add_argument(
            "--levels", nargs="+", choices=LEVELS, default=list(LEVELS), help="levels to measure"
        )
        parser.add_argument(
            "--month", help="the period measured, YYYY-MM (default: the busiest complete month)"
        )
        parser.add_argument(
            "--divisions",
            type=Path,
            default=NATIONAL_DIVISIONS,
            help="division file to import first (default: the national tree)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes generating rows (0: in the main process)",
        )
        parser.add_argument("--chunk-size", type=int, default=50_000, help="cases per COPY")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="EXPLAIN (ANALYZE, BUFFERS) the dashboard's slowest query per level",
        )
        parser.add_argument(
            "--keep-rollups",
            action="store_true",
            help="with --skip-generate: measure the rollups built before instead of rebuilding",
        )
        parser.add_argument(
            "--clean", action="store_true", help="remove the generated cases and stop"
        )
        parser.add_argument(
            "--yes", action="store_true", help="run even though the database holds other cases"
        )

    def handle(self, *args, **options):
        if options["clean"]:
            self._clean()
            return
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1")
        if options["generate_only"] and options["skip_generate"]:
            raise CommandError("--generate-only and --skip-generate exclude each other")
        foreign = Dispute.objects.exclude(tracking_number__startswith=BENCH_PREFIX)
        if not options["yes"] and foreign.exists():
            raise CommandError(
                "the database holds cases the benchmark did not make. It writes millions "
                "of cases and locks the case table while loading; run it on a database of "
                "its own, or pass --yes to run it here anyway."
            )
        self._environment()
        generated = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
        if options["skip_generate"]:
            count = generated.count()
            if not count:
                raise CommandError("no generated cases to measure: run without --skip-generate")
            self.stdout.write(f"Reusing {count:,} generated cases.")
        else:
            if generated.exists():
                raise CommandError(
                    "generated cases are there already: pass --skip-generate to measure them, "
                    "or --clean to remove them first."
                )
            self._generate(
                cases=options["cases"],
                seed=options["seed"],
                divisions=options["divisions"],
                workers=options["workers"],
                chunk_size=options["chunk_size"],
            )
            if options["generate_only"]:
                return
        if not (options["keep_rollups"] and options["skip_generate"] and _has_rollups()):
            self._rollups()
        else:
            self.stdout.write("Reusing the monthly rollups built before.")
        self._upkeep()
        self._measure(
            levels=options["levels"],
            runs=options["runs"],
            month=options["month"],
            explain=options["explain"],
        )
        self._sizes()

    def _rollups(self) -> None:
        """Build the monthly rollups the big dashboards read (bulk loads mark nothing dirty),
        and say how long that took and how many rows it wrote."""
        from metrics.models import MonthlyCounts
        from metrics.services import rollups_build_all

        started = time.perf_counter()
        rows = rollups_build_all()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Rollups: {rows:,} monthly rows built in {seconds:.1f} s "
            f"({MonthlyCounts.objects.filter(grain='city', dimension='').count():,} city-month "
            "totals)."
        )

    def _upkeep(self, cells: int = 20) -> None:
        """What keeping the rollups current costs: the job's recomputation of `cells` dirty
        (county, month) cells (the busiest counties, this month: what a day of steps marks),
        and the recount of the open cases it does every run."""
        from metrics.models import DirtyMonth
        from metrics.periods import month_start
        from metrics.services import open_counts_refresh, rollups_refresh

        month = month_start(timezone.localdate())
        busiest = list(
            Dispute.objects.exclude(loc_county=None)
            .values_list("loc_county", flat=True)
            .annotate(n=Count("pk"))
            .order_by("-n")[:cells]
        )
        DirtyMonth.objects.bulk_create(
            [DirtyMonth(center_id=unit, month=month) for unit in busiest], ignore_conflicts=True
        )
        started = time.perf_counter()
        done = rollups_refresh(limit=cells)
        refreshed = time.perf_counter() - started
        started = time.perf_counter()
        rows = open_counts_refresh()
        recounted = time.perf_counter() - started
        self.stdout.write(
            f"Keeping them current: the job recomputed {done} dirty county-months in "
            f"{refreshed:.2f} s ({1000 * refreshed / max(done, 1):.0f} ms each, their cities "
            f"re-summed) and recounted the open cases ({rows:,} rows) in {recounted:.2f} s."
        )

    # === generation ==========================================================================

    def _generate(
        self, *, cases: int, seed: int, divisions: Path, workers: int, chunk_size: int
    ) -> None:
        started = time.perf_counter()
        self.stdout.write(f"Importing the division tree from {divisions} (idempotent) …")
        call_command("import_divisions", str(divisions), stdout=self.stdout, stderr=self.stderr)
        imported = time.perf_counter()
        _install_categories()
        context = bench_cases.build_context(
            seed=seed,
            now=timezone.now(),
            access_code_hash=access_code_hash("BENCH"),
            timestamp_suffix="+00" if connection.vendor == "postgresql" else "",
        )
        if not len(context.geography):
            raise CommandError("the center tree has no villages to put cases in")
        first_id = _next_id(Dispute)
        chunks = bench_cases.plan_chunks(
            cases=cases, context=context, first_id=first_id, chunk_size=chunk_size
        )
        last_day = date.fromordinal(context.calendar.first.toordinal() + context.window_days - 1)
        self.stdout.write(
            f"Generating {cases:,} cases in {len(context.geography):,} villages, registered "
            f"{context.calendar.first} … {last_day}, in {len(chunks)} chunks with "
            f"{workers or 'no'} worker processes (seed {seed}). Only cases and their "
            "follow-ups are made: parties, case events, sessions and escalation rows are not "
            "read by the metrics."
        )
        loader = _loader()
        stats = Counter()
        follow_ups = 0
        pool = _pool(context, workers)  # forked before the load's transaction opens
        try:
            with transaction.atomic():
                loader.prepare()
                bar = self._bar(total=cases, desc="cases", unit="case")
                copy_started = time.perf_counter()
                for result in _results(pool, context, chunks, workers):
                    loader.write(result)
                    stats.update(result.stats)
                    follow_ups += result.stats["follow_ups"]
                    bar.update(result.cases)
                    bar.set_postfix(follow_ups=f"{follow_ups:,}", refresh=False)
                bar.close()
                copied = time.perf_counter()
                self.stdout.write(
                    f"Wrote {cases:,} cases and {follow_ups:,} follow-ups in "
                    f"{copied - copy_started:.0f} s ({cases / (copied - copy_started):,.0f} "
                    "cases/s, generation and COPY overlapping)."
                )
                timings = loader.finish(self._bar)
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction (as in a test): then ANALYZE only.
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            vacuum_started = time.perf_counter()
            with connection.cursor() as cursor:
                for model in (Dispute, FollowUp):
                    cursor.execute(f"{vacuum} {model._meta.db_table}")
            timings.append(
                (vacuum.replace("(", "").replace(")", ""), time.perf_counter() - vacuum_started)
            )
        finished = time.perf_counter()
        for label, seconds in timings:
            self.stdout.write(f"  {label}: {seconds:.0f} s")
        self.stdout.write(
            f"Generation took {finished - started:.0f} s in all (division import "
            f"{imported - started:.0f} s): {cases / (finished - imported):,.0f} cases/s "
            "end to end."
        )
        self._describe(stats, cases)

    def _describe(self, stats, cases: int) -> None:
        accepted = stats["accepted"] or 1
        resolved = stats["resolved"] or 1

        def share(count: int, total: int) -> str:
            return f"{100 * count / total:.1f} %"

        levels = ("village", "township", "county", "city", "province")
        self.stdout.write(
            "Generated: received at "
            + ", ".join(f"{lv} {share(stats['received_' + lv], cases)}" for lv in levels[:4])
            + f"; accepted {share(stats['accepted'], cases)}, resolved "
            f"{share(stats['resolved'], accepted)} of the accepted (at "
            + ", ".join(f"{lv} {share(stats['resolved_' + lv], resolved)}" for lv in levels)
            + f"); climbed above the receiving level {share(stats['climbed'], accepted)}; "
            f"open now {stats['open']:,} (overdue {stats['overdue_now']:,}); "
            f"follow-ups {stats['follow_ups']:,}."
        )

    def _bar(self, *, total: int, desc: str, unit: str) -> tqdm:
        tty = self.stderr.isatty()
        return tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=True,
            file=_RawStream(self.stderr),
            mininterval=0.5 if tty else 30,
        )

    # === measurement =========================================================================

    def _measure(self, *, levels: list[str], runs: int, month: str | None, explain: bool) -> None:
        period = _parse_month(month) if month else _busiest_month()
        user = get_user_model()(username="bench", is_superuser=True, is_active=True)
        self.stdout.write(
            f"\nMeasuring {period.label()} ({period.start} … {period.end}): a warm-up run of "
            f"each way, then {runs} timed runs of each, alternating."
        )
        rows, profiles = [], []
        for name in LEVELS:
            if name not in levels:
                continue
            center = None if name == "root" else _busiest(name)
            if name != "root" and center is None:
                self.stdout.write(f"  {name}: no cases under any {name}, skipped")
                continue
            label = "全国" if center is None else f"{center.name} {center.code}"
            self.stdout.write(f"  {name}: {label} …")
            # The ways compared: each a callable of no arguments (a rollup-backed way plugs in
            # here, or simply behind metrics.selectors.dashboard).
            ways = {
                "dashboard": lambda c=center: dashboard(center=c, period=period, user=user),
                "naive": lambda c=center: naive_dashboard(center=c, period=period),
            }
            board = ways["dashboard"]()
            _check_agreement(board, *ways["naive"]())
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                ways["dashboard"]()
                wall = time.perf_counter() - began
            profiles.append((name, label, wall, list(captured.captured_queries)))
            timings = _time_ways(ways, runs=runs)
            row = {
                "level": name,
                "label": label,
                "cases": Dispute.objects.filter(subtree_q(center)).count(),
                "in_period": board.totals.received,
                **{way: _summary(ms) for way, ms in timings.items()},
            }
            rows.append(row)
            self.stdout.write(
                f"    {row['cases']:,} cases; dashboard median {row['dashboard']['median']:.1f} "
                f"p95 {row['dashboard']['p95']:.1f} ms; naive median "
                f"{row['naive']['median']:.1f} p95 {row['naive']['p95']:.1f} ms"
            )
        self._table(rows=rows, period=period, runs=runs)
        self._profiles(profiles=profiles, explain=explain)

    def _table(self, *, rows: list[dict], period: Period, runs: int) -> None:
        out = self.stdout.write
        out("")
        out(f"Dashboard vs naive, {period.label()}, {runs} runs each (ms)")
        header = (
            f"{'level':<9} {'center':<28} {'cases':>11} {'in month':>9} "
            f"{'dash med':>9} {'dash p95':>9} {'naive med':>10} {'naive p95':>10} "
            f"{'ratio':>7}  goal"
        )
        out(header)
        out("-" * len(header))
        for row in rows:
            dash, naive = row["dashboard"], row["naive"]
            ratio = naive["median"] / dash["median"] if dash["median"] else float("inf")
            goals = [f"p95<{GOAL_P95_MS}: {'yes' if dash['p95'] < GOAL_P95_MS else 'no'}"]
            if row["level"] in GOAL_RATIO_LEVELS:
                goals.append(f"≥{GOAL_RATIO}x: {'yes' if ratio >= GOAL_RATIO else 'no'}")
            out(
                f"{row['level']:<9} {_clip(row['label'], 28):<28} {row['cases']:>11,} "
                f"{row['in_period']:>9,} {dash['median']:>9.1f} {dash['p95']:>9.1f} "
                f"{naive['median']:>10.1f} {naive['p95']:>10.1f} {ratio:>6.2f}x  "
                + ", ".join(goals)
            )
        out(
            "ratio = naive median ÷ dashboard median. The dashboard does more (breakdowns, "
            "trend, overdue list) than the naive totals + children."
        )

    def _profiles(self, *, profiles: list, explain: bool) -> None:
        out = self.stdout.write
        out("")
        out("Where the dashboard's time goes (one profiled run per level, slowest queries):")
        for name, label, wall, queries in profiles:
            timed = sorted(queries, key=lambda q: -float(q["time"]))
            total = sum(float(q["time"]) for q in queries)
            out(
                f"  {name} ({label}): {len(queries)} queries, {1000 * total:.0f} ms in SQL of "
                f"{1000 * wall:.0f} ms"
            )
            for query in timed[:3]:
                out(f"    {1000 * float(query['time']):>9.1f} ms  {_describe_sql(query['sql'])}")
            if explain and timed:
                self._explain(timed[0]["sql"])

    def _explain(self, sql: str) -> None:
        if connection.vendor != "postgresql":
            self.stdout.write("    (EXPLAIN ANALYZE needs PostgreSQL)")
            return
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = [row[0] for row in cursor.fetchall()]
        # The top of the plan, then its summary (planning, JIT, execution time).
        tail = next((i for i, line in enumerate(plan) if line.startswith("Planning")), len(plan))
        self.stdout.write("    EXPLAIN (ANALYZE, BUFFERS) of the slowest:")
        for line in plan[: min(tail, 18)] + (["…"] if tail > 18 else []) + plan[tail:]:
            self.stdout.write(f"      {line}")

    # === environment and sizes ===============================================================

    def _environment(self) -> None:
        out = self.stdout.write
        line = f"Database: {connection.vendor} {connection.settings_dict.get('NAME')}"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                values = []
                for name in (
                    "server_version",
                    "shared_buffers",
                    "work_mem",
                    "effective_cache_size",
                    "max_parallel_workers_per_gather",
                    "jit",
                ):
                    cursor.execute(f"SHOW {name}")
                    values.append(f"{name}={cursor.fetchone()[0]}")
            line += " (" + ", ".join(values) + ")"
        out(f"{line}; {os.cpu_count()} CPUs.")
        if settings.DEBUG:
            out("DEBUG is on: Django keeps every query in memory; run with DEBUG=0 to time it.")

    def _sizes(self) -> None:
        if connection.vendor != "postgresql":
            return
        out = self.stdout.write
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            out("")
            out(f"Database {connection.settings_dict['NAME']}: {_megabytes(cursor.fetchone()[0])}")
            for table in (Dispute._meta.db_table, FollowUp._meta.db_table):
                cursor.execute(
                    "SELECT pg_total_relation_size(%s::regclass), pg_relation_size(%s::regclass), "
                    "pg_indexes_size(%s::regclass), (SELECT reltuples FROM pg_class "
                    "WHERE oid = %s::regclass)",
                    [table] * 4,
                )
                total, heap, indexes, rows = cursor.fetchone()
                out(
                    f"{table}: {_megabytes(total)} in all, table {_megabytes(heap)}, indexes "
                    f"{_megabytes(indexes)}, ~{rows:,.0f} rows"
                )
                cursor.execute(
                    "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                    "ORDER BY 2 DESC, 1",
                    [table],
                )
                for index, size in cursor.fetchall():
                    out(f"    {index:<52} {_megabytes(size):>10}")

    # === cleaning up =========================================================================

    def _clean(self) -> None:
        started = time.perf_counter()
        generated = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
        count = generated.count()
        if _only_generated_cases():
            _truncate_cases()
        else:
            _delete_generated()
        self.stdout.write(
            f"Removed {count:,} generated cases and their follow-ups in "
            f"{time.perf_counter() - started:.1f} s; {Dispute.objects.count():,} cases left."
        )


# === the naive approach (the baseline the dashboard is compared with) =========================
#
# NAIVE APPROACH — for comparison only, never used by the product. What a dashboard costs
# without the 属地 columns or rollups: every request aggregates the raw cases of the subtree
# by joining each case to its village's Center row and keeping those whose (tree_id, lft,
# rght) lie inside the center's; the child a case belongs to is found by joining the child
# centers by MPTT range. It computes only the totals and the per-child counters (the same
# four parts as metrics.raw: the intake cohort, the closures, the follow-ups, the open cases),
# i.e. less than the dashboard does; both must agree (checked on the warm-up run).


def _has_rollups() -> bool:
    from metrics.models import MonthlyCounts

    return MonthlyCounts.objects.exists()


def _sql_literal(value: str) -> str:
    if not value.replace("_", "").isalnum():
        raise ValueError(value)
    return f"'{value}'"


def _cohort_aggregates() -> list[tuple[str, str]]:
    accepted = "d.accepted_at IS NOT NULL"
    resolved = f"{accepted} AND d.resolved_at IS NOT NULL"
    mediated = "d.mediation_started_at IS NOT NULL"
    items = [
        ("received", "COUNT(*)"),
        ("accepted", f"COUNT(*) FILTER (WHERE {accepted})"),
        ("resolved", f"COUNT(*) FILTER (WHERE {resolved})"),
        (
            "resolved_local",
            f"COUNT(*) FILTER (WHERE {resolved} AND d.resolved_level = d.receiving_level)",
        ),
        ("mediated", f"COUNT(*) FILTER (WHERE {accepted} AND {mediated})"),
        ("agreed", f"COUNT(*) FILTER (WHERE {resolved} AND {mediated})"),
        ("escalated", f"COUNT(*) FILTER (WHERE {accepted} AND d.escalation_count > 0)"),
        ("dispatched", "COUNT(*) FILTER (WHERE d.dispatch_count > 0)"),
        ("returned", "COUNT(*) FILTER (WHERE d.dispatch_count > 0 AND d.return_count > 0)"),
        ("repeat", "COUNT(*) FILTER (WHERE d.is_repeat)"),
        ("was_overdue", f"COUNT(*) FILTER (WHERE {accepted} AND d.was_overdue)"),
    ]
    for level in ("village", "township", "county", "city", "province"):
        literal = _sql_literal(level)
        items.append(
            (
                f"resolved_{level}",
                f"COUNT(*) FILTER (WHERE {resolved} AND d.resolved_level = {literal})",
            )
        )
        items.append(
            (f"top_{level}", f"COUNT(*) FILTER (WHERE {accepted} AND d.top_level = {literal})")
        )
    return items


def _naive_parts() -> list[dict]:
    good = ", ".join(
        _sql_literal(v) for v in (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
    )
    answered = _sql_literal(FollowUpStatus.ANSWERED)
    open_statuses = ", ".join(_sql_literal(s) for s in sorted(OPEN_STATUSES))
    return [
        {"source": "", "date": "d.created_at", "aggregates": _cohort_aggregates()},
        {
            "source": "",
            "date": "d.closed_at",
            "aggregates": [
                ("closed", "COUNT(*)"),
                ("closed_on_time", "COUNT(*) FILTER (WHERE d.closed_on_time)"),
                ("handling_workdays", "COALESCE(SUM(d.handling_workdays), 0)"),
            ],
        },
        {
            "source": "followup",
            "date": "f.ended_at",
            "aggregates": [
                ("follow_ups_reached", f"COUNT(*) FILTER (WHERE f.status = {answered})"),
                (
                    "satisfied",
                    f"COUNT(*) FILTER (WHERE f.status = {answered} AND f.rating IN ({good}))",
                ),
                (
                    "unreachable",
                    "COUNT(*) FILTER (WHERE f.status = "
                    f"{_sql_literal(FollowUpStatus.UNREACHABLE)})",
                ),
            ],
        },
        {
            "source": "",
            "date": None,
            "where": f"d.status IN ({open_statuses})",
            "aggregates": [
                ("open_now", "COUNT(*)"),
                ("overdue_now", "COUNT(*) FILTER (WHERE d.is_overdue)"),
            ],
        },
    ]


def _naive_query(*, part: dict, center, period: Period, by_child: bool) -> tuple[str, list]:
    dispute, centers = Dispute._meta.db_table, Center._meta.db_table
    if part["source"] == "followup":
        source = f"{FollowUp._meta.db_table} f JOIN {dispute} d ON d.id = f.dispute_id"
    else:
        source = f"{dispute} d"
    joins, where, params = [], [], []
    if center is not None or by_child:
        joins.append(f"JOIN {centers} v ON v.id = d.village_id")
    if by_child:
        if center is None:
            joins.append(
                f"JOIN {centers} c ON c.tree_id = v.tree_id AND c.parent_id IS NULL AND c.is_active"
            )
        else:
            joins.append(
                f"JOIN {centers} c ON c.parent_id = %s AND c.tree_id = v.tree_id "
                "AND c.lft <= v.lft AND c.rght >= v.rght AND c.is_active"
            )
            params.append(center.pk)
    if center is not None:
        where.append("v.tree_id = %s AND v.lft >= %s AND v.rght <= %s")
        params += [center.tree_id, center.lft, center.rght]
    if part["date"]:
        where.append(f"{part['date']} >= %s AND {part['date']} < %s")
        adapt = connection.ops.adapt_datetimefield_value
        params += [adapt(period.start_at), adapt(period.end_at)]
    if part.get("where"):
        where.append(part["where"])
    select = ", ".join(f"{expression} AS {name}" for name, expression in part["aggregates"])
    sql = f"SELECT {'c.id AS child, ' if by_child else ''}{select} FROM {source} "
    sql += " ".join(joins)
    if where:
        sql += " WHERE " + " AND ".join(where)
    if by_child:
        sql += " GROUP BY c.id"
    return sql, params


def naive_dashboard(*, center, period: Period) -> tuple[Counters, dict[int, Counters]]:
    """NAIVE APPROACH (baseline): the totals and the per-child counters of `center`'s subtree
    (None: everything) for `period`, from the raw cases joined to the center tree by MPTT
    range per request. Eight queries: four parts × (totals, children)."""
    totals, children = Counters(), defaultdict(Counters)
    has_children = center is None or center.level != CenterLevel.VILLAGE
    with connection.cursor() as cursor:
        for part in _naive_parts():
            for by_child in (False, True) if has_children else (False,):
                sql, params = _naive_query(
                    part=part, center=center, period=period, by_child=by_child
                )
                cursor.execute(sql, params)
                names = [column[0] for column in cursor.description]
                for row in cursor.fetchall():
                    values = dict(zip(names, row, strict=True))
                    target = children[values.pop("child")] if by_child else totals
                    for name, value in values.items():
                        setattr(target, name, getattr(target, name) + int(value or 0))
    return totals, dict(children)


def _check_agreement(board, totals: Counters, children: dict) -> None:
    """The naive approach and the dashboard must count the same cases."""
    if board.totals.as_dict() != totals.as_dict():
        raise CommandError(
            f"the naive totals differ from the dashboard's:\n{totals}\n{board.totals}"
        )
    if board.children:
        shown = {child.pk: counters.as_dict() for child, counters in board.children}
        empty = Counters().as_dict()
        for pk in set(shown) | set(children):
            naive = children[pk].as_dict() if pk in children else empty
            if shown.get(pk, empty) != naive:
                raise CommandError(f"the naive counters of child {pk} differ from the dashboard's")


# === helpers ==================================================================================


def _install_categories() -> None:
    """The categories of the data migration, if an admin removed any."""
    migration = importlib.import_module("disputes.migrations.0002_categories")
    migration.install(django_apps, None)
    missing = set(bench_cases.CATEGORY_WEIGHTS) - set(
        Category.objects.values_list("code", flat=True)
    )
    if missing:
        raise CommandError(f"categories missing: {sorted(missing)}")


def _next_id(model) -> int:
    largest = model.objects.aggregate(largest=Max("pk"))["largest"] or 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [model._meta.db_table, model._meta.pk.column],
            )
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value FROM {sequence}")
            largest = max(largest, cursor.fetchone()[0])
    return largest + 1


def _pool(context: bench_cases.CaseContext, workers: int):
    """Worker processes that inherit the context. Forked with the database connection closed,
    so that no child shares the parent's socket."""
    global _CONTEXT
    _CONTEXT = context
    if workers <= 0 or connection.in_atomic_block:
        return None  # (no fork from inside a transaction: the children would share it)
    connection.close()
    return multiprocessing.get_context("fork").Pool(processes=workers)


def _results(pool, context, chunks: list, workers: int):
    """The chunks' rows in order, at most a few chunks ahead of the writer."""
    if pool is None:
        for chunk in chunks:
            yield bench_cases.generate_chunk(context, chunk)
        return
    pending: deque = deque()
    queue = iter(chunks)
    for chunk in queue:
        pending.append(pool.apply_async(_generate_in_worker, (chunk,)))
        if len(pending) > workers:
            break
    while pending:
        result = pending.popleft().get()
        following = next(queue, None)
        if following is not None:
            pending.append(pool.apply_async(_generate_in_worker, (following,)))
        yield result


def _loader():
    columns = {f.column for f in Dispute._meta.concrete_fields}
    required = {f.column for f in Dispute._meta.concrete_fields if not f.null and not f.primary_key}
    if not set(DISPUTE_COLUMNS) <= columns or required - set(DISPUTE_COLUMNS):
        raise CommandError(
            "metrics.bench_cases writes Dispute rows column by column: update DISPUTE_COLUMNS "
            f"for the model's columns (missing: {sorted(required - set(DISPUTE_COLUMNS))})"
        )
    if connection.vendor == "postgresql":
        return _PostgresLoader()
    return _PlainLoader()


class _PlainLoader:
    """Rows through executemany (SQLite, small runs)."""

    def prepare(self) -> None:
        self.cursor = connection.cursor()

    def _insert(self, table: str, columns: tuple, text: str) -> None:
        booleans = [i for i, c in enumerate(columns) if c in BOOLEAN_COLUMNS]
        rows = []
        for line in text.splitlines():
            values = [None if v == bench_cases.NULL else v for v in line.split("\t")]
            for i in booleans:
                if values[i] is not None:
                    values[i] = values[i] == bench_cases.TRUE
            rows.append(values)
        if rows:
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def write(self, result: bench_cases.ChunkResult) -> None:
        self._insert(Dispute._meta.db_table, DISPUTE_COLUMNS, result.disputes)
        self._insert(FollowUp._meta.db_table, FOLLOW_UP_COLUMNS, result.follow_ups)

    def finish(self, bar) -> list[tuple[str, float]]:
        started = time.perf_counter()
        self.cursor.execute("ANALYZE")
        self.cursor.close()
        return [("ANALYZE", time.perf_counter() - started)]


class _PostgresLoader:
    """COPY into the tables with their plain indexes and foreign keys dropped, then both
    re-created from their saved definitions (the unique ones stay: ids and tracking numbers
    only grow). All inside the caller's transaction."""

    TABLES = (Dispute._meta.db_table, FollowUp._meta.db_table)

    def prepare(self) -> None:
        self.cursor = cursor = connection.cursor()
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s::regclass[]) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "ORDER BY c.relname",
            [list(self.TABLES)],
        )
        self.indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            [list(self.TABLES)],
        )
        self.foreign_keys = cursor.fetchall()
        for name, _definition in self.indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for table, name, _definition in self.foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")

    def write(self, result: bench_cases.ChunkResult) -> None:
        for table, columns, text in (
            (Dispute._meta.db_table, DISPUTE_COLUMNS, result.disputes),
            (FollowUp._meta.db_table, FOLLOW_UP_COLUMNS, result.follow_ups),
        ):
            if text:
                self.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN",
                    io.StringIO(text),
                    size=1 << 20,
                )

    def finish(self, bar) -> list[tuple[str, float]]:
        cursor, timings = self.cursor, []
        started = time.perf_counter()
        progress = bar(total=len(self.indexes), desc="indexes", unit="index")
        for _name, definition in self.indexes:
            cursor.execute(definition)
            progress.update(1)
        progress.close()
        timings.append((f"re-creating {len(self.indexes)} indexes", time.perf_counter() - started))
        started = time.perf_counter()
        for table, name, definition in self.foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
        timings.append(
            (
                f"re-adding (and checking) {len(self.foreign_keys)} foreign keys",
                time.perf_counter() - started,
            )
        )
        for model in (Dispute, FollowUp):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))",
                [table],
            )
        cursor.close()
        return timings


def _parse_month(text: str) -> Period:
    try:
        year, month = (int(part) for part in text.split("-"))
        return Period.month(year, month)
    except ValueError as exc:
        raise CommandError(f"--month wants YYYY-MM, not {text!r}") from exc


def _busiest_month() -> Period:
    """The complete month with the most cases registered."""
    this_month = timezone.localdate().replace(day=1)
    bound = Period.month(this_month.year, this_month.month).start_at
    row = (
        Dispute.objects.filter(created_at__lt=bound)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("-n", "month")
        .first()
    )
    if row is None:
        raise CommandError("no cases registered before this month")
    month = timezone.localtime(row["month"]).date()
    return Period.month(month.year, month.month)


def _busiest(level: str) -> Center | None:
    """The center of `level` with the most cases in its subtree (ties: the smaller id)."""
    field = LOC_FIELD[level]
    row = (
        Dispute.objects.filter(**{f"{field}__isnull": False})
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n", field)
        .first()
    )
    return None if row is None else Center.objects.get(pk=row[field])


def _time_ways(ways: dict, *, runs: int) -> dict[str, list[float]]:
    """Milliseconds per run of each way: `runs` rounds, each running every way once, in turn
    forwards and backwards so that neither always runs on the other's warm cache."""
    timings: dict[str, list[float]] = {name: [] for name in ways}
    order = list(ways)
    for run in range(runs):
        for name in order if run % 2 == 0 else reversed(order):
            began = time.perf_counter()
            ways[name]()
            timings[name].append(1000 * (time.perf_counter() - began))
    return timings


def _summary(milliseconds: list[float]) -> dict:
    ordered = sorted(milliseconds)
    if len(ordered) > 1:
        p95 = statistics.quantiles(ordered, n=20, method="inclusive")[-1]
    else:
        p95 = ordered[0]
    return {"median": statistics.median(ordered), "p95": p95, "runs": ordered}


def _describe_sql(sql: str) -> str:
    """A short name for a dashboard query: which part, grouped by what."""
    lowered = sql.lower()
    if "disputes_followup" in lowered.split(" where ")[0]:
        part = "follow-ups"
    elif '"closed_at" >=' in lowered:
        part = "closures"
    elif '"created_at" >=' in lowered:
        part = "intake cohort"
    elif '"status" in' in lowered and "count(" in lowered:
        part = "open cases"
    elif '"is_overdue"' in lowered and "order by" in lowered:
        part = "overdue list"
    else:
        return _clip(" ".join(sql.split()), 90)
    group = ""
    if " group by " in lowered:
        column = lowered.split(" group by ", 1)[1].split(",")[0].strip()
        if column.isdigit():  # GROUP BY 1: the first selected column
            column = lowered.split("select ", 1)[1].split(" from ", 1)[0].split(",")[0]
        if "trunc" in column:
            group = " by month"
        else:
            group = " by " + column.split(" as ")[0].split(".")[-1].strip().strip('"')
    return part + group


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _referencing_tables() -> list[str]:
    """The case table and every table that refers to it, directly or through another."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE refs(rel) AS (SELECT %s::regclass UNION "
            "SELECT k.conrelid FROM pg_constraint k JOIN refs ON k.confrelid = refs.rel "
            "WHERE k.contype = 'f') SELECT rel::regclass::text FROM refs",
            [Dispute._meta.db_table],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _only_generated_cases() -> bool:
    """Whether every case is a generated one and nothing refers to the cases but their
    follow-ups: then the tables can be truncated instead of deleted from row by row."""
    if connection.vendor != "postgresql":
        return False
    if Dispute.objects.exclude(tracking_number__startswith=BENCH_PREFIX).exists():
        return False
    skip = {Dispute._meta.db_table, FollowUp._meta.db_table}
    with connection.cursor() as cursor:
        for table in _referencing_tables():
            if table not in skip:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
                if cursor.fetchone()[0]:
                    return False
    return True


def _truncate_cases() -> None:
    """TRUNCATE the cases, their follow-ups and the (empty) tables that refer to them."""
    tables = _referencing_tables()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")


def _delete_generated() -> None:
    """Delete the generated cases and their follow-ups in batches of ids, each batch its own
    transaction with the foreign keys checked at once (not queued up to the commit)."""
    generated = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
    bounds = generated.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    dispute, follow_up = Dispute._meta.db_table, FollowUp._meta.db_table
    cases = f"SELECT id FROM {dispute} WHERE tracking_number LIKE %s AND id >= %s AND id < %s"
    for low in range(bounds["low"], bounds["high"] + 1, BATCH_DELETE):
        params = [f"{BENCH_PREFIX}%", low, low + BATCH_DELETE]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DELETE FROM {follow_up} WHERE dispute_id IN ({cases})", params)
            cursor.execute(f"DELETE FROM {dispute} WHERE id IN ({cases})", params)


class _RawStream:
    """The command's stderr for tqdm: no added newline, no error colour."""

    def __init__(self, stream: OutputWrapper):
        self.stream = stream

    def write(self, text: str) -> None:
        self.stream.write(text, style_func=lambda s: s, ending="")

    def flush(self) -> None:
        self.stream.flush()
