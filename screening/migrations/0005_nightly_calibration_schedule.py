"""The nightly calibration run, as a django-celery-beat schedule that an
admin can edit (Periodic tasks in the admin)."""

from django.conf import settings
from django.db import migrations

TASK_NAME = "Nightly calibration of every active rubric"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "screening.tasks.calibrate_active_rubrics", "crontab": crontab,
                  "description": "Recomputes reviewer calibration for every published "
                                 "rubric with submitted scorecards."},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0004_calibration_and_imports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
