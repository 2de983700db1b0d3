"""Every five minutes, runs that were requested while the broker was down are sent
again (a django-celery-beat schedule an admin can edit under Periodic tasks)."""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Send again the calibration runs the broker missed"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "calibration.tasks.resend_unsent_calibration_runs",
            "interval": every,
            "description": "Sends the calibration runs whose task could not reach the "
            "broker when they were requested.",
        },
    )
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("calibration", "0004_calibration_sessions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
