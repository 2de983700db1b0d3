#!/usr/bin/env python
"""Load benchmark: concurrent reviewers submitting scorecards through the API.

    DATABASE_URL=postgres://rubrics:rubrics@127.0.0.1:5432/rubrics \\
        .venv/bin/python benchmarks/load.py [--reviewers 16] [--assignments 150]
                                            [--duration 30] [--workers 2] [--threads 8]

Builds a throwaway PostgreSQL database (Django's test-database machinery, a
new name, so the role needs CREATEDB), migrates it, fills it (a posting with a
published rubric; each application assigned to three of the reviewers, each
assignment with a draft scorecard whose must-haves are already scored; one
knox API token per reviewer), then starts, on loopback ports of their own:

- redis-server (no persistence) as broker and cache;
- a Celery worker consuming every queue, so that the calibration debounce of
  the submissions really queues and runs calibrations;
- gunicorn serving the site with the production settings
  (benchmarks/_load_site.py) plus one bare view that inserts one row.

Then drives --reviewers concurrent clients (threads, http.client, keep-alive
where the server allows it) twice, each phase bounded by count
(--assignments requests per client) and by time (--duration seconds):

- bare: ``POST /bench/bare/`` with the same JSON body a submission carries;
- submit: ``POST /api/v1/scorecards/{id}/submit/`` as the reviewer (token),
  one per assignment: a complete scorecard (every criterion's level and
  note, the recommendation and a summary) sent with the submit itself, over
  the draft written before. One "submission" is one such request.

Prints throughput (requests/s) and p50/p99 latency of both, the ratio of the
throughputs, the servers' CPU time per request in each phase (from /proc: it
moves much less than throughput with what else the machine runs), then checks
in the database that every submission answered 200
is stored once and only once, and every bare row likewise. Everything it
started (gunicorn, the worker, redis-server) and the database are removed at
exit, on error and on Ctrl-C too.
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

REVIEWERS_PER_APPLICATION = 3
START_TIMEOUT = 60
STOP_TIMEOUT = 15
TARGET_RATIO = 0.5
TARGET_P99 = 0.150


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviewers", type=int, default=16, help="concurrent reviewers")
    parser.add_argument(
        "--assignments", type=int, default=150, help="submissions (and bare requests) per reviewer"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase, at most")
    parser.add_argument("--criteria", type=int, default=10, help="criteria on the rubric")
    # Four sync processes for two cores, as config/gunicorn.py runs the image: on an idle
    # machine they gave 114 submissions/s, p99 240 ms, where 2 processes × 8 threads
    # (gthread) gave 77/s, p99 440 ms (a submission is CPU-bound; eight threads of one
    # process queue for its interpreter lock). On a loaded machine gthread came out
    # ahead (benchmarks/README.md): --workers 2 --threads 8 measures it.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (>1: gthread)"
    )
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="DATABASE_CONN_MAX_AGE of the server"
    )
    parser.add_argument(
        "--debounce", type=int, default=5, help="CALIBRATION_DEBOUNCE_SECONDS of the server"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="time the parts of the submit path in the server (CPU and wall) and print them",
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the servers' logs (their folder is printed)"
    )
    args = parser.parse_args(argv)
    if args.reviewers < REVIEWERS_PER_APPLICATION:
        parser.error(f"--reviewers must be at least {REVIEWERS_PER_APPLICATION}")
    if args.assignments < 1 or args.criteria < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--assignments, --criteria, --workers and --threads must be at least 1")
    return args


# --- The database -------------------------------------------------------------


def setup_django():
    # The building process runs tasks eagerly and uses no Redis; the servers get theirs.
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    import django

    django.setup()


def throwaway_database(stack: contextlib.ExitStack) -> str:
    """Create and migrate a uniquely named database; its URL. Dropped at exit."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor != "postgresql":
        raise SystemExit(
            "load.py needs PostgreSQL: set DATABASE_URL=postgres://… (the role needs CREATEDB)."
        )
    name = f"bench_load_{uuid.uuid4().hex[:12]}"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = name
    old_config = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )
    stack.callback(teardown_databases, old_config, verbosity=0)
    d = connection.settings_dict
    from urllib.parse import quote

    credentials = quote(d["USER"] or "", safe="")
    if d.get("PASSWORD"):
        credentials += ":" + quote(d["PASSWORD"], safe="")
    host = d.get("HOST") or "localhost"
    port = f":{d['PORT']}" if d.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{d['NAME']}"


