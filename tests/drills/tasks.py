"""TEST-ONLY tasks for the retry and dead-letter drill (tests/drills/test_retries.py). The
platform never imports this module; the drill's worker loads it with `--include`.

Both use the platform's ReliableTask as they find it, with the backoff shortened (1 s, then
2 s, no jitter) and at most two retries, so that a drill takes seconds."""

import time
from pathlib import Path

from celery import shared_task

from governance.tasks import ReliableTask

__all__ = ["always_transient", "flaky", "broken"]

SHORT_BACKOFF = {
    "retry_backoff": 1,
    "retry_backoff_max": 2,
    "retry_jitter": False,
    "max_retries": 2,
}


def _attempt(*, log: str, retries: int) -> None:
    """Append this attempt (retry number and time) to the file `log`."""
    with Path(log).open("a", encoding="utf-8") as file:
        file.write(f"{retries} {time.time():.3f}\n")


@shared_task(base=ReliableTask, bind=True, name="tests.drills.flaky", **SHORT_BACKOFF)
def flaky(self, *, log: str, failures: int) -> str:
    """Fails with a transient error (the database went away) `failures` times, then works."""
    _attempt(log=log, retries=self.request.retries)
    if self.request.retries < failures:
        raise ConnectionError(f"transient failure {self.request.retries + 1} of {failures}")
    return "done"


@shared_task(base=ReliableTask, bind=True, name="tests.drills.always_transient", **SHORT_BACKOFF)
def always_transient(self, *, log: str) -> None:
    """Fails with a transient error every time: retried, then a dead letter."""
    _attempt(log=log, retries=self.request.retries)
    raise ConnectionError("the peer is still down")


@shared_task(base=ReliableTask, bind=True, name="tests.drills.broken", **SHORT_BACKOFF)
def broken(self, *, log: str) -> None:
    """Fails with a programming error: not retried, a dead letter at once."""
    _attempt(log=log, retries=self.request.retries)
    raise ValueError("a bug, not an outage")
