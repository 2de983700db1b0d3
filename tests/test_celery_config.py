from django.conf import settings

from config.celery import app


def test_tasks_are_acknowledged_late_and_fetched_one_at_a_time():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_travel_as_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def test_time_limits_are_set_once_in_settings():
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT == 900
    assert app.conf.task_soft_time_limit == 840


def test_beat_reads_schedules_from_the_database():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_broker_follows_the_environment():
    if settings.BROKER_CONFIGURED:
        assert app.conf.broker_url.startswith("redis://")
    else:
        assert app.conf.broker_url == "memory://"
