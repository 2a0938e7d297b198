"""Helpers for tests that start real `celery worker` processes on the test database and the
tests' own queue (governance/settings/test.py): no mocks, nothing run eagerly.

The broker is the one the settings give: Redis when REDIS_URL is set, else kombu's filesystem
transport. A test must be `django_db(transaction=True)` so that the worker, a separate process
with its own connection, sees the rows the test commits.
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from governance.celery import app

__all__ = [
    "WAIT_SECONDS",
    "Worker",
    "database_url",
    "pool_children",
    "redeliver_unacked",
    "start_worker",
    "stop_worker",
    "task_results",
    "unacked_count",
    "wait_for",
]

WAIT_SECONDS = 60

# A task that raised, in a worker's log (a retry is logged as "retry:", not as this).
_TASK_FAILED = re.compile(r"Task [\w.]+\[[\w-]+\] raised unexpected")
# "Task disputes.tasks.deadline_watch[<id>] succeeded in 0.5s: {'warned': 0, ...}"
_SUCCEEDED = re.compile(r"Task (?P<name>[\w.]+)\[(?P<id>[\w-]+)\] succeeded in [\d.]+s: (?P<r>.*)")


def database_url(*, settings_dict: dict) -> str:
    """A DATABASE_URL for the database this test runs on (the test database)."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(name).resolve()}"
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = quote(settings_dict.get("HOST") or "", safe="")
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name, safe='')}"
    pytest.fail(f"no DATABASE_URL form for {engine}")


@dataclass
class Worker:
    """A running `celery worker` process and the file its output goes to."""

    node: str
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def ready(self) -> bool:
        """The worker has connected to the broker and consumes from the tests' queue."""
        return f"{self.node}@" in self.output() and " ready." in self.output()


def start_worker(
    *,
    log_path: Path,
    pool: str = "solo",
    concurrency: int = 1,
    include: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> Worker:
    """Start `celery worker` on the tests' queue, on the database this test runs on.

    `include` names extra modules the worker imports (test-only tasks); `extra_env` adds
    environment variables (e.g. ZONGZHI_TEST_SCAN_STEP_DELAY)."""
    node = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "governance.settings.test",
        "DATABASE_URL": database_url(settings_dict=connection.settings_dict),
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "governance",
        "worker",
        f"--pool={pool}",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--queues",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--hostname",
        f"{node}@%h",
    ]
    if pool != "solo":
        command.append(f"--concurrency={concurrency}")
    if include:
        command.append(f"--include={','.join(include)}")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Worker(node=node, process=process, log_path=log_path)


def stop_worker(worker: Worker) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL if it hangs; a killed worker is only reaped."""
    process = worker.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(
    *,
    condition: Callable[[], object],
    what: str,
    workers: tuple[Worker, ...] = (),
    timeout: float = WAIT_SECONDS,
    interval: float = 0.1,
    allow_failures: bool = False,
):
    """Poll `condition` until it returns something truthy (returned); fail with the workers'
    output when it does not within `timeout` seconds, when a worker exits meanwhile or (unless
    `allow_failures`) when a task fails in one."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        dead = [worker for worker in workers if not worker.alive()]
        failed = [
            worker
            for worker in workers
            if not allow_failures and _TASK_FAILED.search(worker.output())
        ]
        if dead or failed or time.monotonic() > deadline:
            if dead or failed:
                reason = f"worker {(dead or failed)[0].node} {'exited' if dead else 'task failed'}"
            else:
                reason = f"not within {timeout:.0f}s"
            logs = "\n".join(f"--- {w.node}:\n{_log_tail(w)}" for w in workers)
            pytest.fail(f"waiting for {what}: {reason}\n{logs}")
        time.sleep(interval)


def _log_tail(worker: Worker) -> str:
    """The worker's output after its start-up banner, last 6,000 characters."""
    output = worker.output()
    return output[output.find("[tasks]") :][-6000:]


def task_results(*, worker: Worker, name: str) -> list:
    """The return values the worker logged for each successful run of task `name`."""
    results = []
    for match in _SUCCEEDED.finditer(worker.output()):
        if match["name"] == name:
            results.append(ast.literal_eval(match["r"]))
    return results


def pool_children(*, pid: int) -> list[int]:
    """The pids of the pool processes of a prefork worker (its direct children)."""
    try:
        import psutil
    except ImportError:
        children = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            children.extend(int(child) for child in text)
        return children
    return [child.pid for child in psutil.Process(pid).children()]


def _redis_unacked(*, queue: str, redeliver: bool) -> int:
    """How many messages of `queue` a consumer took from Redis without acknowledging them
    (kombu's `unacked` hash); with `redeliver`, put them back in the queue first."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        with channel.conn_or_acquire() as client:
            entries = client.hgetall(channel.unacked_key).items()
        tags = [tag for tag, raw in entries if queue in json.loads(raw)[1:]]
        if redeliver:
            for tag in tags:
                channel.qos.restore_by_tag(tag)
        return len(tags)


def unacked_count(*, queue: str) -> int:
    """How many messages of `queue` Redis holds for consumers that have not acknowledged them
    (with acks_late: tasks started and not finished). Always 0 on the filesystem broker, which
    deletes a message the moment a consumer takes it."""
    if not settings.REDIS_URL:
        return 0
    return _redis_unacked(queue=queue, redeliver=False)


def redeliver_unacked(*, queue: str) -> int:
    """Put the unacknowledged messages of `queue` back in the queue, as kombu does by itself
    once the broker's visibility_timeout (an hour) has passed since a dead worker took them.
    Returns how many; 0 on the filesystem broker."""
    if not settings.REDIS_URL:
        return 0
    return _redis_unacked(queue=queue, redeliver=True)
