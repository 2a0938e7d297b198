from celery import shared_task

from governance.tasks import ReliableTask

from .services import rollups_refresh


@shared_task(base=ReliableTask, name="metrics.tasks.refresh_rollups")
def refresh_rollups():
    """Recompute the monthly rollups the latest steps marked dirty."""
    return {"cells": rollups_refresh(limit=500)}
