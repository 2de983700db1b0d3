"""The Recruiter and Reviewer groups and their admin permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RECRUITER_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("jobposting", "rubric", "criterion")
    for action in ("add", "change", "delete", "view")
]
REVIEWER_PERMISSIONS = ["view_jobposting", "view_rubric", "view_criterion"]


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so
    # the groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in (("Recruiter", RECRUITER_PERMISSIONS),
                            ("Reviewer", REVIEWER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="rubrics", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Recruiter", "Reviewer"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rubrics", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
