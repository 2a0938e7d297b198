"""Drill: Redis is down. Intake (the web form and the dispute_register service) neither waits
for nor talks to the broker: cases are written to the database and the periodic deadline watch
finds them (the outbox / periodic-scan design). When Redis is back, a worker's watch escalates
the case registered during the outage.

Only with REDIS_URL (CI's second run): the broker is pointed at a port that refuses
connections, or at a socket that accepts and never answers, the way a hung Redis behaves."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from kombu.exceptions import OperationalError

from disputes.models import Category, Dispute, Escalation
from governance.celery import app
from tests.disputes.test_views import intake_data
from tests.worker_support import start_worker, stop_worker, task_results, wait_for

from .support import SLOW, make_overdue, tally

pytestmark = [
    *SLOW,
    pytest.mark.skipif(not settings.REDIS_URL, reason="a Redis outage needs REDIS_URL"),
    pytest.mark.django_db(transaction=True),
]

WATCH = "disputes.tasks.deadline_watch"
# The broker's socket timeouts (governance/settings/base.py) are 5 s; intake must not come
# anywhere near them.
FAST = 1.0


class SilentServer:
    """A TCP socket that accepts connections and never answers, like a hung Redis; it counts
    the connections made to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                peer, _address = self.socket.accept()
            except OSError:  # closed
                return
            self.accepted.append(peer)

    def close(self) -> None:
        self.socket.close()
        for peer in self.accepted:
            peer.close()


def refused_port() -> int:
    """A local port nothing listens on (connections are refused at once)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def _forget_broker_pools() -> None:
    """Make the app look its connection pools up again (kombu keeps one per broker URL)."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """This process's Celery app publishes to `url` (with fresh pools: none of its pooled
    connections to the real Redis is used), then goes back to the real broker."""
    saved = app.conf.broker_url
    _forget_broker_pools()
    app.conf.broker_url = url
    try:
        yield
    finally:
        _forget_broker_pools()
        app.conf.broker_url = saved


@contextmanager
def broker_down(kind: str) -> Iterator[SilentServer | None]:
    """The broker is down ("refused": connections refused) or hung ("hangs": accepted, never
    answered; the silent server is yielded)."""
    if kind == "refused":
        with broker_at(f"redis://127.0.0.1:{refused_port()}/0"):
            yield None
        return
    server = SilentServer()
    try:
        with broker_at(f"redis://127.0.0.1:{server.port}/0"):
            yield server
    finally:
        server.close()


def _broker_is_unreachable(server: SilentServer | None) -> None:
    """The app really publishes to the dead broker: a connection attempt fails (and, on the
    silent socket, is seen arriving there)."""
    before = len(server.accepted) if server else 0
    options = {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}
    conn = app.connection_for_write(transport_options=options)
    with conn, pytest.raises((OperationalError, OSError)):
        conn.ensure_connection(max_retries=1)
    if server is not None:
        assert len(server.accepted) > before


@pytest.mark.parametrize("kind", ["refused", "hangs"])
def test_intake_does_not_wait_for_a_dead_broker(
    kind, client, register, center_tree, people, tmp_path
):
    Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})
    client.force_login(people.village_mediator)
    with broker_down(kind) as server:
        started = time.monotonic()
        response = client.post(reverse("disputes:intake"), intake_data(center_tree))
        through_the_form = time.monotonic() - started
        started = time.monotonic()
        case = register().dispute
        through_the_service = time.monotonic() - started
        connections = len(server.accepted) if server else 0
        _broker_is_unreachable(server)

    timings = f"form {through_the_form:.3f}s, service {through_the_service:.3f}s"
    print(f"intake with the broker {kind}: {timings}, connections to it {connections}")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dispute.objects.count() == 2
    assert through_the_form < FAST and through_the_service < FAST, timings
    assert connections == 0, "intake opened a connection to the broker"

    # Redis is back: the next deadline watch, run by a worker, escalates the case.
    make_overdue(ids=[case.pk])
    app.control.purge()
    worker = start_worker(log_path=tmp_path / "worker.log")
    try:
        app.send_task(WATCH)
        runs = wait_for(
            condition=lambda: task_results(worker=worker, name=WATCH),
            what="the watch after the outage",
            workers=(worker,),
        )
    finally:
        stop_worker(worker)
    assert runs[0]["escalated"] == 1, runs
    assert tally(ids=[case.pk]).ok, tally(ids=[case.pk])
    assert Escalation.objects.get(dispute=case).to_center == center_tree.township


def test_intake_survives_the_whole_redis_hanging(register):
    """A real outage takes the cache down with the broker: both point at the silent socket.
    The calendar's version check gives up after the cache's short socket timeout and skips
    the cache for a while (governance.workdays), so intake still completes."""
    server = SilentServer()
    dead_cache = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        }
    }
    try:
        with broker_at(f"redis://127.0.0.1:{server.port}/0"), override_settings(CACHES=dead_cache):
            started = time.monotonic()
            register()
            elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < FAST, f"intake took {elapsed:.3f}s"
