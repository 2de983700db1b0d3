"""The calibration and report models now live in the calibration and reports
apps (their 0001 migrations): they leave screening's model state here. The
tables stay where they are, rows and all; nothing is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0010_screening_answers"),
        ("calibration", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                # Models that refer to others first.
                migrations.DeleteModel(name="ReportDelivery"),
                migrations.DeleteModel(name="Report"),
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="ApplicationCalibration"),
                migrations.DeleteModel(name="CriterionCalibration"),
                migrations.DeleteModel(name="ReviewerCalibration"),
                migrations.DeleteModel(name="CalibrationRun"),
            ],
        ),
    ]