def build(args) -> dict:
    """The world, with bulk inserts. Returns what the clients and the checks need."""
    from _load_urls import create_bare_table
    from _world import people, published_rubric
    from django.db import transaction
    from django.utils import timezone
    from knox.models import AuthToken

    from rubrics.models import Criterion
    from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard
    from screening.scores import rebuild_application_scores

    rng = random.Random(args.seed)
    n_reviewers = args.reviewers
    # Each application has three reviewers; each reviewer --assignments applications.
    n_applications = -(-n_reviewers * args.assignments // REVIEWERS_PER_APPLICATION)
    with transaction.atomic():
        recruiter, reviewers = people(n_reviewers)
        posting, rubric, criteria = published_rubric(
            recruiter=recruiter,
            n_criteria=args.criteria,
            scale_max=4,
            published_at=timezone.now(),
        )
        candidates = Candidate.objects.bulk_create(
            Candidate(full_name=f"Candidate {i:05d}", email=f"candidate{i}@load.example")
            for i in range(n_applications)
        )
        applications = Application.objects.bulk_create(
            Application(candidate=c, posting=posting, rubric=rubric, created_by=recruiter)
            for c in candidates
        )
        # Application i goes to reviewers 3i, 3i+1, 3i+2 (mod R): every reviewer gets the
        # same share, and the three reviewers of an application reach it at about the same
        # time, as when a panel works through a shortlist.
        pairs = []
        load = dict.fromkeys(range(n_reviewers), 0)
        for i, application in enumerate(applications):
            chosen = {(REVIEWERS_PER_APPLICATION * i + j) % n_reviewers for j in range(3)}
            for r in sorted(chosen):
                if load[r] < args.assignments:
                    load[r] += 1
                    pairs.append((application, reviewers[r]))
        assignments = ReviewAssignment.objects.bulk_create(
            ReviewAssignment(application=a, reviewer=r, assigned_by=recruiter) for a, r in pairs
        )
        cards = Scorecard.objects.bulk_create(
            Scorecard(assignment=a, application_id=a.application_id) for a in assignments
        )
        # The drafts: must-haves scored, bonuses not yet.
        CriterionScore.objects.bulk_create(
            CriterionScore(scorecard=card, criterion=c, value=rng.randint(1, 4), note="Draft.")
            for card in cards
            for c in criteria
            if c.kind == Criterion.Kind.MUST_HAVE
        )
        tokens = {r.pk: AuthToken.objects.create(user=r)[1] for r in reviewers}
        # The stored ranking rows, which every application opened through the service or an
        # import has from the start (bulk_create sends no signal).
        rebuild_application_scores(posting_id=posting.pk)
    create_bare_table()
    work = {r.pk: [] for r in reviewers}
    for assignment, card in zip(assignments, cards, strict=True):
        work[assignment.reviewer_id].append(card.pk)
    clients = [
        {"name": r.username, "token": tokens[r.pk], "scorecards": work[r.pk]} for r in reviewers
    ]
    return {
        "rubric_id": rubric.pk,
        "criteria": [c.pk for c in criteria],
        "clients": clients,
        "applications": n_applications,
    }


# --- The servers ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child in a session of its own (a Ctrl-C reaches only this script,
    which stops the children in order), logging to a file."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.popen.returncode}; its log:\n{self.log()[-4000:]}"
            )

    def stop(self) -> None:
        """SIGTERM to its process group (gunicorn's and Celery's children too),
        then SIGKILL if it is still there after STOP_TIMEOUT."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT)
        # Leftover children of the group (a worker's pool) go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def wait_until(ready, *, process: Process, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.check_alive()
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready within {timeout} s; log:\n{process.log()[-4000:]}")


def start_redis(stack, log_dir: Path) -> tuple[str, Process]:
    import redis

    port = free_port()
    process = Process(
        "redis",
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        env=dict(os.environ),
        log_dir=log_dir,
    )
    stack.callback(process.stop)
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: redis.Redis.from_url(url).ping(), process=process, what="redis-server")
    return url, process


def server_env(args, *, database_url: str, redis_url: str, site_port: int, log_dir: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="_load_site",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE)]),
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE=str(args.conn_max_age),
        REDIS_URL=redis_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        SITE_URL=f"http://127.0.0.1:{site_port}",
        CALIBRATION_ON_SUBMIT="true",
        CALIBRATION_DEBOUNCE_SECONDS=str(args.debounce),
        PYTHONUNBUFFERED="1",
    )
    if args.profile:
        (log_dir / "profile").mkdir(exist_ok=True)
        env["LOAD_PROFILE_DIR"] = str(log_dir / "profile")
    return env


def print_profile(log_dir: Path) -> None:
    """Each part of the submit path (benchmarks/_load_wsgi.py PARTS), summed over
    the server processes: calls, CPU and wall milliseconds per submit request."""
    from _load_wsgi import PARTS, WHOLE

    totals: dict[str, list] = {}
    for path in (log_dir / "profile").glob("*.json"):
        for label, (calls, cpu, wall) in json.loads(path.read_text()).items():
            entry = totals.setdefault(label, [0, 0.0, 0.0])
            entry[0] += calls
            entry[1] += cpu
            entry[2] += wall
    requests = totals.get(WHOLE, [0])[0]
    if not requests:
        print("profile: no submit request was timed")
        return
    print(f"\nWhere a submit request's time goes ({requests} requests timed in the server):")
    print(f"  {'part':<40} {'calls':>6} {'CPU ms':>8} {'wall ms':>8}")
    for label in [WHOLE, *(part[0] for part in PARTS)]:
        calls, cpu, wall = totals.get(label, [0, 0.0, 0.0])
        print(
            f"  {label:<40} {calls / requests:6.1f} {cpu / requests * 1000:8.2f} "
            f"{wall / requests * 1000:8.2f}"
        )


def start_worker(stack, env: dict, log_dir: Path) -> Process:
    from django.conf import settings

    queues = ",".join(settings.WORKER_QUEUES)
    nodename = f"load-{uuid.uuid4().hex[:8]}@bench"
    process = Process(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=1",
            "-Q",
            queues,
            "-n",
            nodename,
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        log_dir=log_dir,
    )
    stack.callback(process.stop)
    wait_until(lambda: f"{nodename} ready." in process.log(), process=process, what="Celery worker")
    return process


def start_gunicorn(stack, args, env: dict, port: int, log_dir: Path) -> Process:
    worker_class = "gthread" if args.threads > 1 else "sync"
    process = Process(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "_load_wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ],
        env=env,
        log_dir=log_dir,
    )
    stack.callback(process.stop)

    def healthy():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz", headers={"Accept": "application/json"})
            return conn.getresponse().status == 200
        finally:
            conn.close()

    wait_until(healthy, process=process, what="gunicorn")
    return process


# --- CPU accounting ---------------------------------------------------------------
# Throughput on a shared machine moves with what else runs; the CPU time the servers
# spend per request does not, much. Read from /proc (Linux), for the server processes
# (each started in a process group of its own) and the database's backends.

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_snapshot(groups: dict[str, int], database: str) -> dict[str, dict[int, float]]:
    """CPU seconds so far of every process in each named process group, and of
    every PostgreSQL backend connected to `database`."""
    from django.db import connection

    snapshot: dict[str, dict[int, float]] = {name: {} for name in [*groups, "postgres"]}
    by_group = {pgid: name for name, pgid in groups.items()}
    for entry in Path("/proc").iterdir():
        stat = _proc_stat(int(entry.name)) if entry.name.isdigit() else None
        if stat and stat[0] in by_group:
            snapshot[by_group[stat[0]]][int(entry.name)] = stat[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        for (pid,) in cursor.fetchall():
            if stat := _proc_stat(pid):
                snapshot["postgres"][pid] = stat[1]
    return snapshot


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each part used between two snapshots (a process that started
    in between counts from zero)."""
    return {
        name: sum(seconds - before[name].get(pid, 0.0) for pid, seconds in after[name].items())
        for name in after
    }


