"""Drill: retries and dead letters through a real worker. A task failing with transient errors
is retried with backoff and then succeeds; one that keeps failing, or fails with a bug, ends as
exactly one TaskFailure row (dead letter). The tasks are test-only (tests/drills/tasks.py),
loaded by the worker with `--include`."""

import pytest

from governance.celery import app
from governance.models import TaskFailure
from tests.worker_support import start_worker, stop_worker, task_results, wait_for

from .support import SLOW
from .tasks import always_transient, broken, flaky

pytestmark = [*SLOW, pytest.mark.django_db(transaction=True)]

TASKS = ("tests.drills.tasks",)


def attempts(log) -> list[tuple[int, float]]:
    """(retry number, time) of each attempt the task wrote to `log`."""
    if not log.exists():
        return []
    return [
        (int(n), float(t))
        for n, t in (line.split() for line in log.read_text().split("\n") if line)
    ]


@pytest.fixture
def worker(tmp_path):
    app.control.purge()
    worker = start_worker(log_path=tmp_path / "worker.log", include=TASKS)
    yield worker
    stop_worker(worker)


def test_transient_failures_are_retried_with_backoff_then_succeed(worker, tmp_path):
    log = tmp_path / "flaky.log"
    flaky.apply_async(kwargs={"log": str(log), "failures": 2})
    results = wait_for(
        condition=lambda: task_results(worker=worker, name=flaky.name),
        what="the flaky task to succeed",
        workers=(worker,),
    )
    tries = attempts(log)
    gaps = [round(b[1] - a[1], 2) for a, b in zip(tries, tries[1:], strict=False)]
    print(f"flaky: attempts {[n for n, _ in tries]}, gaps {gaps} s, result {results}")
    assert results == ["done"]
    assert [n for n, _ in tries] == [0, 1, 2]
    # Exponential backoff: 1 s, then 2 s (a little slack for the broker's polling).
    assert 1 <= gaps[0] < 4 and 2 <= gaps[1] < 5, gaps
    assert worker.output().count("Retry in") == 2
    assert not TaskFailure.objects.exists()


def test_a_task_that_keeps_failing_leaves_exactly_one_dead_letter(worker, tmp_path):
    log = tmp_path / "down.log"
    result = always_transient.apply_async(kwargs={"log": str(log)})
    failure = wait_for(
        condition=lambda: TaskFailure.objects.filter(task_id=result.id).first(),
        what="the dead letter",
        workers=(worker,),
        allow_failures=True,
    )
    # A fresh task through the same worker: once it is done, the failed one is long settled.
    flaky.apply_async(kwargs={"log": str(tmp_path / "after.log"), "failures": 0})
    wait_for(
        condition=lambda: task_results(worker=worker, name=flaky.name),
        what="the next task",
        workers=(worker,),
        allow_failures=True,
    )
    tries = attempts(log)
    print(
        f"always failing: attempts {[n for n, _ in tries]}, dead letters "
        f"{TaskFailure.objects.count()}, retries recorded {failure.retries}"
    )
    assert [n for n, _ in tries] == [0, 1, 2]
    assert TaskFailure.objects.count() == 1
    assert failure.task_name == always_transient.name
    assert failure.retries == 2
    assert failure.error == "ConnectionError: the peer is still down"
    assert failure.kwargs == {"log": str(log)}
    assert "ConnectionError" in failure.traceback


def test_a_bug_is_not_retried_and_leaves_one_dead_letter(worker, tmp_path):
    log = tmp_path / "broken.log"
    result = broken.apply_async(kwargs={"log": str(log)})
    failure = wait_for(
        condition=lambda: TaskFailure.objects.filter(task_id=result.id).first(),
        what="the dead letter",
        workers=(worker,),
        allow_failures=True,
    )
    flaky.apply_async(kwargs={"log": str(tmp_path / "after.log"), "failures": 0})
    wait_for(
        condition=lambda: task_results(worker=worker, name=flaky.name),
        what="the next task",
        workers=(worker,),
        allow_failures=True,
    )
    assert [n for n, _ in attempts(log)] == [0]
    assert TaskFailure.objects.count() == 1
    assert (failure.retries, failure.error) == (0, "ValueError: a bug, not an outage")
