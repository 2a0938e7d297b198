"""The broker really delivers: a task sent from this process is run by a separate
`celery worker` process, which writes to the same database.

On the default settings this goes through kombu's filesystem broker; with REDIS_URL set (the
second CI run) through a real Redis. Nothing is mocked and nothing runs eagerly.
"""

import pytest

from governance.celery import app
from governance.models import WorkerHeartbeat
from governance.tasks import heartbeat
from tests.worker_support import WAIT_SECONDS, start_worker, stop_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_process_runs_a_task_sent_through_the_broker(tmp_path):
    assert not WorkerHeartbeat.objects.exists()
    app.control.purge()  # leftovers of earlier tests in the tests' own queue

    worker = start_worker(log_path=tmp_path / "celery-worker.log")
    try:
        heartbeat.delay()
        beat = wait_for(
            condition=lambda: WorkerHeartbeat.objects.filter(
                worker__startswith=f"{worker.node}@"
            ).first(),
            what=f"a heartbeat from {worker.node} in {WAIT_SECONDS}s",
            workers=(worker,),
        )
        assert beat.beats == 1
        assert "governance.tasks.heartbeat" in worker.output()
    finally:
        stop_worker(worker)
    # Only the worker wrote: this process never ran the task itself.
    assert WorkerHeartbeat.objects.count() == 1
