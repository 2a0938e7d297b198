"""The broker really delivers: a task sent from this process is run by a separate
`celery worker` process, which writes to the same database.

On the default settings this goes through kombu's filesystem broker; with REDIS_URL set (the
second CI run) through a real Redis. Nothing is mocked and nothing runs eagerly.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from governance.celery import app
from governance.models import WorkerHeartbeat
from governance.tasks import heartbeat

WAIT_SECONDS = 60


def database_url(settings_dict: dict) -> str:
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


@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_process_runs_a_task_sent_through_the_broker(tmp_path):
    node = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "governance.settings.test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    assert not WorkerHeartbeat.objects.exists()
    app.control.purge()  # leftovers of earlier tests in the tests' own queue

    log_path = tmp_path / "celery-worker.log"
    with log_path.open("wb") as log:
        worker = _start_worker(node, env, log)
    try:
        heartbeat.delay()
        deadline = time.monotonic() + WAIT_SECONDS
        beat = None
        while time.monotonic() < deadline and beat is None:
            if worker.poll() is not None:
                break
            beat = WorkerHeartbeat.objects.filter(worker__startswith=f"{node}@").first()
            if beat is None:
                time.sleep(0.5)
        output = log_path.read_text(errors="replace")
        assert worker.poll() is None, f"the worker exited early:\n{output}"
        assert beat is not None, f"no heartbeat from {node} in {WAIT_SECONDS}s:\n{output}"
        assert beat.beats == 1
        assert "governance.tasks.heartbeat" in output
    finally:
        _stop(worker)
    # Only the worker wrote: this process never ran the task itself.
    assert WorkerHeartbeat.objects.count() == 1


def _start_worker(node: str, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "governance",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues",
            settings.CELERY_TASK_DEFAULT_QUEUE,
            "--hostname",
            f"{node}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _stop(worker: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL if it hangs."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
