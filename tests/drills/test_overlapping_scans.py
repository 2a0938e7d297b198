"""Drill: deadline scans that overlap or repeat escalate each overdue case exactly once.

Two scans at once (two threads on their own connections, and two worker processes), then the
watch run twice through a worker: every case climbs village → township once, no (case,
from_level) pair twice, every audit chain intact."""

import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from disputes.services import ScanResult, deadline_scan
from governance.celery import app
from tests.worker_support import start_worker, stop_worker, task_results, wait_for

from .support import SLOW, overdue_cases, tally

pytestmark = [*SLOW, pytest.mark.django_db(transaction=True)]

N = 40
WATCH = "disputes.tasks.deadline_watch"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (SKIP LOCKED) need PG")
def test_two_scans_at_once_escalate_each_case_once(register):
    ids = overdue_cases(register=register, n=N)
    barrier = threading.Barrier(2)
    results: list[ScanResult] = []
    errors: list[BaseException] = []

    def scan():
        try:
            barrier.wait(timeout=10)
            results.append(deadline_scan())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    # A short pause after each case keeps both scans in the batch at the same time.
    with override_settings(DISPUTE_SCAN_STEP_DELAY=0.01):
        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert not errors, errors
    outcome = tally(ids=ids)
    escalated = [result.escalated for result in results]
    skipped = [result.skipped for result in results]
    print(f"two threads: {outcome}; escalated per scan {escalated}, skipped {skipped}")
    assert outcome.ok, f"{outcome}; escalated per scan {escalated}, skipped {skipped}"
    assert sum(escalated) == N, f"{outcome}; escalated per scan {escalated}"
    # The scans overlapped: cases one escalated, the other met and left alone.
    assert sum(skipped) > 0, f"the scans did not overlap: escalated {escalated}, skipped {skipped}"


def test_two_workers_at_once_escalate_each_case_once(register, tmp_path):
    ids = overdue_cases(register=register, n=N)
    app.control.purge()
    # One scan slower than the other: the fast one overtakes it, so the slow one meets cases
    # the fast one holds (skipped under the lock) and cases it has finished (re-checked).
    workers = tuple(
        start_worker(
            log_path=tmp_path / f"worker-{delay}.log",
            extra_env={"ZONGZHI_TEST_SCAN_STEP_DELAY": delay},
        )
        for delay in ("0.05", "0.01")
    )
    try:
        wait_for(condition=lambda: all(w.ready() for w in workers), what="workers", workers=workers)
        # Prefetch 1 and acks_late: a worker busy with one scan leaves the other message.
        app.send_task(WATCH)
        app.send_task(WATCH)
        wait_for(
            condition=lambda: sum(len(task_results(worker=w, name=WATCH)) for w in workers) == 2,
            what="both scans to finish",
            workers=workers,
        )
    finally:
        for worker in workers:
            stop_worker(worker)
    runs = [run for worker in workers for run in task_results(worker=worker, name=WATCH)]
    outcome = tally(ids=ids)
    print(f"two workers: {outcome}; scans {runs}")
    assert outcome.ok, f"{outcome}; scans {runs}"
    assert sum(run["escalated"] for run in runs) == N, f"{outcome}; scans {runs}"
    assert [len(task_results(worker=w, name=WATCH)) for w in workers] == [1, 1], runs
    # The scans overlapped: cases one escalated, the other met and left alone.
    assert sum(run["skipped"] for run in runs) > 0, f"the scans did not overlap: {runs}"


def test_the_watch_run_twice_through_a_worker_escalates_each_case_once(register, tmp_path):
    ids = overdue_cases(register=register, n=N)
    app.control.purge()
    worker = start_worker(log_path=tmp_path / "worker.log")
    try:
        app.send_task(WATCH)
        app.send_task(WATCH)
        runs = wait_for(
            condition=lambda: (
                len(task_results(worker=worker, name=WATCH)) == 2
                and task_results(worker=worker, name=WATCH)
            ),
            what="two scans to finish",
            workers=(worker,),
        )
    finally:
        stop_worker(worker)
    outcome = tally(ids=ids)
    print(f"one worker, twice: {outcome}; scans {runs}")
    assert outcome.ok, f"{outcome}; scans {runs}"
    assert [run["escalated"] for run in runs] == [N, 0], runs
    assert [run["overdue"] for run in runs] == [N, 0], runs
