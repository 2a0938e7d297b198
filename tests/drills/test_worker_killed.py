"""Drill: a worker killed (SIGKILL) half-way through the deadline watch loses and duplicates
nothing.

Each case is handled in its own transaction, so a kill leaves every case either escalated or
untouched (the one in flight is rolled back by the database). What the dead worker held comes
back by two roads: beat queues the watch again on its next tick, and the broker redelivers the
unacknowledged message (acks_late): at once when only a prefork pool process dies (the
OOM-killer case, task_reject_on_worker_lost), after the visibility timeout on Redis when the
whole worker dies. kombu's filesystem broker deletes a message when a worker takes it, so
there only the next tick brings the work back."""

import os
import random
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings

from governance.celery import app
from tests.worker_support import (
    pool_children,
    redeliver_unacked,
    start_worker,
    stop_worker,
    task_results,
    unacked_count,
    wait_for,
)

from .support import SLOW, escalated_count, overdue_cases, tally

pytestmark = [*SLOW, pytest.mark.django_db(transaction=True)]

N = 40
WATCH = "disputes.tasks.deadline_watch"
# Seconds the killed worker's scan pauses after each case: 40 cases take about 8 s.
STEP_SECONDS = 0.2
STEP_DELAY = {"ZONGZHI_TEST_SCAN_STEP_DELAY": str(STEP_SECONDS)}
QUEUE = settings.CELERY_TASK_DEFAULT_QUEUE
# After a kill, time for the database to finish with the dead process's connection (a COMMIT
# it had sent still lands) before the test counts what was done.
SETTLE = 0.5


def _part_done(ids: list[int]) -> int:
    """Some but not all cases escalated: the count, else 0."""
    done = escalated_count(ids=ids)
    return done if 5 <= done < N else 0


def test_a_worker_killed_mid_scan_loses_and_duplicates_nothing(register, tmp_path):
    ids = overdue_cases(register=register, n=N)
    app.control.purge()
    doomed = start_worker(log_path=tmp_path / "killed.log", extra_env=STEP_DELAY)
    try:
        app.send_task(WATCH)
        wait_for(condition=lambda: _part_done(ids), what="a scan half-way", workers=(doomed,))
        # Somewhere in the next two cases: inside a case's transaction or between two cases.
        pause = random.uniform(0, 2 * STEP_SECONDS)
        time.sleep(pause)
        # acks_late: the message stays unacknowledged while the scan runs (Redis shows it).
        held = unacked_count(queue=QUEUE)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.process.wait(timeout=10)
    finally:
        stop_worker(doomed)
    time.sleep(SETTLE)
    at_kill = escalated_count(ids=ids)
    assert 0 < at_kill < N, f"the kill was not half-way: {at_kill} of {N} escalated"
    # Redis still holds the dead worker's message (unacknowledged); the filesystem broker
    # deleted it when the worker took it.
    assert held == (1 if settings.REDIS_URL else 0), f"unacknowledged messages: {held}"

    successor = start_worker(log_path=tmp_path / "successor.log")
    try:
        # Beat's next tick; and on Redis the dead worker's message, as after the visibility
        # timeout (an hour in production).
        app.send_task(WATCH)
        redelivered = redeliver_unacked(queue=QUEUE)
        runs = wait_for(
            condition=lambda: (
                len(task_results(worker=successor, name=WATCH)) == 1 + redelivered
                and task_results(worker=successor, name=WATCH)
            ),
            what="the scans after the kill",
            workers=(successor,),
        )
    finally:
        stop_worker(successor)
    outcome = tally(ids=ids)
    report = f"{outcome}; killed {pause:.2f}s after 5 were done, {at_kill} by then; {runs}"
    print(f"SIGKILL worker: {report}")
    assert outcome.ok, report
    assert sum(run["escalated"] for run in runs) == N - at_kill, runs


def test_a_pool_process_killed_by_the_oom_killer_is_redelivered(register, tmp_path):
    ids = overdue_cases(register=register, n=N)
    app.control.purge()
    worker = start_worker(
        log_path=tmp_path / "prefork.log", pool="prefork", concurrency=1, extra_env=STEP_DELAY
    )
    try:
        app.send_task(WATCH)
        wait_for(condition=lambda: _part_done(ids), what="a scan half-way", workers=(worker,))
        children = pool_children(pid=worker.pid)
        assert len(children) == 1, f"pool processes of {worker.pid}: {children}"
        os.kill(children[0], signal.SIGKILL)
        wait_for(
            condition=lambda: not Path(f"/proc/{children[0]}").exists(),
            what="the pool process to die",
            workers=(worker,),
            allow_failures=True,
        )
        # Nothing is queued again: the worker rejects the lost task back to the queue and a
        # fresh pool process runs it from the start.
        wait_for(
            condition=lambda: escalated_count(ids=ids) == N,
            what="the lost scan to be redelivered and finish",
            workers=(worker,),
            allow_failures=True,  # the killed run is logged as failed (WorkerLostError)
        )
        redelivered = wait_for(
            condition=lambda: task_results(worker=worker, name=WATCH),
            what="the redelivered scan to finish",
            workers=(worker,),
            allow_failures=True,
        )
        # And beat's next tick finds nothing left to do.
        app.send_task(WATCH)
        runs = wait_for(
            condition=lambda: (
                len(task_results(worker=worker, name=WATCH)) == 2
                and task_results(worker=worker, name=WATCH)
            ),
            what="the next scan",
            workers=(worker,),
            allow_failures=True,
        )
        output = worker.output()
    finally:
        stop_worker(worker)
    outcome = tally(ids=ids)
    # The pool process starts the redelivered scan at once: what it did not do, the killed
    # one had done.
    at_kill = N - redelivered[0]["escalated"]
    print(f"SIGKILL pool process: {outcome}; escalated at the kill {at_kill}; then {runs}")
    assert "WorkerLostError" in output and "signal 9" in output, output[-3000:]
    assert outcome.ok, f"{outcome}; escalated at the kill {at_kill}; scans after it {runs}"
    assert 0 < at_kill < N, runs
    assert runs[1]["escalated"] == 0, runs
