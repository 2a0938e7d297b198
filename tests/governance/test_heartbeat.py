import pytest

from governance.models import WorkerHeartbeat
from governance.tasks import heartbeat


@pytest.mark.django_db
def test_heartbeat_task_run_twice_keeps_one_row_per_worker():
    heartbeat.apply()
    first = WorkerHeartbeat.objects.get()
    heartbeat.apply()
    second = WorkerHeartbeat.objects.get()
    assert second.beats == 2
    assert second.last_beat_at >= first.last_beat_at


@pytest.mark.django_db
def test_status_page_shows_the_last_heartbeat(client, center_tree, member):
    client.force_login(member(center_tree.township))
    heartbeat.apply()
    page = client.get("/status/")
    assert page.status_code == 200
    row = WorkerHeartbeat.objects.get()
    assert row.worker in page.content.decode()
