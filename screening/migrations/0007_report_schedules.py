"""Default schedules for the weekly digest (Monday 08:00) and the daily
overdue reminders (09:00), in the configured time zone; editable under
Periodic tasks in the admin."""

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    (
        "Weekly calibration digest",
        "screening.tasks.send_weekly_digests",
        {"minute": "0", "hour": "8", "day_of_week": "1"},
        "Sends each posting with activity last week its digest.",
    ),
    (
        "Daily overdue-review reminders",
        "screening.tasks.send_overdue_reminders",
        {"minute": "0", "hour": "9", "day_of_week": "*"},
        "Emails each reviewer with overdue reviews the list, once a day.",
    ),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, when, description in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE, **when
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[name for name, *_ in SCHEDULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0006_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
