"""The weekly digest driven by a real `celery beat` (django_celery_beat's
DatabaseScheduler, as deployed) and the real worker, over Redis, on
PostgreSQL: what the unit tests (tasks called directly, one process) cannot
show.

- A PeriodicTask stored in the database every 2 s is picked up by beat and
  sent to the worker, whose `send_weekly_digests` fans out `send_digest` for
  the posting with activity last week: a Report appears.
- Beat keeps firing, the worker keeps running both tasks, and there is still
  one Report for the posting and period, each recipient's copy delivered
  once (a ReportDelivery with sent_at; the worker's locmem outbox lives in
  the worker's process, so the deliveries and the tasks' results stand for
  it).
- The default schedules the migrations create (weekly digest, daily
  reminders, nightly calibration: crontabs) are disabled for the test, and
  beat sends nothing else.

The test commits its data (transaction=True) so beat and the worker see it.
Skipped, with the reason, unless the database is PostgreSQL and a broker is
configured (CI has both)."""

import ast
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from reports.digest import digest_period
from reports.models import Report, ReportDelivery
from screening.models import Application, Scorecard
from tests.factories import (
    ApplicationFactory,
    RecruiterFactory,
    ReviewAssignmentFactory,
    submit_scores,
)
from tests.integration.support import ROOT, celery_env, database_url, integration_skip_reason

_skip_reason = integration_skip_reason()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(_skip_reason is not None, reason=f"integration: {_skip_reason}"),
    # serialized_rollback restores the rows the migrations made (the role
    # groups and the default beat schedules this test disables).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EVERY_SECONDS = 2
REPORT_TIMEOUT = 45  # for the first Report
RUNS = 3  # runs of the weekly task (one per beat) the test waits for
RUNS_TIMEOUT = 15  # for the runs after the first Report
BEAT_STOP_TIMEOUT = 10
DIGEST_TASK = "reports.tasks.send_weekly_digests"
SEND_TASK = "reports.tasks.send_digest"


class Beat:
    """A running `celery beat` subprocess with the DatabaseScheduler, in the
    worker's environment, logging to an artifact file."""

    def __init__(self, *, env: dict[str, str], log_path: Path, run_dir: Path):
        self.env = env
        self.log_path = log_path
        self.run_dir = run_dir
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def sent(self) -> list[tuple[str, str]]:
        """(schedule name, task) of each periodic task beat sent, in order."""
        return re.findall(
            r"Scheduler: Sending due task (.+) \(([\w.]+)\)$", self.log(), flags=re.MULTILINE
        )

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "-l",
            "INFO",
            f"--pidfile={self.run_dir / 'beat.pid'}",
            "-s",
            str(self.run_dir / "celerybeat-schedule"),
        ]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        """SIGTERM (beat syncs its schedule and exits), then SIGKILL if it
        does not end in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=BEAT_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=BEAT_STOP_TIMEOUT)


@pytest.fixture
def beat(celery_worker_process, tmp_path):
    """Start beat with `beat.start()` once the schedules are committed; it is
    stopped after the test and its log kept under TEST_ARTIFACTS_DIR."""
    token = uuid.uuid4().hex[:10]
    process = Beat(
        env=celery_env(
            database_url=database_url(connection.settings_dict),
            cache_prefix=celery_worker_process.cache_prefix,
        ),
        log_path=Path(settings.TEST_ARTIFACTS_DIR) / "integration" / f"beat-{token}.log",
        run_dir=tmp_path,
    )
    try:
        yield process
    finally:
        process.stop()
        print(f"\nCelery beat log: {process.log_path}")


class WorkerLog:
    """The worker's log from now on (the worker serves the whole session)."""

    def __init__(self, worker):
        self.worker = worker
        self.offset = len(worker.log())

    def text(self) -> str:
        return self.worker.log()[self.offset :]

    def results(self, task: str) -> list:
        """The return values of the runs of `task` that succeeded, in order."""
        pattern = rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded in [0-9.]+s: (.+)"
        return [ast.literal_eval(value) for value in re.findall(pattern, self.text())]

    def idle(self) -> bool:
        """Every task received has finished, and each weekly run's digest
        has run: nothing is left in flight for the next test."""
        text = self.text()
        received = len(re.findall(r"Task \S+\[[0-9a-f-]+\] received", text))
        finished = len(re.findall(r"Task \S+\[[0-9a-f-]+\] (?:succeeded|raised|retry)", text))
        return received == finished and len(self.results(SEND_TASK)) == len(
            self.results(DIGEST_TASK)
        )

    def failures(self) -> list[str]:
        return re.findall(r".*Task \S+\[[0-9a-f-]+\] (?:raised|retry).*", self.text())


