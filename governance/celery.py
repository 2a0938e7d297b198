"""The Celery app and the one beat schedule of the platform."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")

app = Celery("governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the platform is declared here, one entry each, with what it is for.
app.conf.beat_schedule = {
    # Proves the wiring beat → broker → worker → database; the status page shows the last beat.
    "heartbeat": {
        "task": "governance.tasks.heartbeat",
        "schedule": float(os.environ.get("HEARTBEAT_INTERVAL", "30")),
    },
}
