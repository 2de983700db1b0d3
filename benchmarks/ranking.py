#!/usr/bin/env python
"""Benchmark of the posting ranking read from the stored application scores
(screening.selectors.posting_ranking over screening.models.ApplicationScore).

    .venv/bin/python benchmarks/ranking.py [--applications 10000 100000] [--reviewers 3]
                                           [--criteria 10] [--pool 30] [--runs 7]

For each size, builds a throwaway database (a temporary SQLite file, or a
uniquely named PostgreSQL database when DATABASE_URL points at PostgreSQL; both
made and destroyed with Django's test-database machinery, so the developer's
own data is never read or written), migrates it, fills it with bulk inserts
(one posting, one published rubric, N applications with R submitted scorecards
each from a pool of reviewers, one rating per criterion), builds the stored
rows with one rebuild (and folds the kept counts, as the beat task would), then
measures (median of --runs after a warm-up):

- the selector as a page of the admin reads it (the count, then 100 rows with
  their ranks): page 1, the middle page (by offset, as the admin's page numbers
  reach it, and by cursor, as the API's next links do), a filtered page (stage "interview",
  about 15 % of the rows), the middle page sorted by name, and page 1 filtered
  on must-have failures sorted by adjusted score;
- the admin ranking page (page 1 and the middle page) through the test client;
- the submit path: a scorecard submitted through the service with and without
  the stored row's refresh (its receivers disconnected), and the refresh alone.

Then the ratio of each median at the largest size to the smallest.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 2000
STAGE_WEIGHTS = {"screening": 70, "interview": 15, "applied": 10, "rejected": 5}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--applications", type=int, nargs="+", default=[10_000, 100_000], help="one or more sizes"
    )
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers per application")
    parser.add_argument("--criteria", type=int, default=10, help="criteria on the rubric")
    parser.add_argument("--pool", type=int, default=30, help="reviewers in the pool")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each measurement")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args(argv)
    if min(args.applications) < 1 or args.criteria < 1 or args.runs < 1:
        parser.error("--applications, --criteria and --runs must be at least 1")
    if not 1 <= args.reviewers <= args.pool:
        parser.error("--reviewers must lie between 1 and --pool")
    return args


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def throwaway_database():
    """Point the default database's test settings at a new, unique name and
    create it (migrated) the way the test runner does. Returns what
    teardown needs."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    db = settings.DATABASES["default"]
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = tempfile.mkdtemp(prefix="ranking-bench-")
        name = str(Path(tmpdir) / "bench.sqlite3")
    else:
        name = f"bench_ranking_{uuid.uuid4().hex[:12]}"
    db.setdefault("TEST", {})["NAME"] = name
    old_config = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )
    return old_config, tmpdir


def drop_throwaway_database(old_config, tmpdir):
    from django.test.utils import teardown_databases

    teardown_databases(old_config, verbosity=0)
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


def build(args, n_applications: int):
    """The world, with bulk inserts in batches. Returns (posting, recruiter)."""
    from django.db import transaction
    from django.utils import timezone

    from rubrics.models import Criterion
    from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard

    rng = random.Random(args.seed)
    from _world import people, published_rubric

    now = timezone.now()
    scale_max = 4
    with transaction.atomic():
        recruiter, reviewers = people(args.pool)
        leniency = {u.pk: rng.gauss(0, 0.4) for u in reviewers}
        posting, rubric, criteria = published_rubric(
            recruiter=recruiter, n_criteria=args.criteria, scale_max=scale_max, published_at=now
        )

        candidates = Candidate.objects.bulk_create(
            (
                Candidate(full_name=f"Candidate {i:06d}", email=f"candidate{i}@bench.example")
                for i in range(n_applications)
            ),
            batch_size=BATCH,
        )
        stages, stage_weights = zip(*STAGE_WEIGHTS.items(), strict=True)
        applications = Application.objects.bulk_create(
            (
                Application(
                    candidate=c,
                    posting=posting,
                    rubric=rubric,
                    stage=rng.choices(stages, stage_weights)[0],
                    created_by=recruiter,
                )
                for c in candidates
            ),
            batch_size=BATCH,
        )
        quality = {a.pk: rng.uniform(1.2, scale_max - 0.1) for a in applications}
        assignments = ReviewAssignment.objects.bulk_create(
            (
                ReviewAssignment(application=a, reviewer=r, assigned_by=recruiter)
                for a in applications
                for r in rng.sample(reviewers, args.reviewers)
            ),
            batch_size=BATCH,
        )
        cards = Scorecard.objects.bulk_create(
            (
                Scorecard(
                    assignment=assignment,
                    application_id=assignment.application_id,
                    status=Scorecard.Status.SUBMITTED,
                    recommendation=min(4, max(1, round(quality[assignment.application_id]))),
                    submitted_at=now,
                )
                for assignment in assignments
            ),
            batch_size=BATCH,
        )
        reviewer_of = {a.pk: a.reviewer_id for a in assignments}

        def level(card, criterion):
            if criterion.kind == Criterion.Kind.BONUS and rng.random() < 0.25:
                return None  # no evidence
            raw = (
                quality[card.application_id]
                + leniency[reviewer_of[card.assignment_id]]
                + rng.gauss(0, 0.5)
            )
            return min(max(round(raw), 1), scale_max)

        CriterionScore.objects.bulk_create(
            (
                CriterionScore(scorecard=card, criterion=c, value=level(card, c))
                for card in cards
                for c in criteria
            ),
            batch_size=BATCH,
        )
    return posting, recruiter, reviewers


