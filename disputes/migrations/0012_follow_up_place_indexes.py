from django.db import migrations, models

from governance.migration_operations import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [
        ('disputes', '0011_follow_up_place'),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name='followup',
            index=models.Index(fields=['loc_county', 'ended_at'], name='follow_up_county_ended'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='followup',
            index=models.Index(fields=['loc_township', 'ended_at'], name='follow_up_township_ended'),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name='followup',
            index=models.Index(fields=['village', 'ended_at'], name='follow_up_village_ended'),
        ),
    ]
