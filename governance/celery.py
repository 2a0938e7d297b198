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
    # 预警, 超期 and the escalation ladder (小事不出村、大事不出镇): cheap when nothing is due
    # (two partial indexes), so it runs often; each case is handled once however often.
    "deadline-watch": {
        "task": "disputes.tasks.deadline_watch",
        "schedule": float(os.environ.get("DEADLINE_WATCH_INTERVAL", "60")),
    },
    # 回访: start the follow-ups due after closure; unanswered ones become "unreachable".
    "follow-up-watch": {
        "task": "disputes.tasks.follow_up_watch",
        "schedule": float(os.environ.get("FOLLOW_UP_WATCH_INTERVAL", "300")),
    },
    # The monthly metric rollups behind the big dashboards: recompute the cells the latest
    # steps marked dirty (the page states when its numbers were computed).
    "refresh-metrics": {
        "task": "metrics.tasks.refresh_rollups",
        "schedule": float(os.environ.get("METRICS_REFRESH_INTERVAL", "60")),
    },
    # The outbox: staff e-mail and resident SMS written by the steps above and by intake.
    # Requests never talk to a mail server, SMS gateway or the broker themselves.
    "deliver-notifications": {
        "task": "notifications.tasks.deliver",
        "schedule": float(os.environ.get("NOTIFICATION_DELIVERY_INTERVAL", "30")),
    },
}
