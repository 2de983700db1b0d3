"""Candidates' self-identified demographics, and the "Fairness analyst" group: the only role
given the permissions to read and record them (not Recruiter, not Reviewer)."""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

FAIRNESS_ANALYST = "Fairness analyst"
CODENAMES = ["view_demographics", "record_demographics"]


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make this app's now.
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=FAIRNESS_ANALYST)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="reports", codename__in=CODENAMES)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=FAIRNESS_ANALYST).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_digest_on_demand"),
        ("screening", "0013_documentpage_boxes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="CandidateDemographics",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("answers", models.JSONField(blank=True, default=dict)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "candidate",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="demographics",
                        to="screening.candidate",
                    ),
                ),
            ],
            options={
                "verbose_name": "self-identified demographics",
                "verbose_name_plural": "self-identified demographics",
                "permissions": [
                    ("view_demographics", "Can view candidates' self-identified demographics"),
                    ("record_demographics", "Can record candidates' self-identified demographics"),
                ],
                "default_permissions": (),
            },
        ),
        migrations.RunPython(create_group, remove_group),
    ]
