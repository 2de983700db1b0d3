"""The beat schedules the migrations create."""

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


# --- The beat schedules the migrations create ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "task", "minute", "hour", "day_of_week"),
    [
        ("Weekly calibration digest", "reports.tasks.send_weekly_digests", "0", "8", "1"),
        ("Daily overdue-review reminders", "reports.tasks.send_overdue_reminders", "0", "9", "*"),
        (
            "Nightly calibration of every active rubric",
            "calibration.tasks.calibrate_active_rubrics",
            "30",
            "2",
            "*",
        ),
    ],
)
def test_schedule_exists_after_migrations(name, task, minute, hour, day_of_week):
    periodic = PeriodicTask.objects.select_related("crontab").get(name=name)

    crontab = periodic.crontab
    assert (periodic.task, periodic.enabled) == (task, True)
    assert (
        crontab.minute,
        crontab.hour,
        crontab.day_of_week,
        crontab.day_of_month,
        crontab.month_of_year,
    ) == (minute, hour, day_of_week, "*", "*")
    assert str(crontab.timezone) == settings.TIME_ZONE