# --- The clients ----------------------------------------------------------------


def submission_body(criteria: list[int], rng: random.Random) -> dict:
    return {
        "scores": [
            {"criterion": cid, "value": rng.randint(1, 4), "note": f"Evidence for {cid}."}
            for cid in criteria
        ],
        "recommendation": rng.randint(1, 4),
        "summary": "Scored against every criterion; see the notes.",
    }


def drive(port: int, jobs: list[list[tuple]], *, duration: float) -> dict:
    """Run one thread per client, each sending its (method, path, headers, body, tag)
    requests in order until done or `duration` has passed. Returns the results."""
    barrier = threading.Barrier(len(jobs) + 1)
    results: list[list[tuple]] = [[] for _ in jobs]
    errors: list[BaseException] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out = results[index]
        try:
            barrier.wait()
            deadline = time.perf_counter() + duration
            for method, path, headers, body, tag in jobs[index]:
                if time.perf_counter() >= deadline:
                    break
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    status = 0
                out.append((tag, status, time.perf_counter() - started, started))
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(jobs))]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    flat = [r for rs in results for r in rs]
    return {"results": flat, "elapsed": elapsed}


def summarise(run: dict, ok_status: int) -> dict:
    results = run["results"]
    ok = [r for r in results if r[1] == ok_status]
    latencies = sorted(r[2] for r in results)
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    return {
        "requests": len(results),
        "ok": len(ok),
        "statuses": statuses,
        "elapsed": run["elapsed"],
        "throughput": len(ok) / run["elapsed"] if run["elapsed"] else 0.0,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p99": percentile(latencies, 0.99),
        "max": latencies[-1] if latencies else float("nan"),
        "ok_tags": {r[0] for r in ok},
    }


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile: the value below which a share q of the requests fall."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 1))
    return sorted_values[int(rank) - 1]


