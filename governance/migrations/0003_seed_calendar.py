"""Seed the holiday calendar from the chinesecalendar package (every year it covers).

Self-contained on purpose (historical models, literal values): later package upgrades are
applied with `manage.py sync_holidays`, which never touches rows entered by hand."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("governance", "CalendarYear")
    CalendarDay = apps.get_model("governance", "CalendarDay")
    schedule = {day: ("holiday", name) for day, name in chinese_calendar.holidays.items()}
    schedule.update((day, ("workday", name)) for day, name in chinese_calendar.workdays.items())
    have_years = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        CalendarYear(year=year, source="package")
        for year in sorted({day.year for day in schedule} - have_years)
    )
    years = {row.year: row for row in CalendarYear.objects.all()}
    have_days = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        CalendarDay(
            calendar_year=years[day.year],
            date=day,
            kind=kind,
            name=NAMES.get(name, name),
            source="package",
        )
        for day, (kind, name) in sorted(schedule.items())
        if day not in have_days
    )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0002_calendar"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
