from django.conf import settings
from django.db import migrations, models

from governance.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [
        ("centers", "0001_initial"),
        ("disputes", "0015_handled_elsewhere"),
        ("grids", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="dispute",
            index=models.Index(fields=["level_deadline", "id"], name="dispute_deadline"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="dispute",
            index=models.Index(
                condition=models.Q(("risk_level", "major")),
                fields=["created_at", "id"],
                name="dispute_major_created",
            ),
        ),
    ]