def bare_jobs(world: dict, rng: random.Random, count: int, prefix: str) -> list[list[tuple]]:
    """`count` bare requests per client, each with a key of its own."""
    headers = {"Content-Type": "application/json"}
    return [
        [
            (
                "POST",
                "/bench/bare/",
                headers,
                json.dumps({"key": key, **submission_body(world["criteria"], rng)}).encode(),
                key,
            )
            for key in (f"{prefix}{index}-{seq}" for seq in range(count))
        ]
        for index in range(len(world["clients"]))
    ]


def submit_jobs(world: dict, rng: random.Random, cards_of) -> list[list[tuple]]:
    jobs = []
    for client in world["clients"]:
        headers = {"Content-Type": "application/json", "Authorization": f"Token {client['token']}"}
        jobs.append(
            [
                (
                    "POST",
                    f"/api/v1/scorecards/{card}/submit/",
                    headers,
                    json.dumps(submission_body(world["criteria"], rng)).encode(),
                    card,
                )
                for card in cards_of(client)
            ]
        )
    return jobs


# --- The checks -----------------------------------------------------------------


def check_submissions(world: dict, answered_ok: set[int]) -> dict:
    """Lost: answered 200 but not submitted in the database. Duplicated: more than
    one submission event, or more score rows than criteria, for one scorecard.
    Unanswered: submitted in the database although the client saw no 200."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count

    from core.models import AuditEvent
    from screening.models import CriterionScore, Scorecard

    all_cards = [c for client in world["clients"] for c in client["scorecards"]]
    submitted = set(
        Scorecard.objects.filter(pk__in=all_cards, status=Scorecard.Status.SUBMITTED).values_list(
            "pk", flat=True
        )
    )
    events = (
        AuditEvent.objects.filter(
            event="scorecard.submitted",
            content_type=ContentType.objects.get_for_model(Scorecard),
        )
        .values("object_id")
        .annotate(n=Count("id"))
    )
    event_counts = {int(e["object_id"]): e["n"] for e in events}
    too_many_scores = (
        CriterionScore.objects.filter(scorecard_id__in=submitted)
        .values("scorecard_id")
        .annotate(n=Count("id"))
        .filter(n__gt=len(world["criteria"]))
        .count()
    )
    return {
        "answered": len(answered_ok),
        "stored": len(submitted),
        "lost": len(answered_ok - submitted),
        "duplicated": sum(1 for n in event_counts.values() if n > 1) + too_many_scores,
        "unanswered": len(submitted - answered_ok),
        "events": sum(event_counts.values()),
    }


def check_bare(answered_ok: set[str]) -> dict:
    from _load_urls import BARE_TABLE
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT client_key, count(*) FROM {BARE_TABLE} GROUP BY client_key")
        counts = dict(cursor.fetchall())
    stored = set(counts)
    return {
        "answered": len(answered_ok),
        "stored": sum(counts.values()),
        "lost": len(answered_ok - stored),
        "duplicated": sum(1 for n in counts.values() if n > 1),
        "unanswered": len(stored - answered_ok),
    }


def calibration_runs(rubric_id: int) -> dict:
    from django.db.models import Count

    from calibration.models import CalibrationRun

    rows = (
        CalibrationRun.objects.filter(rubric_id=rubric_id)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    return {row["status"]: row["n"] for row in rows}


# --- Main -----------------------------------------------------------------------


def report_phase(name: str, s: dict) -> None:
    statuses = ", ".join(f"{k or 'error'}: {v}" for k, v in sorted(s["statuses"].items()))
    print(
        f"{name:>7}  {s['ok']:>6} ok of {s['requests']:>6}  in {s['elapsed']:6.2f} s  "
        f"{s['throughput']:7.1f} req/s  p50 {s['p50'] * 1000:6.1f} ms  "
        f"p99 {s['p99'] * 1000:6.1f} ms  max {s['max'] * 1000:6.1f} ms  ({statuses})"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    rng = random.Random(args.seed)
    log_dir = Path(tempfile.mkdtemp(prefix="load-bench-"))

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl-C too, even where the shell started this script with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    failed = True
    with contextlib.ExitStack() as stack:
        stack.callback(
            lambda: (
                print(f"logs: {log_dir}")
                if args.keep_logs or failed
                else shutil.rmtree(log_dir, ignore_errors=True)
            )
        )
        started = time.perf_counter()
        database_url = throwaway_database(stack)
        world = build(args)
        from django.db import connection

        connection.close()  # the servers take over; the checks reconnect
        cards = sum(len(c["scorecards"]) for c in world["clients"])
        print(
            f"database {database_url.rsplit('/', 1)[-1]}: {world['applications']:,} applications, "
            f"{cards:,} assignments of {len(world['clients'])} reviewers, "
            f"{len(world['criteria'])} criteria; built in {time.perf_counter() - started:.1f} s"
        )

        redis_url, redis_process = start_redis(stack, log_dir)
        port = free_port()
        env = server_env(
            args, database_url=database_url, redis_url=redis_url, site_port=port, log_dir=log_dir
        )
        worker = start_worker(stack, env, log_dir)
        gunicorn = start_gunicorn(stack, args, env, port, log_dir)
        groups = {
            "gunicorn": gunicorn.popen.pid,
            "worker": worker.popen.pid,
            "redis": redis_process.popen.pid,
        }
        database = database_url.rsplit("/", 1)[-1]
        print(
            f"gunicorn: {args.workers} workers × {args.threads} threads "
            f"({'gthread' if args.threads > 1 else 'sync'}), DATABASE_CONN_MAX_AGE="
            f"{args.conn_max_age}; Celery worker: concurrency 1, every queue; "
            f"calibration debounce {args.debounce} s; {len(world['clients'])} clients, at most "
            f"{args.assignments} requests each or {args.duration:g} s per phase"
        )

        # Warm-up: every server worker imports and connects before anything is timed.
        warm_bare = drive(port, bare_jobs(world, rng, 2, "warm-"), duration=30)
        warm_cards = {c["name"]: c["scorecards"][:1] for c in world["clients"]}
        warm_run = drive(
            port, submit_jobs(world, rng, lambda c: warm_cards[c["name"]]), duration=30
        )

        load_before = os.getloadavg()[0]
        # The bodies are encoded before the clock starts: the clients share the cores.
        bare_work = bare_jobs(world, rng, args.assignments, "")
        submit_work = submit_jobs(world, rng, lambda c: c["scorecards"][1:])
        snapshots = [cpu_snapshot(groups, database)]
        client_cpu = [time.process_time()]
        bare_run = drive(port, bare_work, duration=args.duration)
        snapshots.append(cpu_snapshot(groups, database))
        client_cpu.append(time.process_time())
        submit_run = drive(port, submit_work, duration=args.duration)
        snapshots.append(cpu_snapshot(groups, database))
        client_cpu.append(time.process_time())
        bare = summarise(bare_run, 201)
        submit = summarise(submit_run, 200)
        report_phase("bare", bare)
        report_phase("submit", submit)
        ratio = submit["throughput"] / bare["throughput"] if bare["throughput"] else 0.0
        print(
            f"ratio submit/bare throughput: {ratio:.2f}  (load average {load_before:.1f} before, "
            f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores)"
        )
        costs, database_costs = {}, {}
        for index, (name, phase, (before, after)) in enumerate(
            (("bare", bare, snapshots[0:2]), ("submit", submit, snapshots[1:3]))
        ):
            used = cpu_used(before, after)
            per = {part: seconds / max(phase["requests"], 1) for part, seconds in used.items()}
            costs[name] = sum(per.values())
            database_costs[name] = per["postgres"]
            client = (client_cpu[index + 1] - client_cpu[index]) / max(phase["requests"], 1)
            print(
                f"{name:>7}  server CPU per request {costs[name] * 1000:6.2f} ms: "
                + ", ".join(f"{part} {ms * 1000:.2f}" for part, ms in per.items())
                + f"  → at most {os.cpu_count() / costs[name]:,.0f} req/s on "
                f"{os.cpu_count()} idle cores (the clients: {client * 1000:.2f} ms more)"
            )
        print(
            f"ratio submit/bare by CPU per request: {costs['bare'] / costs['submit']:.2f} "
            "(what the throughput ratio tends to on an otherwise idle machine)"
        )
        # The ceiling of the ratio: were all of a submit's work in Python free, what its
        # statements cost PostgreSQL would remain, on top of the bare request's whole cost.
        floor = costs["bare"] + max(database_costs["submit"] - database_costs["bare"], 0.0)
        print(
            f"ceiling of that ratio: {costs['bare'] / floor:.2f}: the submit's database work "
            f"alone ({database_costs['submit'] * 1000:.2f} ms of PostgreSQL CPU for its "
            f"statements, against {database_costs['bare'] * 1000:.2f} ms for the bare INSERT) "
            f"costs {floor / costs['bare']:.1f}× a whole bare request, before any of Django's"
        )

        # Let a calibration queued by the last submissions start, then read the database.
        deadline = time.monotonic() + args.debounce + 30
        while time.monotonic() < deadline:
            runs = calibration_runs(world["rubric_id"])
            if runs and set(runs) <= {"succeeded", "failed"}:
                break
            time.sleep(0.5)
        warm_ok = {r[0] for r in warm_run["results"] if r[1] == 200}
        subs = check_submissions(world, submit["ok_tags"] | warm_ok)
        # The warm-up's requests count too.
        bares = check_bare(bare["ok_tags"] | {r[0] for r in warm_bare["results"] if r[1] == 201})
        print(
            f"submissions: {subs['answered']} answered 200 (warm-up included), "
            f"{subs['stored']} stored submitted, lost {subs['lost']}, "
            f"duplicated {subs['duplicated']}, stored without a 200 {subs['unanswered']} "
            f"({subs['events']} submission audit events)"
        )
        print(
            f"bare rows: {bares['answered']} answered 201, {bares['stored']} stored, "
            f"lost {bares['lost']}, duplicated {bares['duplicated']}, "
            f"stored without a 201 {bares['unanswered']}"
        )
        runs = calibration_runs(world["rubric_id"])
        print(
            "calibration runs queued by the submissions: "
            + (", ".join(f"{k} {v}" for k, v in sorted(runs.items())) or "none")
        )
        connection.close()
        if args.profile:
            print_profile(log_dir)

        targets = {
            f"throughput ratio ≥ {TARGET_RATIO:.0%}": ratio >= TARGET_RATIO,
            f"submit p99 < {TARGET_P99 * 1000:.0f} ms": submit["p99"] < TARGET_P99,
            "nothing lost or duplicated": (
                subs["lost"] == subs["duplicated"] == bares["lost"] == bares["duplicated"] == 0
            ),
            "every request answered": (
                submit["ok"] == submit["requests"] and bare["ok"] == bare["requests"]
            ),
        }
        for name, met in targets.items():
            print(f"target {name}: {'met' if met else 'NOT met'}")
        failed = not all(targets.values())
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: everything it started is stopped, its database dropped")
        sys.exit(130)
