"""bench_api: requests per second and latency of the REST API through a real server, under a
bounded load sent from a second process over loopback.

1. Data: N synthetic cases (100,000 by default) made by bench_dashboard's generator
   (`bench_dashboard --generate-only`: the division tree, then the cases by COPY), unless
   generated cases are there already (then they are reused). Generated cases have no
   parties and no case events, and every one has the access code BENCH (its hash is
   checked). The command refuses a database holding other cases unless --yes.
   A staff user (`bench-api`, 中心主任 at the city with the most generated cases) is created
   if missing, with a fresh API token (the earlier ones of that user are revoked: a key
   cannot be read back). K tracking numbers are drawn for the resident look-ups. Then
   ANALYZE: planner statistics as autovacuum keeps them (the import leaves none).
2. Server: `gunicorn governance.wsgi` with W workers on 127.0.0.1, a subprocess started with
   the production settings (DEBUG off, a random SECRET_KEY, API_NUM_PROXIES=0: nothing in
   front) on the same database (its DATABASE_URL is built from this command's connection)
   and the same cache (REDIS_URL is passed on). It is stopped at the end, on errors and on
   Ctrl-C too. The resident look-ups all come from one address, so the limit on failed
   look-ups (PUBLIC_API_THROTTLE_RATES) is raised for the first server (a settings module
   written to a temporary folder: the production settings plus that override); the last
   scenario runs on a second server with the limits as configured, to show them at work.
   Each server's cache keys carry a prefix of their own, so its counts start from zero
   and a deployment sharing the Redis is left alone.
3. Load: C clients, threads of this process each holding an `http.client` connection, in a
   closed loop (each sends its next request when the answer to the last has arrived),
   share a fixed number of requests per scenario, after a warm-up. Every request's latency
   (until the whole body is read) and status are kept; a status other than the scenario's
   expected ones is an error (and the command fails once the table is printed).
   Scenarios: the resident status endpoint with the right code (cycling over the K cases),
   the staff case list's first page, the staff list filtered by status and category on a
   later page, the resident status with a wrong code, and the same with the production
   limits (404 until the limit, then 429).
4. The access-code check: every resident look-up checks the code against the case's stored
   digest (disputes.access_codes); one check is timed here, to explain the resident figures.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count

from centers.choices import CenterLevel, Role
from centers.models import Center, Membership
from disputes.access_codes import access_code_matches
from disputes.models import Dispute
from disputes.public_api.throttles import DEFAULT_RATES
from governance.models import ApiToken
from governance.pagination import COUNT_CAP, CappedPageNumberPagination
from governance.services import api_token_create, api_token_revoke
from metrics.bench_cases import BENCH_PREFIX

XIANGYANG = Path(settings.BASE_DIR) / "data" / "divisions" / "xiangyang.csv"
ACCESS_CODE = "BENCH"  # the access code of every generated case (bench_dashboard)
STAFF_USERNAME = "bench-api"
TOKEN_NAME = "bench_api"
WRONG_CODE = "WRONG0"
# The limits on failed look-ups for the first server: out of reach of any bench.
RAISED_LOOKUP_RATES = {
    "public_lookup_failures_ip": "100000000/hour",
    "public_lookup_failures_case": "100000000/hour",
}
SCENARIOS = ("status", "list", "list-filtered", "status-wrong", "status-throttled")
PAGE_SIZE = CappedPageNumberPagination.page_size
SETTINGS_MODULE_PREFIX = "zongzhi_bench_api_settings"


@dataclass(frozen=True)
class Scenario:
    """One kind of request, sent `requests` times: the paths cycle over `paths`."""

    key: str
    label: str
    paths: tuple[str, ...]
    headers: dict
    requests: int
    expected: frozenset[int]
    # The server it runs on: "raised" (look-up limits out of reach) or "configured".
    server: str = "raised"
    warmup: bool = True
    # Checks one answer (status, parsed JSON) before the load; returns a problem or None.
    check: object = None


@dataclass
class Sample:
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    size: int


@dataclass
class Result:
    scenario: Scenario
    samples: list[Sample]
    wall: float
    cpu: float
    statuses: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.statuses = Counter(sample.status for sample in self.samples)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in self.scenario.expected)


class Command(BaseCommand):
    help = (
        "Load-test the REST API through a real gunicorn server on 127.0.0.1: requests per "
        "second and latency (median, p95, p99) of the resident status endpoint and the staff "
        "case list, on N generated cases (bench_dashboard's generator). Refuses a database "
        "holding cases it did not make unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000, help="cases to generate")
        parser.add_argument(
            "--divisions",
            type=Path,
            default=XIANGYANG,
            help="division file to import before generating (default: 襄阳市)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed")
        parser.add_argument(
            "--generate-workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes generating rows (0: in this process)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=2 * (os.cpu_count() or 1) + 1,
            help="gunicorn worker processes (default: 2 × CPUs + 1)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="threads per gunicorn worker (more than 1: the gthread worker, keep-alive)",
        )
        parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
        parser.add_argument(
            "--requests",
            type=int,
            default=2000,
            help="timed requests per staff scenario, shared among the clients",
        )
        parser.add_argument(
            "--resident-requests",
            type=int,
            default=200,
            help="timed requests per resident scenario (each pays a password check)",
        )
        parser.add_argument(
            "--warmup", type=int, default=3, help="untimed requests per client before each"
        )
        parser.add_argument(
            "--tracking-numbers",
            type=int,
            default=1000,
            help="cases the resident look-ups cycle over",
        )
        parser.add_argument("--page", type=int, default=10, help="page of the filtered list")
        parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
        parser.add_argument(
            "--server-settings",
            default="governance.settings.production",
            help="settings module of the server (the hash of the generated access codes must "
            "be one of its PASSWORD_HASHERS)",
        )
        parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
        parser.add_argument("--timeout", type=float, default=60, help="seconds a request may take")
        parser.add_argument(
            "--yes", action="store_true", help="run even though the database holds other cases"
        )

    def handle(self, *args, **options):
        for name in ("cases", "workers", "threads", "concurrency", "tracking_numbers", "page"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        for name in ("requests", "resident_requests"):
            if options[name] < options["concurrency"]:
                raise CommandError(
                    f"--{name.replace('_', '-')} must be at least --concurrency "
                    f"({options['concurrency']})"
                )
        if options["warmup"] < 0:
            raise CommandError("--warmup must not be negative")
        foreign = Dispute.objects.exclude(tracking_number__startswith=BENCH_PREFIX)
        if not options["yes"] and foreign.exists():
            raise CommandError(
                "the database holds cases the benchmark did not make; run it on a database of "
                "its own, or pass --yes to run it here anyway."
            )
        load_before = _load_average()
        self._cases(options)
        self._analyze()
        encoded, check_ms = self._access_code_cost()
        center, user, key = self._staff_user()
        scenarios = self._scenarios(options, user=user, key=key)
        with _sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="bench_api-") as folder:
            results = self._run(options, scenarios, folder=Path(folder))
        self._table(results)
        self._facts(
            options,
            center=center,
            encoded=encoded,
            check_ms=check_ms,
            load=(load_before, _load_average()),
        )
        errors = sum(result.errors for result in results)
        if errors:
            raise CommandError(f"{errors} requests got an unexpected answer (see the table)")

    # === data ================================================================================

    def _cases(self, options) -> None:
        generated = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
        count = generated.count()
        if count:
            self.stdout.write(
                f"Reusing {count:,} generated cases (`bench_dashboard --clean` removes them)."
            )
            return
        call_command(
            "bench_dashboard",
            generate_only=True,
            cases=options["cases"],
            divisions=options["divisions"],
            seed=options["seed"],
            workers=options["generate_workers"],
            yes=options["yes"],
            stdout=self.stdout,
            stderr=self.stderr,
        )

    def _analyze(self) -> None:
        """Table statistics for the planner, as autovacuum keeps them on a database that has
        been running a while (the division import leaves the center table without any)."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"ANALYZE: {time.perf_counter() - started:.1f} s.")

    def _access_code_cost(self) -> tuple[str, float]:
        """The generated cases' access-code hash (checked against BENCH) and the median time
        of one check of it, in milliseconds."""
        hashes = list(
            Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
            .order_by()
            .values_list("access_code_hash", flat=True)
            .distinct()[:2]
        )
        if len(hashes) != 1:
            raise CommandError("the generated cases should all share one access-code hash")
        encoded = hashes[0]
        if not access_code_matches(ACCESS_CODE, encoded):
            raise CommandError(f"the generated cases' access code is not {ACCESS_CODE}")
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            access_code_matches(ACCESS_CODE, encoded)
            timings.append(1000 * (time.perf_counter() - started))
        return encoded, statistics.median(timings)

    @transaction.atomic
    def _staff_user(self):
        """The bench's staff user (中心主任 at the busiest city) and a fresh API token."""
        busiest = (
            Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
            .exclude(loc_city=None)
            .values("loc_city")
            .annotate(n=Count("pk"))
            .order_by("-n", "loc_city")
            .first()
        )
        if busiest is not None:
            center = Center.objects.get(pk=busiest["loc_city"])
        else:  # a tree without cities: its root
            village = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)[0].village
            center = Center.objects.get(tree_id=village.tree_id, parent=None)
        user, created = get_user_model().objects.get_or_create(
            username=STAFF_USERNAME, defaults={"is_active": True}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif not user.is_active:
            raise CommandError(f"the user {STAFF_USERNAME} is deactivated")
        if user.is_superuser:
            raise CommandError(f"the user {STAFF_USERNAME} is a superuser: not a director's scope")
        # One membership: the scope is that city's subtree, whatever an earlier run left.
        Membership.objects.filter(user=user).exclude(center=center, role=Role.DIRECTOR).delete()
        Membership.objects.get_or_create(user=user, center=center, role=Role.DIRECTOR)
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            api_token_revoke(token=token)
        _token, key = api_token_create(user=user, name=TOKEN_NAME)
        return center, user, key

    # === scenarios ===========================================================================

    def _scenarios(self, options, *, user, key: str) -> list[Scenario]:
        wanted = set(options["scenarios"])
        numbers = list(
            Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX)
            .order_by("pk")
            .values_list("tracking_number", flat=True)
        )
        rng = random.Random(options["seed"])
        numbers = rng.sample(numbers, min(options["tracking_numbers"], len(numbers)))
        status_paths = tuple(f"/api/v1/public/cases/{quote(n)}/" for n in numbers)
        staff = {"Authorization": f"Token {key}"}
        in_scope = Dispute.objects.visible_to(user)
        visible = in_scope.count()
        if not visible:
            raise CommandError("the staff user sees no cases")
        common = (
            in_scope.values("status", "category__code")
            .annotate(n=Count("pk"))
            .order_by("-n", "status", "category__code")
            .first()
        )
        reachable = min(common["n"], COUNT_CAP)  # the pages stop at the count's cap
        page = min(options["page"], max(1, -(-reachable // PAGE_SIZE)))
        filtered = urlencode(
            {"status": common["status"], "category": common["category__code"], "page": page}
        )
        resident, staff_requests = options["resident_requests"], options["requests"]
        first_page = Scenario(
            key="list",
            label=f"staff case list, page 1 ({visible:,} in scope)",
            paths=("/api/v1/cases/",),
            headers=staff,
            requests=staff_requests,
            expected=frozenset({200}),
            check=_check_page(min(visible, PAGE_SIZE)),
        )
        # What warms every server up (each worker loads the URLs, opens its connection).
        self.server_warmup = first_page
        every = [
            Scenario(
                key="status",
                label=f"resident status, right code ({len(numbers):,} cases)",
                paths=status_paths,
                headers={"X-Access-Code": ACCESS_CODE},
                requests=resident,
                expected=frozenset({200}),
                check=_check_case,
            ),
            first_page,
            Scenario(
                key="list-filtered",
                label=f"staff list, status+category ({common['n']:,}), page {page}",
                paths=(f"/api/v1/cases/?{filtered}",),
                headers=staff,
                requests=staff_requests,
                expected=frozenset({200}),
                check=_check_page(min(PAGE_SIZE, reachable - (page - 1) * PAGE_SIZE)),
            ),
            Scenario(
                key="status-wrong",
                label="resident status, wrong code",
                paths=status_paths,
                headers={"X-Access-Code": WRONG_CODE},
                requests=resident,
                expected=frozenset({404}),
            ),
            Scenario(
                key="status-throttled",
                label="resident status, wrong code, limits on",
                paths=status_paths,
                headers={"X-Access-Code": WRONG_CODE},
                requests=resident,
                expected=frozenset({404, 429}),
                server="configured",
                warmup=False,  # the first failures are the ones the limit lets through
            ),
        ]
        return [scenario for scenario in every if scenario.key in wanted]

    # === running =============================================================================

    def _run(self, options, scenarios: list[Scenario], *, folder: Path) -> list[Result]:
        results = []
        for kind in ("raised", "configured"):
            group = [scenario for scenario in scenarios if scenario.server == kind]
            if not group:
                continue
            module = _write_settings_module(
                folder, base=options["server_settings"], name=kind, raise_limits=kind == "raised"
            )
            server = _Server(
                folder=folder,
                settings_module=module,
                workers=options["workers"],
                threads=options["threads"],
                port=options["port"] or _free_port(),
                name=kind,
            )
            with server.running(self.stdout):
                self.stdout.write(
                    f"Server ({kind} look-up limits) answering on 127.0.0.1:{server.port}: "
                    f"{options['workers']} workers × {options['threads']} threads, "
                    f"{options['server_settings']}."
                )
                # Every worker loads the URLs and opens its database connection.
                _load(
                    server.port,
                    self.server_warmup,
                    count=2 * max(options["workers"] * options["threads"], options["concurrency"]),
                    concurrency=options["concurrency"],
                    warmup=0,
                    timeout=options["timeout"],
                )
                for scenario in group:
                    results.append(self._scenario(server, scenario, options))
        return results

    def _scenario(self, server: _Server, scenario: Scenario, options) -> Result:
        concurrency = options["concurrency"]
        if scenario.check is not None:
            status, body = _fetch(server.port, scenario.paths[0], scenario.headers)
            problem = (
                f"answered {status}"
                if status not in scenario.expected
                else scenario.check(json.loads(body))
            )
            if problem:
                raise CommandError(
                    f"{scenario.label}: {scenario.paths[0]} {problem}: {body[:300]!r}"
                )
        self.stdout.write(
            f"  {scenario.key}: {scenario.requests:,} requests from {concurrency} clients …"
        )
        result = _load(
            server.port,
            scenario,
            count=scenario.requests,
            concurrency=concurrency,
            warmup=options["warmup"] if scenario.warmup else 0,
            timeout=options["timeout"],
        )
        if result.errors:
            server.note_errors()
        return result

    # === reporting ===========================================================================

    def _table(self, results: list[Result]) -> None:
        out = self.stdout.write
        out("")
        header = (
            f"{'scenario':<46} {'requests':>8} {'req/s':>7} {'median':>8} {'p95':>8} "
            f"{'p99':>8} {'errors':>6} {'bytes':>6} {'client CPU':>10}  statuses"
        )
        out(header)
        out("-" * len(header))
        for result in results:
            ms = sorted(1000 * sample.seconds for sample in result.samples)
            size = statistics.mean(sample.size for sample in result.samples)
            out(
                f"{result.scenario.label:<46} {len(ms):>8,} {len(ms) / result.wall:>7.1f} "
                f"{statistics.median(ms):>8.1f} {_percentile(ms, 95):>8.1f} "
                f"{_percentile(ms, 99):>8.1f} {result.errors:>6} {size:>6.0f} "
                f"{100 * result.cpu / result.wall:>9.0f}%  "
                + " ".join(f"{s}×{n}" for s, n in sorted(result.statuses.items()))
            )
            by_status = result.statuses
            if len(by_status) > 1:
                for status in sorted(by_status):
                    part = sorted(
                        1000 * sample.seconds
                        for sample in result.samples
                        if sample.status == status
                    )
                    out(
                        f"{'  of which ' + str(status):<46} {len(part):>8,} {'':>7} "
                        f"{statistics.median(part):>8.1f} {_percentile(part, 95):>8.1f} "
                        f"{_percentile(part, 99):>8.1f}"
                    )
        out(
            "Latency in ms, from sending the request to reading the whole answer; req/s over "
            "the timed requests of each scenario (the warm-up is left out); client CPU: this "
            "process (the load) as a share of one core."
        )
        for result in results:
            out(f"  {result.scenario.key}: GET {result.scenario.paths[0]}")

    def _facts(self, options, *, center, encoded: str, check_ms: float, load) -> None:
        out = self.stdout.write
        algorithm = encoded.split("$", 1)[0]
        cpus = os.cpu_count() or 1
        generated = Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX).count()
        rates = {**DEFAULT_RATES, **getattr(settings, "PUBLIC_API_THROTTLE_RATES", {})}
        cache = "Redis (REDIS_URL)" if os.environ.get("REDIS_URL") else "per-process memory"
        worker_class = "sync" if options["threads"] == 1 else "gthread"
        out("")
        out(
            f"Server: gunicorn {_gunicorn_version()}, {options['workers']} {worker_class} "
            f"workers × {options['threads']} threads, {options['server_settings']} (DEBUG "
            f"off, API_NUM_PROXIES=0), Django {django.get_version()}, Python "
            f"{platform.python_version()}; cache: {cache}."
        )
        out(
            f"Look-up limits: raised to {RAISED_LOOKUP_RATES['public_lookup_failures_ip']} for "
            "every scenario but the last (all look-ups come from one address); the last runs "
            "on a second server with the configured ones: failed look-ups "
            f"{rates['public_lookup_failures_ip']} per IP, "
            f"{rates['public_lookup_failures_case']} per tracking number"
            + (
                "."
                if os.environ.get("REDIS_URL")
                else " (counted in each worker's memory here: no REDIS_URL)."
            )
        )
        out(
            f"Load: {options['concurrency']} clients (threads of this process, http.client, "
            f"closed loop) on 127.0.0.1; {options['warmup']} warm-up requests per client "
            "before each scenario."
        )
        out(f"Database: {_database_facts()}; {generated:,} generated cases.")
        out(
            f"Staff user {STAFF_USERNAME}: 中心主任 at {center.name} {center.code} "
            f"({CenterLevel(center.level).label})."
        )
        out(
            f"Machine: {cpus} CPUs, {platform.machine()}, {platform.system()} "
            f"{platform.release()}; load average {load[0]} before, {load[1]} after."
        )
        out(
            f"Access-code check on the cases' stored code ({algorithm}) takes {check_ms:.3f} "
            "ms here (median of 5). Every "
            "resident look-up pays it once, right or wrong code (a dummy when the case "
            f"does not exist): {cpus} CPUs can do at most about {1000 * cpus / check_ms:,.0f} "
            "look-ups a second, whatever the database."
        )
        out(
            "Generated cases have no parties and no case events: the resident's answer has an "
            "empty timeline, the staff list no names."
        )


# === the load =================================================================================


def _connection(port: int, timeout: float) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def _send(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept": "application/json", **headers})
    response = conn.getresponse()
    return response.status, response.read()


def _fetch(port: int, path: str, headers: dict, timeout: float = 60) -> tuple[int, bytes]:
    conn = _connection(port, timeout)
    try:
        return _send(conn, path, headers)
    finally:
        conn.close()


def _one(conn, path: str, headers: dict) -> Sample:
    started = time.perf_counter()
    try:
        status, body = _send(conn, path, headers)
    except (OSError, http.client.HTTPException):
        conn.close()  # the next request opens a new connection
        return Sample(status=0, seconds=time.perf_counter() - started, size=0)
    return Sample(status=status, seconds=time.perf_counter() - started, size=len(body))


def _load(
    port: int, scenario: Scenario, *, count: int, concurrency: int, warmup: int, timeout: float
) -> Result:
    """`count` requests of `scenario` from `concurrency` client threads, each in a closed
    loop, after `warmup` untimed requests per client; client i sends requests i, i + C, …"""
    barrier = threading.Barrier(concurrency + 1)
    spans: list[tuple[float, float] | None] = [None] * concurrency
    samples: list[list[Sample]] = [[] for _ in range(concurrency)]
    failures: list[BaseException] = []
    paths = scenario.paths

    def client(index: int) -> None:
        conn = _connection(port, timeout)
        try:
            for i in range(warmup):
                _one(conn, paths[(index * warmup + i) % len(paths)], scenario.headers)
            barrier.wait()
            began = time.perf_counter()
            mine = samples[index]
            for i in range(index, count, concurrency):
                mine.append(_one(conn, paths[i % len(paths)], scenario.headers))
            spans[index] = (began, time.perf_counter())
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            failures.append(error)
            barrier.abort()
        finally:
            conn.close()

    threads = [
        threading.Thread(target=client, args=(i,), name=f"bench-client-{i}", daemon=True)
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    with suppress(threading.BrokenBarrierError):  # a client failed: reported below
        barrier.wait()
    cpu_began = time.process_time()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_began
    if failures:
        raise CommandError(f"a client failed: {failures[0]!r}")
    began = min(span[0] for span in spans)
    ended = max(span[1] for span in spans)
    return Result(
        scenario=scenario,
        samples=[sample for part in samples for sample in part],
        wall=ended - began,
        cpu=cpu,
    )


def _check_case(data) -> str | None:
    if not isinstance(data, dict) or data.get("tracking_number", "")[:6] != BENCH_PREFIX:
        return "is not a generated case"
    return None


def _check_page(rows: int):
    def check(data) -> str | None:
        got = len(data.get("results", [])) if isinstance(data, dict) else -1
        return None if got == rows else f"has {got} rows, not {rows}"

    return check


def _percentile(ordered: list[float], percent: int) -> float:
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[percent - 1]


# === the server ===============================================================================


class _Server:
    """A gunicorn master (and its workers) in a process group of its own, with its output in
    a file of `folder`."""

    def __init__(
        self,
        *,
        folder: Path,
        settings_module: str,
        workers: int,
        threads: int,
        port: int,
        name: str,
    ):
        self.folder, self.settings_module = folder, settings_module
        self.workers, self.threads, self.port = workers, threads, port
        self.log_path = folder / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None
        self.errors_seen = False

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "governance.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "sync" if self.threads == 1 else "gthread",
            "--chdir",
            str(settings.BASE_DIR),
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]

    def environment(self) -> dict:
        env = dict(os.environ)
        env.pop("ZONGZHI_DEMO_WORKDAY_SECONDS", None)  # refused by the production settings
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings_module,
            PYTHONPATH=os.pathsep.join(
                p for p in (str(self.folder), str(settings.BASE_DIR), env.get("PYTHONPATH")) if p
            ),
            DATABASE_URL=_database_url(connection.settings_dict),
            # A key of its own: the limits' counts (keyed hashes) start from zero. The
            # generated cases' access codes were keyed with this process's key: still
            # accepted, as after a key rotation.
            SECRET_KEY=secrets.token_urlsafe(50),
            SECRET_KEY_FALLBACKS=settings.SECRET_KEY,
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            API_NUM_PROXIES="0",
        )
        return env

    @contextmanager
    def running(self, stdout):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches this command, which stops it
            )
        try:
            self._wait_until_up()
            yield self
        except BaseException:
            stdout.write(self.log_tail())
            raise
        finally:
            self.stop()
        if self.errors_seen:
            stdout.write(self.log_tail())

    def _wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CommandError(f"the server exited with status {self.process.returncode}")
            try:
                _fetch(self.port, "/api/v1/cases/", {}, timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise CommandError(f"the server did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group started for it
            process.wait()

    def note_errors(self) -> None:
        self.errors_seen = True

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "Server log (last lines):\n" + "\n".join(text[-lines:])


def _write_settings_module(folder: Path, *, base: str, name: str, raise_limits: bool) -> str:
    """A settings module in `folder`: `base`, with cache keys of its own (the limits' counts
    start from zero, and a deployment sharing the Redis is left alone) and, if asked, the
    limits on failed look-ups out of reach."""
    module = f"{SETTINGS_MODULE_PREFIX}_{name}"
    lines = [
        f'"""The bench server: {base}, with cache keys of its own'
        + (', and the limits on failed look-ups out of reach."""' if raise_limits else '."""'),
        f"from {base} import *  # noqa: F403",
        f"from {base} import CACHES, PUBLIC_API_THROTTLE_RATES",
        "",
        f"_PREFIX = {'bench-api-' + secrets.token_hex(8)!r}",
        "CACHES = {alias: {**conf, 'KEY_PREFIX': _PREFIX} for alias, conf in CACHES.items()}",
    ]
    if raise_limits:
        raised = {**RAISED_LOOKUP_RATES}
        lines.append(f"PUBLIC_API_THROTTLE_RATES = {{**PUBLIC_API_THROTTLE_RATES, **{raised!r}}}")
    (folder / f"{module}.py").write_text("\n".join(lines) + "\n")
    return module


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database this command is connected to."""
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = quote(settings_dict.get("HOST") or "", safe="")
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name, safe='')}"
    raise CommandError(f"no DATABASE_URL form for {engine}")


@contextmanager
def _sigterm_as_interrupt():
    """SIGTERM interrupts the command like Ctrl-C, so that the server is stopped too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# === facts ====================================================================================


def _load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def _gunicorn_version() -> str:
    try:
        from gunicorn import __version__
    except ImportError:
        return "?"
    return __version__


def _database_facts() -> str:
    name = connection.settings_dict.get("NAME")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            values = []
            for setting in (
                "server_version",
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "jit",
                "autovacuum",
            ):
                cursor.execute(f"SHOW {setting}")
                values.append(f"{setting}={cursor.fetchone()[0]}")
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()[0]
            return f"PostgreSQL {name} ({', '.join(values)}), {size}"
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]} {name}"
    return f"{connection.vendor} {name}"
