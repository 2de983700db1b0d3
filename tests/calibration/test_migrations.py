"""The move of the calibration and report models out of screening keeps every
row: migrate back to the last migrations before the move, fill the old
models (as the migrations knew them) with rows, migrate forward to today's
leaves, and count the rows under the new models. Permissions granted on the
old models and the beat schedules' task names follow them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The leaves of the screening app before the move, and the apps the move made.
BEFORE_THE_MOVE = [
    ("screening", "0010_screening_answers"),
    ("calibration", None),
    ("reports", None),
]
MOVED = {
    "calibration": [
        "CalibrationRun",
        "ReviewerCalibration",
        "CriterionCalibration",
        "ApplicationCalibration",
    ],
    "reports": ["Report", "ReportDelivery", "Reminder"],
}

pytestmark = [
    # Migrations cannot run inside the test's transaction; serialized_rollback
    # restores the rows the migrations made (the role groups, the schedules).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def migrate(targets):
    """Migrate to ``targets`` and return the models as they stand there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    nodes = [t for t in targets if t[1] is not None]
    moved_apps = {t[0] for t in targets}
    nodes += [n for n in executor.loader.graph.leaf_nodes() if n[0] not in moved_apps]
    return executor.loader.project_state(nodes).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def fill_the_old_models(apps) -> dict[str, int]:
    """Two of each moved model, made through the models as screening 0010 had them."""

    def model(name):
        return apps.get_model("screening", name)

    User = apps.get_model("auth", "User")
    posting = apps.get_model("rubrics", "JobPosting").objects.create(
        title="Field technician", raw_text="Must-haves: a driving licence."
    )
    rubric = apps.get_model("rubrics", "Rubric").objects.create(posting=posting, version=1)
    criterion = apps.get_model("rubrics", "Criterion").objects.create(
        rubric=rubric, kind="must_have", title="Licence", weight=100, knockout_level=2
    )
    reviewers = [User.objects.create(username=f"reviewer{i}") for i in range(2)]
    applications = [
        model("Application").objects.create(
            candidate=model("Candidate").objects.create(
                full_name=f"Candidate {i}", email=f"c{i}@example.net"
            ),
            posting=posting,
            rubric=rubric,
        )
        for i in range(2)
    ]
    now = timezone.now()
    for i in range(2):
        run = model("CalibrationRun").objects.create(rubric=rubric, status="succeeded")
        model("ReviewerCalibration").objects.create(
            run=run, reviewer=reviewers[i], n_ratings=3, n_applications=2, mean=2.5
        )
        model("CriterionCalibration").objects.create(run=run, criterion=criterion, n_ratings=6)
        model("ApplicationCalibration").objects.create(
            run=run, application=applications[i], adjusted_score=61.5
        )
        report = model("Report").objects.create(
            posting=posting,
            period_start=now - timezone.timedelta(days=7 * (i + 1)),
            period_end=now - timezone.timedelta(days=7 * i),
            subject=f"Digest {i}",
            html="<p>digest</p>",
            text="digest",
            csv="rank\n",
            calibration_run=run,
        )
        model("ReportDelivery").objects.create(report=report, recipient=f"r{i}@example.net")
        model("Reminder").objects.create(reviewer=reviewers[i], day=now.date())
    return {name: 2 for names in MOVED.values() for name in names}


def test_moving_the_models_out_of_screening_loses_no_row():
    try:
        old = migrate(BEFORE_THE_MOVE)
        expected = fill_the_old_models(old)
        old_tasks = set(
            old.get_model("django_celery_beat", "PeriodicTask").objects.values_list(
                "task", flat=True
            )
        )
        assert old_tasks == {
            "screening.tasks.calibrate_active_rubrics",
            "screening.tasks.send_weekly_digests",
            "screening.tasks.send_overdue_reminders",
        }

        new = migrate(leaves())

        counts = {
            name: new.get_model(app, name).objects.count()
            for app, names in MOVED.items()
            for name in names
        }
        assert counts == expected
        run = new.get_model("calibration", "CalibrationRun").objects.order_by("pk").first()
        assert run.applications.get().adjusted_score == 61.5
        # 0003_rater_diagnostics: runs made before it read as linear runs of one
        # unknown grouping, their rows with no diagnostics.
        assert (run.method, run.groups, run.separation_index) == ("linear", [], None)
        reviewer = run.reviewers.get()
        assert (reviewer.severity_shrunk, reviewer.diagnostic_flags, reviewer.group) == (
            None,
            [],
            None,
        )
        assert run.applications.get().group is None
        report = new.get_model("reports", "Report").objects.order_by("pk").first()
        assert report.calibration_run_id == run.pk
        assert report.deliveries.get().recipient == "r0@example.net"
        assert set(
            new.get_model("django_celery_beat", "PeriodicTask").objects.values_list(
                "task", flat=True
            )
        ) == {
            "calibration.tasks.calibrate_active_rubrics",
            "calibration.tasks.resend_unsent_calibration_runs",
            "reports.tasks.send_weekly_digests",
            "reports.tasks.send_overdue_reminders",
            "screening.tasks.erase_candidates_past_retention",
            "screening.tasks.fold_score_counts",
        }
    finally:
        migrate(leaves())
        ContentType.objects.clear_cache()


def test_permissions_granted_on_the_old_models_follow_them():
    try:
        old = migrate(BEFORE_THE_MOVE)
        Group = old.get_model("auth", "Group")
        before = sorted(
            Group.objects.get(name="Recruiter")
            .permissions.filter(content_type__model__in=["calibrationrun", "report", "reminder"])
            .values_list("content_type__app_label", "codename")
        )
        assert before == [
            ("screening", "delete_report"),
            ("screening", "view_calibrationrun"),
            ("screening", "view_reminder"),
            ("screening", "view_report"),
        ]

        new = migrate(leaves())

        after = sorted(
            new.get_model("auth", "Group")
            .objects.get(name="Recruiter")
            .permissions.filter(content_type__model__in=["calibrationrun", "report", "reminder"])
            .values_list("content_type__app_label", "codename")
        )
        assert after == [
            ("calibration", "view_calibrationrun"),
            ("reports", "delete_report"),
            ("reports", "view_reminder"),
            ("reports", "view_report"),
        ]
        assert not ContentType.objects.filter(
            app_label="screening", model__in=["calibrationrun", "report"]
        ).exists()
    finally:
        migrate(leaves())
        ContentType.objects.clear_cache()