def timed(fn, runs: int) -> tuple[float, float]:
    """(best, median) wall time of `runs` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def count_queries(fn) -> tuple[int, float]:
    """(number of queries, seconds spent in them) of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries), sum(float(q["time"]) for q in ctx.captured_queries)


PAGE = 100


def measure(args, n: int, posting, recruiter, reviewers) -> dict:
    from django.conf import settings
    from django.db.models.signals import post_save
    from django.test import Client

    from screening import scores, services
    from screening.models import Application, ApplicationScore, Scorecard
    from screening.selectors import application_summary, posting_ranking

    middle = (n // 2 // PAGE) * PAGE

    def page(start=0, **kwargs):
        def read():
            ranking = posting_ranking(posting=posting, viewer=recruiter, **kwargs)
            ranking.count()
            rows = ranking[start : start + PAGE]
            assert rows, kwargs
            return rows

        return read

    def after(start):
        # The API's next page by cursor: the rows after the key of the row before them.
        before = posting_ranking(posting=posting, viewer=recruiter)[start - 1]
        key = posting_ranking(posting=posting, viewer=recruiter).key_of(before)

        def read():
            ranking = posting_ranking(posting=posting, viewer=recruiter)
            ranking.count()
            rows = ranking.after(key, PAGE)
            assert rows
            return rows

        return read

    selectors = {
        "page 1": page(),
        "middle page": page(middle),
        "middle by cursor": after(middle),
        "filtered page": page(stage="interview"),
        "middle by name": page(middle, order="name"),
        "fails by adjusted": page(must_haves="fail", order="-adjusted"),
    }
    # Check that what is timed is right before timing it: ranks follow the default order,
    # scores equal the application's summary (computed from its scorecards), and a sample
    # of stored rows equals a recomputation from the ratings.
    first = selectors["page 1"]()
    assert [r.rank for r in first] == list(range(1, PAGE + 1))
    mid = selectors["middle page"]()
    assert [r.rank for r in mid] == list(range(middle + 1, middle + PAGE + 1))
    by_cursor = selectors["middle by cursor"]()
    assert [(r.application_id, r.rank) for r in by_cursor] == [
        (r.application_id, r.rank) for r in mid
    ]
    for row in [*first[:3], *mid[:3]]:
        summary = application_summary(
            application=Application.objects.get(pk=row.application_id), viewer=recruiter
        )
        assert row.score == round(summary.score, 2), (row, summary.score)
    sample = list(
        ApplicationScore.objects.filter(posting=posting).values_list("pk", flat=True)[:500]
    )
    stored = {s.pk: scores.stored_row(s) for s in ApplicationScore.objects.filter(pk__in=sample)}
    assert stored == scores.compute_application_scores(sample)

    result = {"applications": n}
    result["queries"], _ = count_queries(selectors["page 1"])
    for name, fn in selectors.items():
        result[name] = timed(fn, args.runs)[1]

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(recruiter)
    url = f"/admin/screening/application/ranking/?posting={posting.pk}"

    def admin(number):
        def get():
            response = client.get(f"{url}&page={number}")
            assert response.status_code == 200, response.status_code
            assert b"Candidate " in response.content
            return response

        return get

    result["admin queries"], _ = count_queries(admin(1))
    result["admin page 1"] = timed(admin(1), args.runs)[1]
    result["admin middle"] = timed(admin(middle // PAGE + 1), args.runs)[1]

    # The submit path: each run submits a fresh draft (assigned beforehand) through the
    # service, with the stored row's refresh and without it (its receivers disconnected).
    extra = reviewers[-1]
    targets = list(
        Application.objects.filter(posting=posting)
        .exclude(assignments__reviewer=extra)
        .order_by("pk")
        .values_list("pk", flat=True)[: 2 * (args.runs + 1)]
    )
    drafts = [
        services.assignment_create(
            application=Application.objects.get(pk=pk), reviewer=extra, actor=recruiter
        ).scorecard
        for pk in targets
    ]
    criteria = list(posting.rubrics.get().criteria.order_by("order", "id"))
    entries = [{"criterion": c.pk, "value": 3} for c in criteria]

    def submits(cards):
        cards = iter(cards)

        def submit():
            card = next(cards)
            services.scorecard_save(
                scorecard=card,
                reviewer=extra,
                scores=entries,
                recommendation=3,
                submit=True,
                schedule_calibration=False,
            )

        return submit

    half = len(drafts) // 2
    result["submit with refresh"] = timed(submits(drafts[:half]), args.runs)[1]
    from screening import models as screening_models

    receiver = screening_models._scorecard_saved
    post_save.disconnect(receiver, sender=Scorecard)
    try:
        result["submit without"] = timed(submits(drafts[half:]), args.runs)[1]
    finally:
        post_save.connect(receiver, sender=Scorecard)
    scores.refresh_application_scores(targets)
    result["refresh alone"] = timed(
        lambda: scores.refresh_application_scores(targets[:1]), args.runs
    )[1]
    return result


COLUMNS = [
    ("page 1", "page 1"),
    ("middle page", "middle"),
    ("middle by cursor", "mid cursor"),
    ("filtered page", "filtered"),
    ("middle by name", "by name"),
    ("fails by adjusted", "fails/adj"),
    ("admin page 1", "admin p1"),
    ("admin middle", "admin mid"),
    ("submit with refresh", "submit"),
    ("submit without", "w/o refresh"),
    ("refresh alone", "refresh"),
]


def size(n: int) -> str:
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def report(results: list[dict], vendor: str, runs: int) -> None:
    header = ["database", "applications", "ratings", "build s", "rebuild s", "queries"]
    header += [label + " ms" for _, label in COLUMNS]
    lines = []
    for r in results:
        line = [vendor, f"{r['applications']:,}", f"{r['ratings']:,}", f"{r['build']:.1f}"]
        line += [f"{r['rebuild']:.1f}", f"{r['queries']}/{r['admin queries']}"]
        line += [f"{1000 * r[key]:.1f}" for key, _ in COLUMNS]
        lines.append(line)
    if len(results) > 1:
        small, large = results[0], results[-1]
        ratio = ["", f"ratio {size(large['applications'])}/{size(small['applications'])}"]
        ratio += ["", "", "", ""]
        ratio += [f"{large[key] / small[key]:.2f}" for key, _ in COLUMNS]
        lines.append(ratio)
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for line in lines:
        print("  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)))
    print(
        f"(medians of {runs} runs after a warm-up, in ms. Selector columns: a count and "
        f"{PAGE} rows with their ranks, as the admin's page reads them — page 1, the middle "
        "page by offset and by the API's cursor, stage 'interview' page 1, the middle page "
        "by name, must-have failures by adjusted score; admin: the ranking page through the "
        "test client; queries: selector/admin page. submit: a scorecard submitted through "
        "the service, with the stored row's refresh and without it; refresh: one "
        "application's row alone.)"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from screening import score_counts, scores

    # Time without the debug cursor (DEBUG is on in local settings); queries are counted
    # separately.
    settings.DEBUG = False
    results = []
    for n in args.applications:
        old_config, tmpdir = throwaway_database()
        try:
            vendor = connection.vendor
            print(
                f"Building in {vendor} ({connection.settings_dict['NAME']}): {n:,} "
                f"applications × {args.reviewers} reviewers (pool of {args.pool}) × "
                f"{args.criteria} criteria…",
                flush=True,
            )
            start = time.perf_counter()
            posting, recruiter, reviewers = build(args, n)
            build_seconds = time.perf_counter() - start
            start = time.perf_counter()
            written = scores.rebuild_application_scores(posting_id=posting.pk)
            rebuild_seconds = time.perf_counter() - start
            assert written == n, written
            # What the beat task does every ten minutes: fold the ranking's kept counts.
            score_counts.fold_all()
            if vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
            result = measure(args, n, posting, recruiter, reviewers)
            result.update(
                build=build_seconds,
                rebuild=rebuild_seconds,
                ratings=n * args.reviewers * args.criteria,
            )
            results.append(result)
            print(
                f"  built in {build_seconds:.1f} s, stored rows rebuilt in "
                f"{rebuild_seconds:.1f} s; page 1 {1000 * result['page 1']:.1f} ms",
                flush=True,
            )
        finally:
            drop_throwaway_database(old_config, tmpdir)
    report(results, vendor, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
