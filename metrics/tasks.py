from celery import shared_task

from governance.tasks import ReliableTask

from .services import open_counts_refresh, rollups_refresh


@shared_task(base=ReliableTask, name="metrics.tasks.refresh_rollups")
def refresh_rollups():
    """Recompute the monthly rollups the latest steps marked dirty, and recount the cases
    open now."""
    return {"cells": rollups_refresh(limit=500), "open_rows": open_counts_refresh()}
