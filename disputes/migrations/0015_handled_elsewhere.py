from django.conf import settings
from django.db import migrations, models, transaction
from django.db.models import F, Q

from governance.migration_operations import AddIndexConcurrentlyOnPostgres

PATH_FIELDS = ("loc_township", "loc_county", "loc_city", "loc_province")


def mark_handled_elsewhere(apps, schema_editor):
    """Flag the cases whose handling center is off their 属地 path (dispatched sideways).
    One pass over the cases; only the flagged rows are written."""
    Dispute = apps.get_model("disputes", "Dispute")
    off_path = ~Q(current_center=F("village"))
    for field in PATH_FIELDS:
        off_path &= Q(**{f"{field}__isnull": True}) | ~Q(current_center=F(field))
    with transaction.atomic(using=schema_editor.connection.alias):
        Dispute.objects.using(schema_editor.connection.alias).filter(off_path).update(
            handled_elsewhere=True
        )


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [
        ("centers", "0001_initial"),
        ("disputes", "0014_subtree_indexes"),
        ("grids", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A constant default: PostgreSQL adds the column without rewriting the table.
        migrations.AddField(
            model_name="dispute",
            name="handled_elsewhere",
            field=models.BooleanField(
                db_default=False, default=False, editable=False, verbose_name="异地承办"
            ),
        ),
        migrations.RunPython(mark_handled_elsewhere, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrentlyOnPostgres(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(("handled_elsewhere", True)),
                fields=["current_center"],
                name="dispute_handled_elsewhere",
            ),
        ),
    ]
