"""Data that named the reports models or tasks by their old home follows them:

- the content types of reports, deliveries and reminders move from the
  screening app to reports (same rows, so permissions already granted and admin history stay attached);
- django-celery-beat schedules run the tasks under their new names
  (screening.tasks.send_* → reports.tasks.send_*)."""

from django.db import migrations
from django.utils import timezone

MODELS = ("report", "reportdelivery", "reminder")
TASKS = {
    "screening.tasks.send_weekly_digests": "reports.tasks.send_weekly_digests",
    "screening.tasks.send_digest": "reports.tasks.send_digest",
    "screening.tasks.send_overdue_reminders": "reports.tasks.send_overdue_reminders",
    "screening.tasks.send_reminder": "reports.tasks.send_reminder",
}


def _move_content_types(apps, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=old_label, model=model).first()
        if old is None:
            continue  # created under the new label after the migrations
        # One made under the new label before this ran (by a permission
        # sync) has nothing of its own yet: the old one, with its grants, wins.
        ContentType.objects.filter(app_label=new_label, model=model).delete()
        old.app_label = new_label
        old.save(update_fields=["app_label"])


def _rename_tasks(apps, names):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in names.items():
        PeriodicTask.objects.filter(task=old).update(task=new)
    # Beat notices edited schedules through this row.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def forward(apps, schema_editor):
    _move_content_types(apps, "screening", "reports")
    _rename_tasks(apps, TASKS)


def backward(apps, schema_editor):
    _move_content_types(apps, "reports", "screening")
    _rename_tasks(apps, {new: old for old, new in TASKS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("screening", "0011_calibration_and_reports_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
