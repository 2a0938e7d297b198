"""Tests: the same settings as production code paths, with a fast password hasher."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, REDIS_URL, VAR_DIR, filesystem_broker_options

# One name per pytest-xdist worker ("main" without xdist), so parallel runs never share state.
_TEST_RUN = os.environ.get("PYTEST_XDIST_WORKER", "main")

# The environment's key when given (a server a test starts runs under a key of its own).
SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a worker subprocess can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_TEST_RUN}.sqlite3")}

# Celery: tests send to their own queue (and, on the filesystem broker, their own folders), so
# a `make run` worker on the same machine never takes a test's message, nor a test worker a
# developer's. tests/test_celery_worker.py starts a real worker with these same settings.
CELERY_TASK_DEFAULT_QUEUE = f"zongzhi-test-{_TEST_RUN}"
if not REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        VAR_DIR / f"test-broker-{_TEST_RUN}"
    )

# The fault drills (tests/drills/) slow the deadline watch of their worker processes down, to
# kill them half-way through a scan; 0 (no delay) everywhere else.
DISPUTE_SCAN_STEP_DELAY = float(os.environ.get("ZONGZHI_TEST_SCAN_STEP_DELAY") or 0)
