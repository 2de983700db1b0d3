"""Admin permissions of the Recruiter and Reviewer groups for screening.

Reviewers get no permission on candidates or applications: they reach the
candidates assigned to them through "My reviews" only, which shows names and
links, never emails or phone numbers.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("candidate", "application", "reviewassignment", "scorecard", "criterionscore")
RECRUITER = [f"{a}_{m}" for m in MODELS for a in ("add", "change", "delete", "view")] + [
    "view_myreview"
]
REVIEWER = ["view_myreview"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Recruiter", RECRUITER), ("Reviewer", REVIEWER)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="screening", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Recruiter", "Reviewer"]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="screening"))


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_myreview"), ("rubrics", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
