"""The report models, moved from the screening app without touching the
database: their tables keep the screening_ names (``db_table``), and this
migration only tells Django's model state that they now live here;
screening 0011 takes them out of screening's state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("calibration", "0001_initial"),
        ("rubrics", "0005_criterion_types_and_screening_questions"),
        ("screening", "0010_screening_answers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('weekly_digest', 'Weekly calibration digest')], default='weekly_digest', max_length=32)),
                        ('period_start', models.DateTimeField()),
                        ('period_end', models.DateTimeField()),
                        ('subject', models.CharField(max_length=250)),
                        ('html', models.TextField(help_text="The email's HTML; charts are referenced as cid:NAME.")),
                        ('text', models.TextField(help_text='The plain-text alternative.')),
                        ('csv', models.TextField(verbose_name='CSV attachment')),
                        ('images', models.JSONField(blank=True, default=dict, help_text='Inline chart images: content id → base64 PNG.')),
                        ('recipients', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, help_text='When the last recipient was sent it.', null=True)),
                        ('calibration_run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='calibration.calibrationrun')),
                        ('posting', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='rubrics.jobposting')),
                    ],
                    options={
                        'db_table': 'screening_report',
                        'ordering': ['-period_end', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ReportDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recipient', models.EmailField(max_length=254)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('report', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='reports.report')),
                    ],
                    options={
                        'verbose_name_plural': 'report deliveries',
                        'db_table': 'screening_reportdelivery',
                        'ordering': ['sent_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField()),
                        ('assignments', models.JSONField(default=list)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('reviewer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'screening_reminder',
                        'ordering': ['-day', 'reviewer_id'],
                        'constraints': [models.UniqueConstraint(fields=('reviewer', 'day'), name='reminder_once_a_day')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='report',
                    constraint=models.UniqueConstraint(fields=('kind', 'posting', 'period_start'), name='report_once_per_period'),
                ),
                migrations.AddConstraint(
                    model_name='report',
                    constraint=models.CheckConstraint(condition=models.Q(('period_start__lt', models.F('period_end'))), name='report_period_ordered'),
                ),
                migrations.AddConstraint(
                    model_name='reportdelivery',
                    constraint=models.UniqueConstraint(fields=('report', 'recipient'), name='report_delivery_once'),
                ),
            ],
        ),
    ]
