import django.db.models.deletion
from django.db import migrations, models


def mark_cells_for_townships(apps, schema_editor):
    """Every county-grain cell already computed gets its townships' rows on the refresh job's
    next run: mark the cells dirty (one row per unit and month that has counts)."""
    MonthlyCounts = apps.get_model("metrics", "MonthlyCounts")
    DirtyMonth = apps.get_model("metrics", "DirtyMonth")
    cells = (
        MonthlyCounts.objects.filter(grain="county", dimension="")
        .values_list("center_id", "month")
        .distinct()
    )
    DirtyMonth.objects.bulk_create(
        [DirtyMonth(center_id=unit, month=month) for unit, month in cells.iterator()],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("centers", "0001_initial"),
        ("metrics", "0003_open_counts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="monthlycounts",
            name="grain",
            field=models.CharField(
                choices=[("township", "乡级"), ("county", "县级"), ("city", "市级")],
                max_length=8,
                verbose_name="粒度",
            ),
        ),
        migrations.AlterField(
            model_name="monthlycounts",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text="乡级行：所属县级单位；县级行：所属市；市级行：所属省",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="centers.center",
                verbose_name="上级单位",
            ),
        ),
        migrations.RunPython(mark_cells_for_townships, migrations.RunPython.noop),
    ]
