#!/usr/bin/env python
"""Benchmark of a calibration run (calibration.services.calibration_run).

    .venv/bin/python benchmarks/calibration.py [--applications 20000 | --ratings 1000000]
                                               [--reviewers 3] [--pool 200] [--criteria 16]
                                               [--runs 3] [--profile] [--stored-scores]
                                               [--threads]

Builds a throwaway database (a uniquely named PostgreSQL database on the
server of DATABASE_URL, or a temporary SQLite file without it; made,
migrated and dropped with Django's test-database machinery, so the
developer's own data is never read or written), fills it with bulk inserts
(PostgreSQL: COPY FROM STDIN; SQLite: executemany) — by default 20,000
applications × 3 reviewers drawn from a pool of 200 × 16 criteria, about a
million ratings, from reviewers of known severity — then measures, in a
fresh child process (so its peak memory is the run's, not the build's):

- the floor: `calibration.data.fetch_ratings(rubric_id=...)`, the
  rubric's ratings from the database into numpy arrays (on PostgreSQL the
  packed read, on two connections);
- on PostgreSQL, the COPY floor: `calibration.data.copy_columns(...)`, the
  same rows read with `COPY (…) TO STDOUT (FORMAT binary)` into numpy arrays
  as they come off the wire, nothing else: what the database delivers them
  in through its bulk export, issue 15's reference;
- the task: `calibration_run(rubric_id=...)` (fetch + compute + store), with
  its breakdown (the fetch, compute and store calls inside the real run are
  timed by wrapping them; nothing in the source is changed);
- best of --runs after one warm-up, the ratios task / floor and task / COPY
  floor (best runs; medians beside them), and peak memory:
  the child's peak RSS (VmHWM) and the tracemalloc peak of one more run;
- how well the stored severities recover the true ones (correlation).

--stored-scores also builds the applications' stored score rows
(``screening.scores.rebuild_application_scores``), as a live database has
them: a run then rewrites each application's adjusted score on its row.
--threads runs the rater-effects fit and the kappas in a second thread beside
the other statistics (``calibration.compute.SECOND_THREAD``, off by default).

Targets: task / COPY floor <= 1.5 (PostgreSQL), task / floor < 2, task < 30 s,
peak < 600 MB. --profile prints a cProfile
of one run (by own time and by cumulative time).
"""

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 2.0
TARGET_COPY_RATIO = 1.5
TARGET_TASK_SECONDS = 30.0
TARGET_PEAK_MB = 600.0
COPY_CHUNK_ROWS = 100_000
SUBMISSION_SPAN_DAYS = 120
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument(
        "--ratings",
        type=int,
        help="about this many ratings: sets --applications from --reviewers, --criteria "
        "and --no-evidence",
    )
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers per application")
    parser.add_argument("--pool", type=int, default=200, help="reviewers in the pool")
    parser.add_argument("--criteria", type=int, default=16, help="criteria on the rubric")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each measurement")
    parser.add_argument(
        "--no-evidence",
        type=float,
        default=0.25,
        help="share of bonus criteria left unscored (no evidence); 0 gives every cell",
    )
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--profile", action="store_true", help="cProfile one task run")
    parser.add_argument(
        "--stored-scores",
        action="store_true",
        help="also build the applications' stored score rows, which a run updates",
    )
    parser.add_argument(
        "--threads",
        action="store_true",
        help="fit the rater effects in a second thread beside the other statistics",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        help="threads of the BLAS/OpenMP pools in the measuring process (default: the "
        "library's own choice, one per core)",
    )
    # Internal: the measuring child process.
    parser.add_argument("--measure-in", help=argparse.SUPPRESS)
    parser.add_argument("--rubric", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ratings and not args.measure_in:
        per_card = args.criteria - (args.criteria // 4) * args.no_evidence  # _world: 1/4 bonus
        args.applications = math.ceil(args.ratings / (args.reviewers * per_card))
    if args.applications < 1 or args.criteria < 2 or args.runs < 1:
        parser.error("--applications and --runs must be at least 1, --criteria at least 2")
    if not 2 <= args.reviewers <= args.pool:
        parser.error("--reviewers must lie between 2 and --pool")
    return args


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings

    # Time without the debug cursor (DEBUG is on in local settings), and keep
    # the run's work in this process.
    settings.DEBUG = False
    settings.CALIBRATION_ON_SUBMIT = False


def throwaway_database():
    """Point the default database's test settings at a new, unique name and
    create it (migrated) the way the test runner does."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    db = settings.DATABASES["default"]
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="calibration-bench-")
        name = str(Path(tmpdir) / "bench.sqlite3")
    else:
        name = f"bench_calibration_{uuid.uuid4().hex[:12]}"
    db.setdefault("TEST", {})["NAME"] = name
    old_config = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )
    return old_config, tmpdir


def drop_throwaway_database(old_config, tmpdir):
    from django.db import connections
    from django.test.utils import teardown_databases

    connections.close_all()
    teardown_databases(old_config, verbosity=0)
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


# --- Bulk inserts ---------------------------------------------------------------


def _utc_text(seconds: np.ndarray, vendor: str) -> np.ndarray:
    """POSIX seconds → timestamps as the database takes them in text."""
    text = (
        (np.round(np.asarray(seconds, dtype=np.float64) * 1e6))
        .astype("datetime64[us]")
        .astype(str)
        .astype(object)
    )
    if vendor == "postgresql":
        return text + "+00:00"
    return np.char.replace(text.astype(str), "T", " ").astype(object)  # Django's SQLite form


def bulk_insert(model, n: int, values: dict, *, now: float) -> None:
    """Insert `n` rows into `model`'s table with COPY (PostgreSQL) or
    executemany (SQLite). `values` maps attnames to a scalar or a length-n
    array; None / NaN is NULL. Other columns take the field's default (auto_now
    fields: `now`), or NULL when nullable; anything else is an error, so a
    field added to the model later is noticed here rather than mis-filled."""
    from django.db import connection, models

    vendor = connection.vendor
    columns, data = [], []
    for f in model._meta.concrete_fields:
        if f.attname in values:
            v = values[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            v = _utc_text(np.array([now]), vendor)[0]
        elif f.has_default() or (f.blank and not f.null and f.empty_strings_allowed):
            v = f.get_default()  # a blank text field without a default: ""
            if isinstance(f, models.JSONField):
                v = json.dumps(v)
            elif isinstance(v, bool):
                v = int(v)
        elif f.null:
            v = None
        else:
            raise ValueError(f"{model.__name__}.{f.name} needs a value in the benchmark")
        if isinstance(v, np.ndarray):
            if v.shape != (n,):
                raise ValueError(f"{model.__name__}.{f.attname}: {v.shape} values for {n} rows")
            if v.dtype.kind == "f":
                text = np.where(np.isnan(v), None, np.nan_to_num(v).astype(np.int64).astype(str))
            else:
                text = v.astype(str)
            column = text.astype(object)
        else:
            column = np.full(n, None if v is None else str(v), dtype=object)
        columns.append(f.column)
        data.append(column)

    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            for column in data:
                column[column == None] = r"\N"  # noqa: E711 (element-wise)
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for start in range(0, n, COPY_CHUNK_ROWS):
                    chunk = [c[start : start + COPY_CHUNK_ROWS] for c in data]
                    lines = "\n".join(map("\t".join, zip(*chunk, strict=True)))
                    copy.write(lines + "\n")
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            for start in range(0, n, COPY_CHUNK_ROWS):
                chunk = [c[start : start + COPY_CHUNK_ROWS] for c in data]
                cursor.executemany(sql, list(zip(*chunk, strict=True)))


def next_ids(model, n: int) -> np.ndarray:
    from django.db.models import Max

    start = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    return np.arange(start, start + n, dtype=np.int64)


def reset_sequences(models_) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def build(args) -> tuple[int, dict[int, float], int]:
    """The world. Returns (rubric id, {reviewer id: true severity}, ratings)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from rubrics.models import Criterion
    from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard

    rng = np.random.default_rng(args.seed)
    from _world import people, published_rubric

    now_dt = timezone.now()
    now = now_dt.timestamp()
    scale_max = 4
    n_apps, per, n_crit = args.applications, args.reviewers, args.criteria
    vendor = connection.vendor

    with transaction.atomic():
        recruiter, reviewers = people(args.pool)
        reviewer_ids = np.array([u.pk for u in reviewers], dtype=np.int64)
        severity = rng.normal(0.0, 0.4, size=args.pool)  # + lenient, − severe
        posting, rubric, criteria = published_rubric(
            recruiter=recruiter, n_criteria=n_crit, scale_max=scale_max, published_at=now_dt
        )
        criterion_ids = np.array([c.pk for c in criteria], dtype=np.int64)
        is_bonus = np.array([c.kind == Criterion.Kind.BONUS for c in criteria])
        difficulty = rng.normal(0.0, 0.3, size=n_crit)

        # Candidates and applications.
        idx = np.arange(n_apps)
        candidate_ids = next_ids(Candidate, n_apps)
        bulk_insert(
            Candidate,
            n_apps,
            {
                "id": candidate_ids,
                "full_name": np.char.add("Candidate ", idx.astype(str)).astype(object),
                "email": np.char.add(
                    np.char.add("candidate", idx.astype(str)), "@bench.example"
                ).astype(object),
            },
            now=now,
        )
        app_ids = next_ids(Application, n_apps)
        bulk_insert(
            Application,
            n_apps,
            {
                "id": app_ids,
                "candidate_id": candidate_ids,
                "posting_id": posting.pk,
                "rubric_id": rubric.pk,
                "stage": Application.Stage.SCREENING.value,
                "created_by_id": recruiter.pk,
            },
            now=now,
        )
        quality = rng.uniform(1.2, scale_max - 0.1, size=n_apps)

        # Each application: `per` distinct reviewers from the pool.
        picks = np.argsort(rng.random((n_apps, args.pool)), axis=1)[:, :per]
        n_cards = n_apps * per
        card_app = np.repeat(idx, per)
        card_rev = picks.reshape(-1)
        assignment_ids = next_ids(ReviewAssignment, n_cards)
        bulk_insert(
            ReviewAssignment,
            n_cards,
            {
                "id": assignment_ids,
                "application_id": app_ids[card_app],
                "reviewer_id": reviewer_ids[card_rev],
                "assigned_by_id": recruiter.pk,
            },
            now=now,
        )
        submitted = now - rng.uniform(0, SUBMISSION_SPAN_DAYS * 86400, size=n_cards)
        card_ids = next_ids(Scorecard, n_cards)
        bulk_insert(
            Scorecard,
            n_cards,
            {
                "id": card_ids,
                "assignment_id": assignment_ids,
                "application_id": app_ids[card_app],
                "status": Scorecard.Status.SUBMITTED.value,
                "recommendation": np.clip(np.rint(quality[card_app]), 1, 4).astype(np.int64),
                "source": Scorecard.Source.REVIEW.value,
                "submitted_at": _utc_text(submitted, vendor),
            },
            now=now,
        )

        # Ratings: quality + criterion difficulty + reviewer severity + noise.
        n_scores = n_cards * n_crit
        score_card = np.repeat(np.arange(n_cards), n_crit)
        score_crit = np.tile(np.arange(n_crit), n_cards)
        raw = (
            quality[card_app][score_card]
            + difficulty[score_crit]
            + severity[card_rev][score_card]
            + rng.normal(0.0, 0.5, size=n_scores)
        )
        level = np.clip(np.rint(raw), 1, scale_max)
        missing = is_bonus[score_crit] & (rng.random(n_scores) < args.no_evidence)
        level[missing] = np.nan
        bulk_insert(
            CriterionScore,
            n_scores,
            {
                "id": next_ids(CriterionScore, n_scores),
                "scorecard_id": card_ids[score_card],
                "criterion_id": criterion_ids[score_crit],
                "value": level,
            },
            now=now,
        )
        reset_sequences([Candidate, Application, ReviewAssignment, Scorecard, CriterionScore])
    truth = dict(zip(reviewer_ids.tolist(), severity.tolist(), strict=True))
    return rubric.pk, truth, int((~missing).sum())


# --- Measuring (in a child process) ----------------------------------------------


def _peak_rss_mb() -> float:
    """This process's peak resident memory. Linux: VmHWM, the high-water mark
    of this program's memory since it started (ru_maxrss is no good in a
    child: Linux carries the parent's figure over fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Elsewhere ru_maxrss: kilobytes, or bytes on macOS.
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(args) -> dict:
    """In the child: time the floor and the task on the built database."""
    from django.db import connection

    from calibration import services
    from calibration.compute import compute_calibration
    from calibration.data import copy_columns, fetch_ratings
    from calibration.models import CalibrationRun

    rubric_id = args.rubric
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    baseline_mb = _peak_rss_mb()

    # Time the phases inside the real run by wrapping what it calls.
    phases: dict[str, float] = {}

    def timing(name, fn):
        def wrapper(*a, **kw):
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    if args.threads:
        from calibration import compute

        compute.SECOND_THREAD = True
    services.fetch_ratings = timing("fetch", services.fetch_ratings)
    services.compute_calibration = timing("compute", services.compute_calibration)
    services._store = timing("store", services._store)

    def floor():
        return fetch_ratings(rubric_id=rubric_id)

    def copy_floor():
        return copy_columns(rubric_id=rubric_id)

    def task():
        phases.clear()
        run = services.calibration_run(rubric_id=rubric_id)
        assert run.status == CalibrationRun.Status.SUCCEEDED, (run.status, run.error)
        return run

    ratings = floor()  # warm-up
    run = task()  # warm-up
    has_copy = connection.vendor == "postgresql"
    if has_copy:
        copy_floor()  # warm-up
    # The floors and the task in turn, so that each ratio compares runs made
    # under the same load (other jobs share the machine).
    floor_times, copy_times, task_times, breakdowns = [], [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        floor()
        floor_times.append(time.perf_counter() - start)
        if has_copy:
            start = time.perf_counter()
            copy_floor()
            copy_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        run = task()
        task_times.append(time.perf_counter() - start)
        breakdowns.append(dict(phases))
    best = int(np.argmin(task_times))

    from rubrics.models import Rubric

    rubric = Rubric.objects.get(pk=rubric_id)
    criteria = list(rubric.criteria.order_by("order", "id"))
    compute_times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        compute_calibration(ratings=ratings, criteria=criteria, scale_max=rubric.scale_max)
        compute_times.append(time.perf_counter() - start)
    compute_parts = compute_breakdown(ratings, criteria, rubric.scale_max)
    rss_peak_mb = _peak_rss_mb()

    # One more run under tracemalloc (slower, so not timed): the peak of
    # Python and numpy allocations during the task.
    tracemalloc.start()
    task()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    profile_text = ""
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        task()
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(30)
        profile_text = out.getvalue()

    return {
        "ratings": len(ratings),
        "run_id": run.pk,
        "n_ratings_stored": run.n_ratings,
        "n_applications": run.n_applications,
        "n_reviewers": run.n_reviewers,
        "floor": floor_times,
        "copy": copy_times,
        "task": task_times,
        "breakdown": breakdowns[best],
        "compute": compute_times,
        "compute_parts": compute_parts,
        "baseline_mb": baseline_mb,
        "rss_peak_mb": rss_peak_mb,
        "traced_peak_mb": traced_peak / (1024 * 1024),
        "agreement": run.agreement,
        "profile": profile_text,
    }


COMPUTE_PARTS = {
    "stats": (
        "agreement_report",
        "pairwise_cohen_kappa",
        "fit_rater_effects",
        "criterion_summaries",
        "calibration_flags",
        "consensus_agreement",
        "severity_drift",
    ),
    "compute": (
        "rater_effects",
        "pairwise_kappa_summary",
        "_reviewers",
        "_criteria",
        "adjusted_scores",
    ),
}


def compute_breakdown(ratings, criteria, scale_max: int) -> dict[str, float]:
    """Seconds in each statistic that compute_calibration calls, in one call
    (the functions are wrapped for it and put back; a statistic called from
    inside another counts in the outer one only). The call runs in one thread,
    so that each statistic's own time is measured: the sum is the compute's
    CPU time, not its time with the fit beside the other statistics."""
    from calibration import compute, stats

    modules = {"stats": stats, "compute": compute}
    parts: dict[str, float] = {}
    depth = [0]
    saved = []

    def timing(name, fn):
        def wrapper(*a, **kw):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    parts[name] = parts.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    saved.append((compute, "SECOND_THREAD", compute.SECOND_THREAD))
    compute.SECOND_THREAD = False
    for module_name, names in COMPUTE_PARTS.items():
        module = modules[module_name]
        for name in names:
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, timing(name, getattr(module, name)))
    try:
        start = time.perf_counter()
        compute.compute_calibration(ratings=ratings, criteria=criteria, scale_max=scale_max)
        total = time.perf_counter() - start
    finally:
        for module, name, fn in saved:
            setattr(module, name, fn)
    parts["rest"] = total - sum(parts.values())
    return dict(sorted(parts.items(), key=lambda item: -item[1]))


def child_main(args) -> int:
    setup_django()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = args.measure_in
    result = measure(args)
    Path(args.out).write_text(json.dumps(result))
    return 0


def measure_in_child(args, database_name: str, rubric_id: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="calibration-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--measure-in",
            database_name,
            "--rubric",
            str(rubric_id),
            "--out",
            str(out),
            "--runs",
            str(args.runs),
            *(["--profile"] if args.profile else []),
            *(["--threads"] if args.threads else []),
        ]
        env = dict(os.environ)
        if args.blas_threads:
            for name in BLAS_THREAD_VARIABLES:
                env[name] = str(args.blas_threads)
        subprocess.run(command, check=True, cwd=ROOT, env=env)
        return json.loads(out.read_text())


# --- Report -------------------------------------------------------------------------


def recovery(run_id: int, truth: dict[int, float]) -> dict:
    """How well the stored severities recover the true ones."""
    from calibration.models import ReviewerCalibration

    rows = list(
        ReviewerCalibration.objects.filter(run_id=run_id, severity__isnull=False).values_list(
            "reviewer_id", "severity", "severity_se"
        )
    )
    est = np.array([s for _, s, _ in rows])
    true = np.array([truth[r] for r, _, _ in rows])
    ses = np.array([se for *_, se in rows if se is not None])
    centred = (est - est.mean()) - (true - true.mean())
    return {
        "reviewers": len(rows),
        "correlation": float(np.corrcoef(est, true)[0, 1]) if len(rows) > 1 else math.nan,
        "rmse": float(np.sqrt(np.mean(centred**2))) if len(rows) else math.nan,
        "median_se": float(np.median(ses)) if ses.size else math.nan,
    }


def report(args, vendor: str, build_seconds: float, expected: int, r: dict, rec: dict) -> bool:
    floor, task = min(r["floor"]), min(r["task"])
    ratio = task / floor
    copy = min(r["copy"]) if r["copy"] else None
    copy_ratio = task / copy if copy else None
    peak = r["rss_peak_mb"]
    b = r["breakdown"]
    other = task - sum(b.values())
    rows = [
        ("database", vendor),
        ("applications", f"{args.applications:,}"),
        ("ratings", f"{r['ratings']:,}"),
        ("build s", f"{build_seconds:.1f}"),
        ("COPY s", f"{copy:.3f}" if copy else "-"),
        ("floor s", f"{floor:.3f}"),
        ("task s", f"{task:.3f}"),
        ("task/COPY", f"{copy_ratio:.2f}" if copy else "-"),
        ("task/floor", f"{ratio:.2f}"),
        ("peak MB", f"{peak:.0f}"),
        ("BLAS threads", str(args.blas_threads or "default")),
        ("stored scores", "yes" if args.stored_scores else "no"),
        ("compute", "2 threads" if args.threads else "1 thread"),
    ]
    widths = [max(len(h), len(v)) for h, v in rows]
    print()
    print("  ".join(h.rjust(w) for (h, _), w in zip(rows, widths, strict=True)))
    print("  ".join(v.rjust(w) for (_, v), w in zip(rows, widths, strict=True)))
    print()
    print(
        f"task breakdown (best run): fetch {b.get('fetch', 0):.3f} s · compute "
        f"{b.get('compute', 0):.3f} s · store {b.get('store', 0):.3f} s · other "
        f"(claim, progress updates) {other:.3f} s"
    )
    print(
        f"compute_calibration alone on the fetched arrays: best {min(r['compute']):.3f} s, "
        f"median {statistics.median(r['compute']):.3f} s"
    )
    print(
        "compute breakdown (one call): "
        + " · ".join(f"{name} {seconds:.3f}" for name, seconds in r["compute_parts"].items())
    )
    print(
        f"floor runs: {', '.join(f'{t:.3f}' for t in r['floor'])} s; "
        + (f"COPY floor runs: {', '.join(f'{t:.3f}' for t in r['copy'])} s; " if copy else "")
        + f"task runs: {', '.join(f'{t:.3f}' for t in r['task'])} s"
    )
    if copy:
        print(
            f"medians: COPY {statistics.median(r['copy']):.3f} s, floor "
            f"{statistics.median(r['floor']):.3f} s, task {statistics.median(r['task']):.3f} s; "
            f"task/COPY of the medians "
            f"{statistics.median(r['task']) / statistics.median(r['copy']):.2f}"
        )
    print(
        f"memory: peak RSS {peak:.0f} MB (of which {r['baseline_mb']:.0f} MB before the first "
        f"fetch: Python, Django, numpy); tracemalloc peak of one task {r['traced_peak_mb']:.0f} MB"
    )
    print(
        f"stored run: {r['n_ratings_stored']:,} ratings, {r['n_applications']:,} applications, "
        f"{r['n_reviewers']} reviewers; rubric alpha (interval) "
        f"{_alpha(r['agreement'])}"
    )
    print(
        f"severity recovery: correlation {rec['correlation']:.4f} with the truth over "
        f"{rec['reviewers']} reviewers; RMSE {rec['rmse']:.4f} scale points (both centred); "
        f"median SE {rec['median_se']:.4f}"
    )
    checks = [
        ("ratings fetched == ratings built", r["ratings"] == expected == r["n_ratings_stored"]),
        *(
            [(f"task/COPY <= {TARGET_COPY_RATIO:g}", copy_ratio <= TARGET_COPY_RATIO)]
            if copy
            else []
        ),
        (f"task/floor < {TARGET_RATIO:g}", ratio < TARGET_RATIO),
        (f"task < {TARGET_TASK_SECONDS:g} s", task < TARGET_TASK_SECONDS),
        (f"peak < {TARGET_PEAK_MB:g} MB", peak < TARGET_PEAK_MB),
    ]
    print("targets: " + " · ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks))
    print(
        f"(best of {args.runs} runs after a warm-up, in a fresh process; COPY = copy_columns, "
        "the binary COPY of the fetch's rows into numpy arrays; floor = fetch_ratings; "
        "task = calibration_run: fetch + compute + store)"
    )
    if r["profile"]:
        print("\ncProfile of one task run:\n" + r["profile"])
    return all(ok for _, ok in checks)


def _alpha(agreement: dict):
    alpha = agreement.get("krippendorff_alpha") if isinstance(agreement, dict) else None
    if isinstance(alpha, dict):
        value = alpha.get("interval")
        return f"{value:.4f}" if isinstance(value, float) else value
    return alpha


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.measure_in:
        return child_main(args)
    setup_django()
    from django.db import connection

    old_config, tmpdir = throwaway_database()
    try:
        name = connection.settings_dict["NAME"]
        vendor = f"{connection.vendor} ({name})"
        print(
            f"Building in {vendor}: {args.applications:,} applications × {args.reviewers} "
            f"reviewers (pool of {args.pool}) × {args.criteria} criteria…",
            flush=True,
        )
        start = time.perf_counter()
        rubric_id, truth, expected = build(args)
        if args.stored_scores:
            from rubrics.models import Rubric
            from screening.scores import rebuild_application_scores

            posting_id = Rubric.objects.get(pk=rubric_id).posting_id
            rows = rebuild_application_scores(posting_id=posting_id)
            print(f"Built {rows:,} stored score rows.", flush=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        build_seconds = time.perf_counter() - start
        print(f"Built {expected:,} ratings in {build_seconds:.1f} s; measuring…", flush=True)
        connection.close()
        result = measure_in_child(args, name, rubric_id)
        ok = report(
            args,
            connection.vendor,
            build_seconds,
            expected,
            result,
            recovery(result["run_id"], truth),
        )
    finally:
        drop_throwaway_database(old_config, tmpdir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
