"""Historical ratings from a CSV: checked whole first, then written in one
transaction, so a file with any bad line writes nothing.

Columns (header required, any order): `candidate` (the candidate's email),
`reviewer` (the reviewer's email), `criterion` (a criterion title of the
posting's published rubric, any case), `value` (a level on its scale),
`date` (YYYY-MM-DD or an ISO date-time); optional `candidate_name`, used when
the candidate is new. One reviewer's rows for one candidate become one
submitted scorecard (source "import", no recommendation) dated by its latest
row.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core import audit
from core.csvfile import CsvFileError, checked
from rubrics.models import Criterion, JobPosting, Rubric
from screening import scores
from screening.models import Application, Candidate, CriterionScore, ReviewAssignment, Scorecard

REQUIRED = ("candidate", "reviewer", "criterion", "value", "date")


@dataclass
class RatingsImport:
    posting: JobPosting
    rubric: Rubric | None
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def scorecards(self) -> int:
        return len({(r["candidate"], r["reviewer_id"]) for r in self.rows})

    @property
    def new_candidates(self) -> int:
        return len({r["candidate"] for r in self.rows if r["candidate_id"] is None})


def _when(text: str):
    # A bare date is taken as noon, so the day survives any time-zone shift
    # (parse_datetime would read it as midnight).
    try:
        day = parse_date(text) if len(text) == 10 else None
        moment = datetime.combine(day, time(12, 0)) if day else parse_datetime(text)
    except ValueError:  # well-formed but impossible, like 2026-02-30
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def check_ratings(
    *, posting: JobPosting, lines: Iterable[str], progress: Callable[[int], None] = lambda n: None
) -> RatingsImport:
    """Parse and check every line; nothing is written."""
    rubric = posting.rubrics.published().first()
    result = RatingsImport(posting=posting, rubric=rubric)
    try:
        return _check_ratings(result, lines=lines, progress=progress)
    except CsvFileError as exc:  # unreadable CSV: the line that stopped the reader
        result.rows.clear()
        result.errors.append((exc.line, exc.message[:1].upper() + exc.message[1:]))
        return result


def _check_ratings(
    result: RatingsImport, *, lines: Iterable[str], progress: Callable[[int], None]
) -> RatingsImport:
    posting, rubric = result.posting, result.rubric
    if rubric is None:
        result.errors.append((0, f"Posting {posting.pk} has no published rubric to rate against."))
        return result
    reader = csv.DictReader(lines)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        result.errors.append(
            (
                1,
                f"The header lacks {', '.join(missing)}; expected "
                f"{','.join(REQUIRED)}[,candidate_name].",
            )
        )
        return result
    reader.fieldnames = header

    # Ratings are levels on the scale: screening questions (yes/no gates) take none.
    criteria = {
        c.title.strip().lower(): c for c in rubric.criteria.exclude(kind=Criterion.Kind.SCREENING)
    }
    User = get_user_model()
    reviewers = dict(
        User.objects.filter(is_active=True).annotate(e=Lower("email")).values_list("e", "pk")
    )
    candidates = dict(Candidate.objects.annotate(e=Lower("email")).values_list("e", "pk"))
    submitted = set(
        Scorecard.objects.filter(application__posting=posting, status=Scorecard.Status.SUBMITTED)
        .annotate(e=Lower("application__candidate__email"))
        .values_list("e", "assignment__reviewer_id")
    )
    # A candidate who already applied stays on the rubric they were pinned to.
    pinned = {
        e: (rubric_id, version)
        for e, rubric_id, version in Application.objects.filter(posting=posting)
        .annotate(e=Lower("candidate__email"))
        .values_list("e", "rubric_id", "rubric__version")
    }
    seen: dict[tuple, int] = {}
    for row in checked(reader):
        progress(1)
        line = reader.line_num
        if None in row:
            result.errors.append((line, "The line has more fields than the header."))
            continue
        values = {k: (row.get(k) or "").strip() for k in (*REQUIRED, "candidate_name")}
        problems = []
        candidate = values["candidate"].lower()
        try:
            validate_email(candidate)
        except ValidationError:
            problems.append(f"candidate “{values['candidate']}” is not an email address")
        reviewer_id = reviewers.get(values["reviewer"].lower())
        if reviewer_id is None:
            problems.append(f"no active user has the email “{values['reviewer']}”")
        criterion = criteria.get(values["criterion"].lower())
        if criterion is None:
            problems.append(
                f"“{values['criterion']}” is not a criterion of rubric v{rubric.version}"
            )
        try:
            value = int(values["value"])
        except ValueError:
            value = None
        if value is None or not rubric.scale_min <= value <= rubric.scale_max:
            problems.append(
                f"value “{values['value']}” is not a level from "
                f"{rubric.scale_min} to {rubric.scale_max}"
            )
        when = _when(values["date"])
        if when is None:
            problems.append(f"date “{values['date']}” is not YYYY-MM-DD")
        elif when > timezone.now():
            problems.append(f"date {values['date']} is in the future")
        if candidate in pinned and pinned[candidate][0] != rubric.pk:
            problems.append(
                f"the candidate's application uses rubric v{pinned[candidate][1]}, "
                f"not the published v{rubric.version}"
            )
        if reviewer_id and (candidate, reviewer_id) in submitted:
            problems.append("this reviewer already has a submitted scorecard for this candidate")
        if criterion is not None and reviewer_id:
            key = (candidate, reviewer_id, criterion.pk)
            if key in seen:
                problems.append(f"repeats line {seen[key]}")
            seen.setdefault(key, line)
        if problems:
            result.errors.append((line, "; ".join(problems) + "."))
            continue
        result.rows.append(
            {
                "candidate": candidate,
                "candidate_id": candidates.get(candidate),
                "candidate_name": values["candidate_name"] or candidate.split("@")[0],
                "reviewer_id": reviewer_id,
                "criterion_id": criterion.pk,
                "value": value,
                "when": when,
            }
        )
    if not result.rows and not result.errors:
        result.errors.append((0, "The file has no ratings."))
    return result


@transaction.atomic
def import_ratings(
    *, checked: RatingsImport, actor=None, progress: Callable[[int], None] = lambda n: None
) -> dict:
    """Write a clean check's ratings: candidates, applications, assignments,
    submitted scorecards and scores, in bulk."""
    if checked.errors or not checked.rows:
        raise ValidationError("The ratings have errors; nothing was imported.")
    posting, rubric = checked.posting, checked.rubric
    new = {}
    for r in checked.rows:
        if r["candidate_id"] is None and r["candidate"] not in new:
            new[r["candidate"]] = Candidate(
                full_name=r["candidate_name"][:200], email=r["candidate"], created_by=actor
            )
    Candidate.objects.bulk_create(new.values())
    candidate_ids = dict(
        Candidate.objects.annotate(e=Lower("email"))
        .filter(e__in={r["candidate"] for r in checked.rows})
        .values_list("e", "pk")
    )
    applications = dict(
        Application.objects.filter(
            posting=posting, candidate_id__in=candidate_ids.values()
        ).values_list("candidate_id", "pk")
    )
    Application.objects.bulk_create(
        Application(candidate_id=cid, posting=posting, rubric=rubric, created_by=actor)
        for cid in set(candidate_ids.values()) - set(applications)
    )
    applications = dict(
        Application.objects.filter(
            posting=posting, candidate_id__in=candidate_ids.values()
        ).values_list("candidate_id", "pk")
    )
    groups: dict[tuple[int, int], list[dict]] = {}
    for r in checked.rows:
        app_id = applications[candidate_ids[r["candidate"]]]
        groups.setdefault((app_id, r["reviewer_id"]), []).append(r)
    existing = {
        (a.application_id, a.reviewer_id): a
        for a in ReviewAssignment.objects.filter(application_id__in=applications.values())
    }
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(application_id=app_id, reviewer_id=rid, assigned_by=actor)
        for (app_id, rid) in groups
        if (app_id, rid) not in existing
    )
    assignments = {
        (a.application_id, a.reviewer_id): a.pk
        for a in ReviewAssignment.objects.filter(application_id__in=applications.values())
    }
    cards = {
        c.assignment_id: c for c in Scorecard.objects.filter(assignment_id__in=assignments.values())
    }
    to_create, to_update = [], []
    for key, rows in groups.items():
        when = max(r["when"] for r in rows)
        card = cards.get(assignments[key])
        if card is None:
            to_create.append(
                Scorecard(
                    assignment_id=assignments[key],
                    application_id=key[0],
                    status=Scorecard.Status.SUBMITTED,
                    source=Scorecard.Source.IMPORT,
                    submitted_at=when,
                )
            )
        else:  # a draft left open: the imported ratings complete it
            card.status, card.source, card.submitted_at = (
                Scorecard.Status.SUBMITTED,
                Scorecard.Source.IMPORT,
                when,
            )
            to_update.append(card)
    Scorecard.objects.bulk_create(to_create)
    Scorecard.objects.bulk_update(to_update, ["status", "source", "submitted_at"])
    card_ids = dict(
        Scorecard.objects.filter(assignment_id__in=assignments.values()).values_list(
            "assignment_id", "pk"
        )
    )
    CriterionScore.objects.filter(scorecard_id__in=[c.pk for c in to_update]).delete()
    batch = []
    for key, rows in groups.items():
        card_id = card_ids[assignments[key]]
        for r in rows:
            batch.append(
                CriterionScore(
                    scorecard_id=card_id, criterion_id=r["criterion_id"], value=r["value"]
                )
            )
        progress(len(rows))
    CriterionScore.objects.bulk_create(batch, batch_size=5000)
    scores.refresh_application_scores(applications.values())
    counts = {
        "ratings": len(batch),
        "scorecards": len(groups),
        "candidates": len(new),
        "rubric": rubric.pk,
    }
    # One record for the whole import, on the posting: what it added, not who was rated.
    audit.record(
        actor=actor,
        event="ratings.imported",
        obj=posting,
        summary=f"Imported {len(batch):,} ratings on rubric v{rubric.version}.",
        changes={key: [None, value] for key, value in counts.items()},
    )
    return counts


def read_lines(data: bytes) -> list[str]:
    return io.StringIO(data.decode("utf-8-sig")).readlines()
