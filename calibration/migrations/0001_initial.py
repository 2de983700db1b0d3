"""The calibration models, moved from the screening app without touching the
database: their tables keep the screening_ names (``db_table``), and this
migration only tells Django's model state that they now live here;
screening 0011 takes them out of screening's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("rubrics", "0005_criterion_types_and_screening_questions"),
        ("screening", "0010_screening_answers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CalibrationRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=16)),
                        ('trigger', models.CharField(choices=[('submission', 'Scorecard submitted'), ('nightly', 'Nightly'), ('manual', 'Started by hand'), ('import', 'Ratings imported')], default='manual', max_length=16)),
                        ('task_id', models.CharField(blank=True, max_length=64)),
                        ('progress', models.PositiveSmallIntegerField(default=0, help_text='Percent done.')),
                        ('progress_message', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('started_at', models.DateTimeField(blank=True, null=True)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('n_ratings', models.PositiveIntegerField(default=0)),
                        ('n_applications', models.PositiveIntegerField(default=0)),
                        ('n_reviewers', models.PositiveIntegerField(default=0)),
                        ('agreement', models.JSONField(blank=True, default=dict, help_text='Rubric-level agreement statistics, with the reason for each undefined one.')),
                        ('error', models.TextField(blank=True)),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('rubric', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calibration_runs', to='rubrics.rubric')),
                    ],
                    options={
                        'db_table': 'screening_calibrationrun',
                        'ordering': ['-created_at', '-id'],
                        'get_latest_by': 'created_at',
                    },
                ),
                migrations.CreateModel(
                    name='ApplicationCalibration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('adjusted_score', models.FloatField()),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='screening.application')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='applications', to='calibration.calibrationrun')),
                    ],
                    options={
                        'db_table': 'screening_applicationcalibration',
                    },
                ),
                migrations.CreateModel(
                    name='CriterionCalibration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('n_ratings', models.PositiveIntegerField()),
                        ('mean', models.FloatField(null=True)),
                        ('spread', models.FloatField(null=True, verbose_name='standard deviation')),
                        ('alpha_ordinal', models.FloatField(null=True)),
                        ('alpha_interval', models.FloatField(null=True)),
                        ('discrimination', models.FloatField(null=True)),
                        ('notes', models.JSONField(blank=True, default=dict)),
                        ('flagged', models.BooleanField(default=False)),
                        ('flag_reason', models.CharField(blank=True, max_length=200)),
                        ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='rubrics.criterion')),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='calibration.calibrationrun')),
                    ],
                    options={
                        'db_table': 'screening_criterioncalibration',
                        'ordering': ['criterion__order'],
                    },
                ),
                migrations.CreateModel(
                    name='ReviewerCalibration',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('n_ratings', models.PositiveIntegerField()),
                        ('n_applications', models.PositiveIntegerField()),
                        ('mean', models.FloatField()),
                        ('severity', models.FloatField(help_text='Scale points above (lenient, +) or below (severe, −) what the other reviewers would give the same candidates.', null=True)),
                        ('severity_se', models.FloatField(null=True, verbose_name='standard error')),
                        ('agreement_with_consensus', models.FloatField(null=True)),
                        ('drift', models.FloatField(help_text='Change in severity per 30 days.', null=True)),
                        ('distribution', models.JSONField(blank=True, default=list, help_text='How many ratings at each level, lowest first.')),
                        ('flagged', models.BooleanField(default=False)),
                        ('flag_reason', models.CharField(blank=True, max_length=200)),
                        ('reviewer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reviewers', to='calibration.calibrationrun')),
                    ],
                    options={
                        'db_table': 'screening_reviewercalibration',
                        'ordering': ['-flagged', 'severity'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='calibrationrun',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'running')), fields=('rubric',), name='calibration_one_running_per_rubric'),
                ),
                migrations.AddConstraint(
                    model_name='calibrationrun',
                    constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='calibration_progress_pct'),
                ),
                migrations.AddConstraint(
                    model_name='applicationcalibration',
                    constraint=models.UniqueConstraint(fields=('run', 'application'), name='calibration_application_once'),
                ),
                migrations.AddConstraint(
                    model_name='criterioncalibration',
                    constraint=models.UniqueConstraint(fields=('run', 'criterion'), name='calibration_criterion_once'),
                ),
                migrations.AddConstraint(
                    model_name='reviewercalibration',
                    constraint=models.UniqueConstraint(fields=('run', 'reviewer'), name='calibration_reviewer_once'),
                ),
            ],
        ),
    ]
