"""Recruiters may read the audit trail (reviewers may not: it holds every reviewer's scores)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("core")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Recruiter")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename="view_auditevent")
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Recruiter"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="core", codename="view_auditevent")
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_audit_events"), ("rubrics", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