def wait_for(predicate, *, timeout: float, what: str, beat: Beat, worker_log: WorkerLog):
    """Poll `predicate` until it returns something truthy; fail with both
    logs if beat exits or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        exited = beat.process.poll() is not None
        if exited or time.monotonic() > deadline:
            why = f"beat exited with {beat.process.returncode}" if exited else f"{timeout} s"
            pytest.fail(
                f"Gave up waiting for {what} ({why}).\n"
                f"Beat log ({beat.log_path}):\n{beat.log()[-4000:]}\n"
                f"Worker log ({worker_log.worker.log_path}), from this test:\n"
                f"{worker_log.text()[-4000:]}"
            )
        time.sleep(0.2)


def wait_until_idle(worker_log: WorkerLog, timeout: float = 10) -> None:
    """Once beat has stopped: wait until the worker has run all it was sent
    (idle twice, 0.5 s apart, so a message still in Redis is not missed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker_log.idle():
            time.sleep(0.5)
            if worker_log.idle():
                return
        time.sleep(0.2)
    pytest.fail(
        f"The worker was still busy {timeout} s after beat stopped; its log "
        f"({worker_log.worker.log_path}), from this test:\n{worker_log.text()[-4000:]}"
    )


def posting_with_activity_last_week():
    """A posting with an application opened and a scorecard submitted in the
    digest period (the last full week), and two recruiters with emails."""
    start, _ = digest_period()
    application = ApplicationFactory()
    posting = application.posting
    recruiters = [RecruiterFactory(), RecruiterFactory()]
    posting.recruiters.add(*recruiters)
    assignment = ReviewAssignmentFactory(application=application)
    criteria = application.rubric.criteria.order_by("order", "id")
    submit_scores(assignment, dict.fromkeys(criteria, 3))
    Application.objects.filter(pk=application.pk).update(created_at=start + timedelta(days=1))
    Scorecard.objects.filter(assignment=assignment).update(submitted_at=start + timedelta(days=2))
    return posting, sorted(r.email for r in recruiters)


def test_beat_and_worker_store_one_digest_and_send_it_once_per_recipient(
    celery_worker_process, beat
):
    posting, emails = posting_with_activity_last_week()
    period_start, period_end = digest_period()

    # Only this schedule: the migrations' crontabs are switched off.
    defaults = PeriodicTask.objects.filter(enabled=True)
    assert set(defaults.values_list("task", flat=True)) >= {
        "reports.tasks.send_weekly_digests",
        "reports.tasks.send_overdue_reminders",
        "calibration.tasks.calibrate_active_rubrics",
    }
    defaults.update(enabled=False)
    every, _ = IntervalSchedule.objects.get_or_create(
        every=EVERY_SECONDS, period=IntervalSchedule.SECONDS
    )
    schedule = PeriodicTask.objects.create(
        name=f"Digest every {EVERY_SECONDS} s (integration test)",
        task=DIGEST_TASK,
        interval=every,
        queue=celery_worker_process.queue,
    )
    PeriodicTasks.update_changed()  # as the admin's bulk actions do

    worker_log = WorkerLog(celery_worker_process)
    beat.start()
    report = wait_for(
        lambda: Report.objects.filter(posting=posting).first(),
        timeout=REPORT_TIMEOUT,
        what="the beat-driven digest to store a Report",
        beat=beat,
        worker_log=worker_log,
    )
    # More beats: each runs the weekly task and a digest of the posting again.
    wait_for(
        lambda: len(worker_log.results(SEND_TASK)) >= RUNS,
        timeout=RUNS_TIMEOUT,
        what=f"{RUNS} runs of send_digest",
        beat=beat,
        worker_log=worker_log,
    )
    beat.stop()
    assert beat.process.returncode == 0, beat.log()[-4000:]
    wait_until_idle(worker_log)

    # Beat sent our schedule, several times, and nothing else; each beat ran
    # the weekly task once (the last one may have been cut short by SIGTERM
    # between logging it and sending it).
    sent = beat.sent()
    assert set(sent) == {(schedule.name, DIGEST_TASK)}
    assert worker_log.failures() == []
    weekly = worker_log.results(DIGEST_TASK)
    assert RUNS <= len(weekly) <= len(sent)
    assert set(weekly) == {1}  # one posting with activity, every time

    # One Report for the posting and period, however many beats.
    reports = Report.objects.filter(posting=posting)
    assert [r.pk for r in reports] == [report.pk]
    report.refresh_from_db()
    assert report.kind == Report.Kind.WEEKLY_DIGEST
    assert (report.period_start, report.period_end) == (period_start, period_end)
    assert report.recipients == emails
    assert report.sent_at is not None

    # Sent once per recipient: by the first digest run; the later ones found
    # the report and every copy delivered, and sent nothing.
    deliveries = ReportDelivery.objects.filter(report=report).order_by("recipient")
    assert [d.recipient for d in deliveries] == emails
    assert all(d.sent_at is not None for d in deliveries)
    results = worker_log.results(SEND_TASK)
    assert len(results) == len(weekly)
    assert results[0] == {"report_id": report.pk, "sent": len(emails)}
    assert all(r == {"report_id": report.pk, "sent": 0} for r in results[1:])
