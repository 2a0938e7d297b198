from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def mark_existing(apps, schema_editor):
    """Cases that existed before the rollups: mark their (county, month) cells so that the
    refresh job computes them."""
    Dispute = apps.get_model("disputes", "Dispute")
    FollowUp = apps.get_model("disputes", "FollowUp")
    DirtyMonth = apps.get_model("metrics", "DirtyMonth")
    zone = ZoneInfo(settings.TIME_ZONE)
    marks = set()

    def add(unit, moment):
        if unit and moment:
            local = moment.astimezone(zone)
            marks.add((unit, date(local.year, local.month, 1)))

    for county, city, created, closed in Dispute.objects.values_list(
        "loc_county", "loc_city", "created_at", "closed_at"
    ).iterator():
        add(county or city, created)
        add(county or city, closed)
    for county, city, ended in FollowUp.objects.values_list(
        "dispute__loc_county", "dispute__loc_city", "ended_at"
    ).iterator():
        add(county or city, ended)
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(center_id=unit, month=month) for unit, month in marks],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0001_initial"),
        ("disputes", "0007_event_chain_anchor"),
    ]

    operations = [migrations.RunPython(mark_existing, migrations.RunPython.noop)]
