"""bench_api end to end, small: it generates cases with bench_dashboard's generator, starts
a real gunicorn server on the test database, sends the load, prints the table and the facts,
stops the server (on errors too), and refuses a database holding other cases.

The server is a separate process: the tests are transactional, so that it sees the rows."""

import re
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from centers.choices import Role
from centers.models import Membership
from disputes.management.commands.bench_api import STAFF_USERNAME
from governance.models import ApiToken
from tests.metrics.test_bench_dashboard import XIANGYANG

SMALL = {
    "cases": 200,
    "divisions": XIANGYANG,
    "generate_workers": 0,
    "workers": 1,
    "concurrency": 2,
    "requests": 20,
    # 40 failed look-ups against the configured limit of 30 per address: 30 × 404, 10 × 429.
    "resident_requests": 40,
    "tracking_numbers": 20,
    "warmup": 1,
    # The server runs the test settings (their fast password hasher), not production's.
    "server_settings": "governance.settings.test",
}
ROW = re.compile(
    r"^(?P<label>\S.*?)\s+(?P<requests>[\d,]+)\s+(?P<rps>[\d.]+)\s+(?P<median>[\d.]+)\s+"
    r"(?P<p95>[\d.]+)\s+(?P<p99>[\d.]+)\s+(?P<errors>\d+)\s+(?P<bytes>\d+)\s+(?P<cpu>\d+)%"
    r"\s+(?P<statuses>.*)$"
)


def bench(**options) -> str:
    out = StringIO()
    call_command("bench_api", stdout=out, stderr=StringIO(), **{**SMALL, **options})
    return out.getvalue()


def table(output: str) -> dict[str, dict]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("scenario ")) + 2
    rows = {}
    for line in lines[start:]:
        if line.startswith("Latency in ms"):
            break
        match = ROW.match(line)
        if match:
            rows[match["label"]] = match.groupdict()
    return rows


def ports(output: str) -> list[int]:
    return [int(port) for port in re.findall(r"answering on 127\.0\.0\.1:(\d+)", output)]


def refused(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.django_db(transaction=True)
def test_it_loads_a_real_server_and_prints_the_table():
    output = bench()
    assert "Generating 200 cases in 2,817 villages" in output
    # bench_dashboard --generate-only: the cases, no rollups, no dashboard measurement.
    assert "Rollups:" not in output and "Dashboard vs naive" not in output
    rows = table(output)
    assert list(rows) == [
        "resident status, right code (20 cases)",
        "staff case list, page 1 (200 in scope)",
        next(label for label in rows if label.startswith("staff list, status+category (")),
        "resident status, wrong code",
        "resident status, wrong code, limits on",
    ], output
    right, first_page, filtered, wrong, limited = rows.values()
    for row in (first_page, filtered):
        assert (row["requests"], row["errors"], row["statuses"]) == ("20", "0", "200×20")
    assert (right["requests"], right["errors"], right["statuses"]) == ("40", "0", "200×40")
    assert (wrong["errors"], wrong["statuses"]) == ("0", "404×40")
    # One sync worker takes the look-ups one at a time: exactly 30 failures, then refusals.
    assert (limited["errors"], limited["statuses"]) == ("0", "404×30 429×10"), output
    assert re.search(r"^  of which 429\s+10\s", output, re.M)
    for row in rows.values():
        assert float(row["rps"]) > 0
        assert float(row["median"]) <= float(row["p95"]) <= float(row["p99"])
    assert int(first_page["bytes"]) > int(right["bytes"]) > int(wrong["bytes"])
    assert "GET /api/v1/public/cases/BENCH-" in output
    assert re.search(r"GET /api/v1/cases/\?status=\w+&category=\w+&page=\d+", output)
    assert "Access-code check on the cases' stored code (access_hmac_sha256)" in output
    assert "Server: gunicorn " in output and "1 sync workers × 1 threads" in output
    assert "raised to 100000000/hour" in output and "30/hour per IP" in output
    assert "Staff user bench-api: 中心主任 at 襄阳市 420600000000" in output
    assert "Machine: " in output and " CPUs" in output
    # Both servers (raised and configured limits) are gone.
    assert len(ports(output)) == 2 and all(refused(port) for port in ports(output))
    membership = Membership.objects.get(user__username=STAFF_USERNAME)
    assert (membership.center.code, membership.role) == ("420600000000", Role.DIRECTOR)

    # Again: the cases are reused, the staff user kept, the earlier token revoked.
    again = bench(scenarios=["list"])
    assert "Reusing 200 generated cases" in again
    assert list(table(again)) == ["staff case list, page 1 (200 in scope)"]
    tokens = ApiToken.objects.filter(user__username=STAFF_USERNAME)
    assert tokens.count() == 2 and tokens.filter(revoked_at__isnull=True).count() == 1
    assert Membership.objects.filter(user__username=STAFF_USERNAME).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_server_that_cannot_check_the_codes_fails_the_run_and_is_stopped(monkeypatch):
    from disputes.management.commands import bench_api

    environment = bench_api._Server.environment

    def without_the_old_key(self):
        # The server runs under a key of its own and no longer knows the one the cases'
        # access codes were keyed with: every look-up fails.
        env = environment(self)
        env.pop("SECRET_KEY_FALLBACKS")
        return env

    monkeypatch.setattr(bench_api._Server, "environment", without_the_old_key)
    out = StringIO()
    with pytest.raises(CommandError, match=r"resident status, right code .* answered 404"):
        call_command(
            "bench_api",
            stdout=out,
            stderr=StringIO(),
            **{**SMALL, "server_settings": "governance.settings.production"},
            scenarios=["status"],
        )
    assert len(ports(out.getvalue())) == 1 and refused(ports(out.getvalue())[0])


def test_it_refuses_a_database_holding_other_cases(register):
    register()
    with pytest.raises(CommandError, match="holds cases the benchmark did not make"):
        bench()
    assert not ApiToken.objects.exists()


def test_it_checks_its_options(db):
    with pytest.raises(CommandError, match="--requests must be at least --concurrency"):
        bench(requests=1)
