"""Recruiters read calibration runs and reports, and may edit the schedules."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "screening": [
        "view_calibrationrun",
        "view_reviewercalibration",
        "view_criterioncalibration",
        "view_applicationcalibration",
        "view_report",
        "delete_report",
        "view_reportdelivery",
        "view_reminder",
    ],
    "django_celery_beat": [
        "view_periodictask",
        "change_periodictask",
        "view_crontabschedule",
        "add_crontabschedule",
        "change_crontabschedule",
        "view_intervalschedule",
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        # The models as they were at this migration (apps=apps), not as the
        # code has them now: the calibration and report models have since
        # moved to apps of their own (calibration 0002, reports 0002 carry
        # these permissions over).
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Recruiter")
    for app_label, codenames in GRANTS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name="Recruiter"):
        for app_label, codenames in GRANTS.items():
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0007_report_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
