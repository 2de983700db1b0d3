"""State changes for candidates, applications, assignments and scorecards:
one transaction each; the rules (a reviewer scores only what is assigned to
them, values lie on the pinned rubric's scale, every must-have is scored
before submit, a scorecard is submitted once) are checked here and backed by
database constraints."""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core import audit, roles
from core.errors import Conflict, ServiceError
from rubrics.models import Criterion, JobPosting, Rubric
from screening import anonymity, hooks, imports
from screening.documents.errors import DocumentRejected, ExtractionFailed
from screening.documents.extract import extract_text, render_pages
from screening.documents.sniff import SniffedDocument, sniff
from screening.errors import NotAssigned, ScorecardLocked
from screening.models import (
    Application,
    Candidate,
    CriterionScore,
    Document,
    DocumentPage,
    ReviewAssignment,
    Scorecard,
)
from screening.scores import one_refresh_per_application, refresh_application_scores


def _score_state(scores: dict[int, CriterionScore]) -> dict[str, dict]:
    """What an audit record keeps of a scorecard's scores (criterion id → score, each with its
    criterion loaded): levels and answers as data; notes, free text about a person, only as
    whether they changed."""
    ordered = sorted(scores.values(), key=lambda s: (s.criterion.order, s.pk or 0))
    return {
        f"{s.criterion.title} [#{s.criterion_id}]": {
            "value": s.value,
            "answer": s.answer,
            "note": s.note,
        }
        for s in ordered
    }


def _score_changes(before: dict[str, dict], after: dict[str, dict]) -> dict:
    changes = {}
    for key, now in after.items():
        then = before.get(key, {"value": None, "answer": None, "note": ""})
        entry = audit.diff(then, now, ("value", "answer"))
        if then["note"] != now["note"]:
            entry["note"] = "edited"
        if entry:
            changes[key] = entry
    return changes


# --- Candidates -------------------------------------------------------------

CANDIDATE_FIELDS = ("full_name", "email", "phone", "links", "notes")


EMAIL_TAKEN = "A candidate with this email already exists."


ERASED = "This candidate's personal data was erased: nothing more can be stored about them."


def _refuse_erased(candidate_id: int) -> None:
    if Candidate.objects.filter(pk=candidate_id, erased_at__isnull=False).exists():
        raise Conflict(ERASED, code="erased")


def _email_taken(email: str, *, exclude_pk=None) -> bool:
    qs = Candidate.objects.filter(email__iexact=email)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _save_with_unique_email(candidate: Candidate) -> None:
    """The unique email (candidate_email_unique_ci) refusing a twin that a
    concurrent request saved after our check is the check's field error; any
    other refusal is a bug and goes on."""
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        if _email_taken(candidate.email, exclude_pk=candidate.pk):
            raise ValidationError({"email": EMAIL_TAKEN}) from None
        raise


@transaction.atomic
def candidate_create(
    *,
    actor,
    full_name: str,
    email: str,
    phone: str = "",
    links: list[str] | None = None,
    notes: str = "",
) -> Candidate:
    candidate = Candidate(
        full_name=full_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        links=links or [],
        notes=notes,
        created_by=actor,
    )
    # The case-insensitive unique email is checked below with a field message.
    candidate.full_clean(validate_constraints=False)
    if _email_taken(candidate.email):
        raise ValidationError({"email": EMAIL_TAKEN})
    _save_with_unique_email(candidate)
    audit.record(
        actor=actor, event="candidate.created", obj=candidate, summary="Added the candidate."
    )
    return candidate


@transaction.atomic
def candidate_update(*, candidate: Candidate, actor, **changes) -> Candidate:
    unknown = set(changes) - set(CANDIDATE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed."))
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        raise Conflict(ERASED, code="erased")
    for name, value in changes.items():
        setattr(candidate, name, value)
    candidate.full_clean(validate_constraints=False)
    if "email" in changes and _email_taken(candidate.email, exclude_pk=candidate.pk):
        raise ValidationError({"email": EMAIL_TAKEN})
    _save_with_unique_email(candidate)
    # Personal data: the record names the fields that changed, never their values.
    audit.record(
        actor=actor,
        event="candidate.changed",
        obj=candidate,
        summary=f"Changed {', '.join(sorted(changes)) or 'nothing'}.",
        changes={"fields": sorted(changes)},
    )
    return candidate


CSV_COLUMNS = ("full_name", "email", "phone", "links", "notes")
CSV_MAX_BYTES = imports.MAX_BYTES
NAME_MAX_LENGTH = Candidate._meta.get_field("full_name").max_length
EMAIL_MAX_LENGTH = Candidate._meta.get_field("email").max_length


@dataclass
class CandidateImport:
    """A parsed file: the candidates it would create, the existing candidates it would open
    an application for (given a posting), and, per bad row, why."""

    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    # Given a posting: rows naming an existing candidate, each with its "candidate".
    existing: list[dict] = field(default_factory=list)
    posting: JobPosting | None = None
    rubric: Rubric | None = None  # the posting's published rubric, which applications pin
    kind: str = imports.CSV

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows or self.existing)

    @property
    def application_count(self) -> int:
        return len(self.rows) + len(self.existing) if self.posting else 0


def candidate_import_parse(data: bytes, *, posting: JobPosting | None = None) -> CandidateImport:
    """Check a candidates file, CSV or XLSX (header: full_name,email[,phone,links,notes];
    links separated by spaces or semicolons) without writing anything. Without a posting, a
    row naming an existing candidate is a problem; with one, that candidate gets an
    application unless they already have one for the posting."""
    result = CandidateImport(posting=posting)
    table = imports.read_table(data)
    result.kind = table.kind
    if table.error:
        result.errors.append((0, table.error))
        return result
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in ("full_name", "email") if c not in header]
    if missing:
        result.errors.append(
            (
                table.header_line,
                f"The header needs the columns {', '.join(missing)}; "
                f"expected {','.join(CSV_COLUMNS)}.",
            )
        )
        return result
    if posting is not None:
        result.rubric, refusal = _posting_for_applications(posting)
        if refusal:
            result.errors.append((0, refusal))
    seen: dict[str, int] = {}
    url = URLValidator()
    for line, cells in table.rows:
        if len(cells) > len(header):
            result.errors.append((line, "The row has more fields than the header."))
            continue
        row = dict(zip(header, cells, strict=False))
        values = {k: (row.get(k) or "").strip() for k in CSV_COLUMNS}
        problems = []
        if not values["full_name"]:
            problems.append("full_name is empty")
        elif len(values["full_name"]) > NAME_MAX_LENGTH:
            problems.append(f"full_name is longer than {NAME_MAX_LENGTH} characters")
        try:
            validate_email(values["email"])
        except ValidationError:
            problems.append(f"email “{values['email']}” is not a valid address")
        else:
            if len(values["email"]) > EMAIL_MAX_LENGTH:
                problems.append(f"email is longer than {EMAIL_MAX_LENGTH} characters")
        links = [part for part in values["links"].replace(";", " ").split() if part]
        for link in links:
            try:
                url(link)
            except ValidationError:
                problems.append(f"link “{link}” is not a URL")
        key = values["email"].lower()
        if key in seen:
            problems.append(f"email repeats line {seen[key]}")
        seen.setdefault(key, line)
        if len(values["phone"]) > 40:
            problems.append("phone is longer than 40 characters")
        if problems:
            result.errors.append((line, "; ".join(problems) + "."))
        else:
            result.rows.append({**values, "links": links, "line": line})
    existing = {
        c.email_ci: c
        for c in Candidate.objects.annotate(email_ci=Lower("email")).filter(
            email_ci__in=[r["email"].lower() for r in result.rows]
        )
    }
    applied = set()
    if posting is not None and existing:
        applied = set(
            Application.objects.filter(
                posting=posting, candidate__in=list(existing.values())
            ).values_list("candidate_id", flat=True)
        )
    new_rows = []
    for r in result.rows:
        candidate = existing.get(r["email"].lower())
        if candidate is None:
            new_rows.append(r)
        elif posting is None:
            result.errors.append(
                (r["line"], f"email “{r['email']}” belongs to an existing candidate.")
            )
        elif candidate.pk in applied:
            result.errors.append(
                (
                    r["line"],
                    f"{candidate.full_name} (“{r['email']}”) already has an application "
                    "for this posting.",
                )
            )
        else:
            result.existing.append({**r, "candidate": candidate})
    # A row listed as a problem or as an existing candidate is not also one to create.
    result.rows = new_rows
    if not result.rows and not result.existing and not result.errors:
        result.errors.append((0, "The file has no candidate rows."))
    result.errors.sort()
    return result


@transaction.atomic
def candidate_import(*, actor, data: bytes) -> list[Candidate]:
    """Create every candidate of a file, or none: any bad row stops the import."""
    return candidate_import_batch(actor=actor, data=data).candidates


# --- Applications and assignments ------------------------------------------


def _posting_for_applications(posting: JobPosting) -> tuple[Rubric | None, str | None]:
    """The posting's published rubric, which a new application pins, and why the posting
    takes no application now (None when it takes them)."""
    rubric = Rubric.objects.filter(posting=posting, state=Rubric.State.PUBLISHED).first()
    if rubric is None:
        return None, (
            "This posting has no published rubric yet; publish one before adding candidates."
        )
    if posting.status == JobPosting.Status.CLOSED:
        return rubric, "This posting is closed."
    if posting.status == JobPosting.Status.DRAFT:
        return rubric, "This posting is still a draft: open it before adding candidates."
    return rubric, None


@transaction.atomic
def application_open(
    *, candidate: Candidate, posting: JobPosting, actor, stage: str = Application.Stage.SCREENING
) -> Application:
    """Open an application, pinned to the posting's published rubric."""
    _refuse_erased(candidate.pk)
    rubric, refusal = _posting_for_applications(posting)
    if refusal:
        raise ValidationError({"posting": refusal})
    if stage not in Application.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    if Application.objects.filter(candidate=candidate, posting=posting).exists():
        raise ValidationError(
            {"candidate": "This candidate already has an application for this posting."}
        )
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=candidate,
                posting=posting,
                rubric=rubric,
                stage=stage,
                created_by=actor,
            )
    except IntegrityError:
        # application_one_per_candidate_posting: a concurrent request opened it.
        if Application.objects.filter(candidate=candidate, posting=posting).exists():
            raise Conflict(
                "This candidate's application for this posting was just opened."
            ) from None
        raise
    audit.record(
        actor=actor,
        event="application.opened",
        obj=application,
        summary=f"Opened against rubric v{rubric.version}.",
        changes={"rubric": [None, rubric.pk], "stage": [None, stage]},
    )
    return application


@transaction.atomic
def application_set_stage(*, application: Application, actor, stage: str) -> Application:
    if stage not in Application.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    # FOR NO KEY UPDATE: the key stays, so rows that refer to the application
    # (a scorecard, a calibration run's rows) go on being written meanwhile.
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    if application.stage != stage:
        old = application.stage
        application.stage = stage
        application.save(update_fields=["stage"])
        audit.record(
            actor=actor,
            event="application.stage_changed",
            obj=application,
            summary=f"Stage {old} → {stage}.",
            changes={"stage": [old, stage]},
        )
    return application


@transaction.atomic
def applications_set_stage(*, applications, actor, stage: str) -> list[Application]:
    """Move several applications to one stage, all or nothing: one
    transaction for the batch, each change recorded as `application_set_stage`
    records it. Returns the applications whose stage changed (those already
    in the stage are left as they are)."""
    if stage not in Application.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    moved = []
    locked = Application.objects.select_for_update(no_key=True).filter(
        pk__in=[a.pk for a in applications]
    )
    for application in locked.select_related("candidate").order_by("pk"):
        if application.stage != stage:
            application_set_stage(application=application, actor=actor, stage=stage)
            application.stage = stage
            moved.append(application)
    return moved


def is_reviewer(user) -> bool:
    return user.is_active and (
        user.groups.filter(name__in=[roles.REVIEWER, roles.RECRUITER]).exists() or user.is_superuser
    )


@transaction.atomic
def assignment_create(
    *, application: Application, reviewer, actor, due_date: date | None = None
) -> ReviewAssignment:
    """Assign a reviewer to an application; their draft scorecard is made
    with it. Assigning the same reviewer twice is refused."""
    if not is_reviewer(reviewer):
        raise ValidationError({"reviewer": f"{reviewer} is not in the Reviewer group."})
    if ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise ValidationError({"reviewer": f"{reviewer} is already assigned to this application."})
    try:
        with transaction.atomic():
            assignment = ReviewAssignment.objects.create(
                application=application,
                reviewer=reviewer,
                due_date=due_date,
                assigned_by=actor,
            )
    except IntegrityError:
        # assignment_one_per_reviewer: a concurrent request assigned them.
        if ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
            raise Conflict(f"{reviewer} was just assigned to this application.") from None
        raise
    Scorecard.objects.create(assignment=assignment, application=application)
    audit.record(
        actor=actor,
        event="assignment.created",
        obj=assignment,
        summary=f"Assigned {reviewer} (due {due_date or 'no date'}).",
        changes={"reviewer": [None, reviewer.pk], "due_date": [None, due_date]},
    )
    return assignment


@transaction.atomic
def assignment_set_due_date(
    *, assignment: ReviewAssignment, actor, due_date: date | None
) -> ReviewAssignment:
    assignment = ReviewAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.due_date != due_date:
        old = assignment.due_date
        assignment.due_date = due_date
        assignment.save(update_fields=["due_date"])
        audit.record(
            actor=actor,
            event="assignment.due_date_changed",
            obj=assignment,
            summary=f"Due date {old or 'none'} → {due_date or 'none'}.",
            changes={"due_date": [old, due_date]},
        )
    return assignment


# --- Scorecards -------------------------------------------------------------


def _lock_own_scorecard(scorecard: Scorecard, reviewer) -> Scorecard:
    locked = (
        # of=("self",): lock the scorecard only, not the joined rubric row
        # that every reviewer of the posting shares.
        Scorecard.objects.select_for_update(of=("self",))
        .select_related(
            "assignment__reviewer",
            "application__rubric",
            "application__posting",
            "application__candidate",
        )
        .get(pk=scorecard.pk)
    )
    if locked.assignment.reviewer_id != reviewer.pk:
        raise NotAssigned()
    # One application for both paths to it: the audit record's name for the card reads it.
    locked.assignment.application = locked.application
    return locked


def _apply_scores(
    card: Scorecard,
    scores: list[dict],
    existing: dict[int, CriterionScore],
    criteria: dict[int, Criterion],
) -> None:
    """Validate every entry first, then upsert; nothing is written when any
    entry is wrong. ``existing`` (criterion id → saved score) is brought up to date."""
    rubric = card.application.rubric
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, entry in enumerate(scores):
        cid, value = entry.get("criterion"), entry.get("value")
        where = f"scores[{index}]"
        if cid not in criteria:
            errors[f"{where}.criterion"] = (
                f"Criterion {cid} is not on this application's rubric (v{rubric.version})."
            )
            continue
        if cid in seen:
            errors[f"{where}.criterion"] = f"Criterion {cid} is scored twice."
        seen.add(cid)
        answer = entry.get("answer")
        if criteria[cid].is_screening:
            if value is not None:
                errors[f"{where}.value"] = (
                    f"“{criteria[cid].title}” is a screening question: answer it yes or no."
                )
            elif answer is not None and not isinstance(answer, bool):
                errors[f"{where}.answer"] = "Answer yes (true), no (false) or leave it empty."
            continue
        if answer is not None:
            errors[f"{where}.answer"] = (
                f"“{criteria[cid].title}” is scored on the rubric's scale, not answered yes or no."
            )
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not rubric.scale_min <= value <= rubric.scale_max
        ):
            errors[f"{where}.value"] = (
                f"Choose a level from {rubric.scale_min} to {rubric.scale_max}, not {value}."
            )
    if errors:
        raise ValidationError(errors)
    # One upsert for new and saved scores alike (a score sent without a note keeps the
    # saved one); the database answers each row's id, new or not.
    written = []
    for entry in scores:
        cid = entry["criterion"]
        saved = existing.get(cid)
        score = CriterionScore(
            scorecard=card,
            criterion=criteria[cid],
            value=entry.get("value"),
            answer=entry.get("answer"),
            note=entry.get("note", "" if saved is None else saved.note),
        )
        written.append(score)
        existing[cid] = score
    CriterionScore.objects.bulk_create(
        written,
        update_conflicts=True,
        unique_fields=["scorecard", "criterion"],
        update_fields=["value", "answer", "note"],
    )


@transaction.atomic
def scorecard_save(
    *,
    scorecard: Scorecard,
    reviewer,
    scores: list[dict] | None = None,
    recommendation: int | None = None,
    summary: str | None = None,
    submit: bool = False,
    schedule_calibration: bool = True,
) -> Scorecard:
    """Save a reviewer's draft, and submit it when `submit` is set.
    `schedule_calibration=False` tells the apps listening to submissions not
    to queue a calibration for this one (the demo calibrates once at the end).

    `scores` holds {"criterion": id, "value": level or None, "note": str}
    entries; criteria not listed keep what was saved before. The row lock
    makes two concurrent submissions store exactly one: the second finds the
    scorecard submitted and is refused.
    """
    card = _lock_own_scorecard(scorecard, reviewer)
    if card.is_submitted:
        raise ScorecardLocked()
    if recommendation is not None and (
        isinstance(recommendation, bool) or recommendation not in Scorecard.Recommendation.values
    ):
        raise ValidationError({"recommendation": "Choose Strong no, No, Yes or Strong yes."})
    # The saved scores and the rubric's criteria, read once: the audit's before and after,
    # the validation and the completeness check all work from them.
    rubric_id = card.application.rubric_id
    if scores or submit:
        criteria = {
            c.pk: c for c in Criterion.objects.filter(rubric_id=rubric_id).order_by("order", "id")
        }
        existing = {s.criterion_id: s for s in card.scores.order_by()}
        for score in existing.values():
            # (Only a score on another rubric's criterion, which nothing writes, reads its own.)
            if score.criterion_id in criteria:
                score.criterion = criteria[score.criterion_id]
    else:
        criteria = {}
        existing = {s.criterion_id: s for s in card.scores.select_related("criterion")}
    before = _score_state(existing)
    was = {"recommendation": card.recommendation, "summary": card.summary}
    # Anonymised review: whether this submission is what shows the reviewer who it is.
    was_hidden = (
        submit
        and card.application.posting.anonymised_review
        and anonymity.identity_hidden(card.application, reviewer)
    )
    if scores:
        _apply_scores(card, scores, existing, criteria)
    if recommendation is not None:
        card.recommendation = recommendation
    if summary is not None:
        card.summary = summary
    if submit:
        _check_complete(card, existing, criteria)
        card.status = Scorecard.Status.SUBMITTED
        card.submitted_at = timezone.now()
    # The application's stored score is refreshed once, when the block ends (the scorecard's
    # save asks for it), from the criteria read above; a scorecard changes no calibration
    # result, so a scored row keeps its adjusted score.
    with one_refresh_per_application(
        criteria={rubric_id: list(criteria.values())} if criteria else None, keep_adjusted=True
    ):
        card.save()
        changes = {}
        if score_changes := _score_changes(before, _score_state(existing)):
            changes["scores"] = score_changes
        changes.update(audit.diff(was, {"recommendation": card.recommendation}, ["recommendation"]))
        if was["summary"] != card.summary:
            changes["summary"] = "edited"
        if submit:
            changes["status"] = ["draft", "submitted"]
        audit.record(
            actor=reviewer,
            event="scorecard.submitted" if submit else "scorecard.saved",
            obj=card,
            summary="Submitted." if submit else "Saved a draft.",
            changes=changes,
        )
        if was_hidden and not anonymity.identity_hidden(card.application, reviewer):
            _record_reveal(card.application, reviewer)
        if submit:
            hooks.scorecard_submitted.send(
                sender=Scorecard,
                rubric_id=rubric_id,
                schedule_calibration=schedule_calibration,
            )
    _cache_scores(card, existing)
    return card


def _cache_scores(card: Scorecard, scores: dict[int, CriterionScore]) -> None:
    """Leave the saved scores on the card as a prefetch would (``card.scores.all()``, in
    the criteria's order), so that whoever answers with the card reads them from memory."""
    ordered = card.scores.all()
    ordered._result_cache = sorted(scores.values(), key=lambda s: (s.criterion.order, s.pk))
    ordered._prefetch_done = True
    card._prefetched_objects_cache = {"scores": ordered}


def _record_reveal(application: Application, reviewer) -> None:
    """The audit record of a reveal: who and which application, and nothing of the candidate
    (the record's name for the application is its id and code, not the candidate's name)."""
    event = audit.record(
        actor=reviewer,
        event="candidate.identity_revealed",
        obj=application,
        summary="The candidate's identity was shown to the reviewer on submitting their "
        "scorecard (anonymised review).",
    )
    event.object_repr = (
        f"Application #{application.pk} ({anonymity.candidate_code(application.candidate_id)})"
    )
    event.save(update_fields=["object_repr"])


def _check_complete(
    card: Scorecard, scores: dict[int, CriterionScore], criteria: dict[int, Criterion]
) -> None:
    missing = [
        c.title
        for c in sorted(criteria.values(), key=lambda c: (c.order, c.pk))
        if c.kind == Criterion.Kind.MUST_HAVE and (c.pk not in scores or scores[c.pk].value is None)
    ]
    errors = {}
    if missing:
        errors["scores"] = (
            "Score every must-have before submitting: "
            + ", ".join(f"“{t}”" for t in missing)
            + " still empty."
        )
    if card.recommendation is None:
        errors["recommendation"] = "Choose an overall recommendation before submitting."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scorecard_reopen(*, scorecard: Scorecard, actor) -> Scorecard:
    """A recruiter sends a submitted scorecard back to its reviewer."""
    if not roles.is_recruiter(actor):
        raise NotAssigned()
    card = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if not card.is_submitted:
        raise Conflict("Only a submitted scorecard can be reopened.", code="scorecard_draft")
    card.status = Scorecard.Status.DRAFT
    card.submitted_at = None
    card.reopened_at = timezone.now()
    card.reopened_by = actor
    card.save()
    audit.record(
        actor=actor,
        event="scorecard.reopened",
        obj=card,
        summary="Reopened for the reviewer.",
        changes={"status": ["submitted", "draft"]},
    )
    return card


def reviewers():
    """Users who may be assigned reviews."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[roles.REVIEWER, roles.RECRUITER])
        .distinct()
        .order_by("username")
    )


# --- Importing candidates with their applications -----------------------------


@dataclass
class ImportResult:
    candidates: list[Candidate]
    applications: list[Application] = field(default_factory=list)
    assignments: list[ReviewAssignment] = field(default_factory=list)


@transaction.atomic
def candidate_import_batch(
    *,
    actor,
    data: bytes,
    posting: JobPosting | None = None,
    reviewers=(),
    due_date: date | None = None,
) -> ImportResult:
    """Import a candidates file (CSV or XLSX) in one transaction, all or nothing: create its
    new candidates and, given a posting, open an application for every row (new or existing
    candidate) pinned to the posting's published rubric, then assign each of `reviewers` to
    every one of them. Any bad row, or a rule the services refuse, stops it whole."""
    reviewers = list(reviewers)
    if reviewers and posting is None:
        raise ValidationError(
            {"reviewers": "Choose a posting: reviewers are assigned to the applications it opens."}
        )
    parsed = candidate_import_parse(data, posting=posting)
    if not parsed.ok:
        raise ValidationError(
            [f"Line {line}: {message}" if line else message for line, message in parsed.errors]
        )
    try:
        with transaction.atomic():
            candidates = Candidate.objects.bulk_create(
                Candidate(
                    full_name=r["full_name"],
                    email=r["email"],
                    phone=r["phone"],
                    links=r["links"],
                    notes=r["notes"],
                    created_by=actor,
                )
                for r in parsed.rows
            )
    except IntegrityError:
        # The preview found none of these emails on file; another request added one since.
        raise Conflict(
            "A candidate in the file was just added by someone else; check the file again."
        ) from None
    for candidate in candidates:
        audit.record(
            actor=actor,
            event="candidate.created",
            obj=candidate,
            summary=f"Imported from {parsed.kind}.",
        )
    result = ImportResult(candidates=candidates)
    if posting is None:
        return result
    # The file's order: a new candidate's row and an existing one's interleave.
    people = sorted(
        [(r["line"], c) for r, c in zip(parsed.rows, candidates, strict=True)]
        + [(r["line"], r["candidate"]) for r in parsed.existing],
        key=lambda pair: pair[0],
    )
    result.applications, result.assignments = _open_applications_in_bulk(
        candidates=[c for _line, c in people],
        posting=posting,
        rubric=parsed.rubric,
        actor=actor,
        reviewers=reviewers,
        due_date=due_date,
    )
    return result


def _open_applications_in_bulk(
    *, candidates, posting: JobPosting, rubric: Rubric, actor, reviewers, due_date
) -> tuple[list[Application], list[ReviewAssignment]]:
    """application_open and assignment_create for many at once, under the same rules and
    with the same audit events, in a few inserts instead of a dozen queries a row (1,000
    rows with two reviewers: about 7 s one by one). The caller has checked that no candidate
    has an application for the posting yet; the unique constraints catch a concurrent one."""
    for reviewer in reviewers:
        if not is_reviewer(reviewer):
            raise ValidationError({"reviewer": f"{reviewer} is not in the Reviewer group."})
    stage = Application.Stage.SCREENING
    try:
        with transaction.atomic():
            applications = Application.objects.bulk_create(
                Application(
                    candidate=c, posting=posting, rubric=rubric, stage=stage, created_by=actor
                )
                for c in candidates
            )
            assignments = ReviewAssignment.objects.bulk_create(
                ReviewAssignment(application=a, reviewer=r, due_date=due_date, assigned_by=actor)
                for a in applications
                for r in reviewers
            )
    except IntegrityError:
        # application_one_per_candidate_posting: a concurrent request opened one.
        raise Conflict(
            "One of these candidates was just given an application for this posting "
            "elsewhere; check the file again."
        ) from None
    Scorecard.objects.bulk_create(
        Scorecard(assignment=x, application=x.application) for x in assignments
    )
    refresh_application_scores(a.pk for a in applications)
    for application in applications:
        audit.record(
            actor=actor,
            event="application.opened",
            obj=application,
            summary=f"Opened against rubric v{rubric.version}.",
            changes={"rubric": [None, rubric.pk], "stage": [None, stage]},
        )
    for x in assignments:
        audit.record(
            actor=actor,
            event="assignment.created",
            obj=x,
            summary=f"Assigned {x.reviewer} (due {due_date or 'no date'}).",
            changes={"reviewer": [None, x.reviewer.pk], "due_date": [None, due_date]},
        )
    return applications, assignments


# --- Documents ----------------------------------------------------------------

logger = logging.getLogger(__name__)

UNREADABLE = "Could not read this file."
MAX_NAME = 255


class DocumentRefused(ServiceError):
    """An upload refused for its content (not a PDF, DOCX or text file, too large, too many
    pages): answered as a 400 with the message under "file"."""

    default_code = "document_rejected"

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("field", "file")
        super().__init__(message, **kwargs)


def _clean_name(name: str) -> str:
    """The file's own name, without the folders a browser or a client may send along."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = "".join(c for c in base if c.isprintable())
    return base[:MAX_NAME] or "document"


def document_check_size(size: int) -> None:
    """Refuse a file over the limit from its declared size, before its bytes are read (the
    sniffer's own check, with its message, for a caller that has the size first)."""
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        raise DocumentRefused(f"The file is {_megabytes(size)}; the limit is {_megabytes(limit)}.")


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


def document_check(data: bytes) -> SniffedDocument:
    """What the file is, from its content, within the configured size and page limits; or
    ``DocumentRefused`` saying why not (for a form to show before anything is stored)."""
    try:
        return sniff(
            data, max_bytes=settings.DOCUMENT_MAX_BYTES, max_pages=settings.DOCUMENT_MAX_PAGES
        )
    except DocumentRejected as exc:
        raise DocumentRefused(exc.message) from None


def document_upload(*, application: Application, actor, name: str, data: bytes, role: str):
    """Take a candidate's file for an application (recruiters): checked by its content,
    stored under a random name, recorded with an audit event, its text read by a task once
    the transaction commits. A refused file leaves nothing behind."""
    if not roles.is_recruiter(actor):
        raise NotAssigned()
    if application.candidate.erased_at is not None:  # the import's are loaded already
        raise Conflict(ERASED, code="erased")
    if role not in Document.Role.values:
        raise ValidationError({"role": f"Choose one of {', '.join(Document.Role.values)}."})
    sniffed = document_check(data)
    document = Document(
        application=application,
        role=role,
        kind=sniffed.kind.value,
        original_name=_clean_name(name),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=sniffed.pages,
        uploaded_by=actor,
    )
    stored = None
    try:
        with transaction.atomic():
            # The storage picks the name (documents/<uuid>.<kind>); the row follows it.
            document.file.save(f"upload.{sniffed.extension}", ContentFile(data), save=False)
            stored = document.file.name
            document.save()
            audit.record(
                actor=actor,
                event="document.uploaded",
                obj=document,
                summary=f"Uploaded a {document.get_role_display().lower()} "
                f"({document.get_kind_display()}, {document.size} bytes).",
                # Whose it was, once the document is gone (erasure reads it).
                changes={"application": document.application_id},
            )
            _schedule_extraction(document.pk)
    except BaseException:
        if stored:
            document.file.storage.delete(stored)
        raise
    return document


def _schedule_extraction(document_id: int) -> None:
    from screening.tasks import extract_document  # the task module imports these services

    extract_document.delay_on_commit(document_id)


def document_extract(*, document_id: int):
    """Read a document's text page by page (and draw a PDF's pages), then mark it ready, or
    failed with the reason. Safe to run again: the pages are replaced. Never raises for a
    file that cannot be read; returns None when the document is gone."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return None
    error, texts, images, needs_ocr, layouts = "", [], [], False, []
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
        extracted = extract_text(data, document.kind)
        texts, needs_ocr, layouts = extracted.pages, extracted.needs_ocr, extracted.layouts or []
        if document.kind == Document.Kind.PDF:
            images = render_pages(data)
    except ExtractionFailed as exc:
        error = exc.message
    except Exception:
        logger.exception("Reading document %s failed", document_id)
        error = UNREADABLE
    new_files: list[str] = []
    try:
        with transaction.atomic():
            document = Document.objects.select_for_update().filter(pk=document_id).first()
            if document is None:
                return None
            old_pages = list(document.pages.all())
            for page in old_pages:
                page.delete()  # their images leave storage on commit
            pages = []
            for number, text in enumerate(texts, start=1):
                page = DocumentPage(document=document, number=number, text=text)
                if number <= len(layouts):
                    page.boxes = layouts[number - 1]  # where the words sit on the image
                if number <= len(images):
                    page.image.save(f"page-{number}.png", ContentFile(images[number - 1]), False)
                    new_files.append(page.image.name)
                pages.append(page)
            DocumentPage.objects.bulk_create(pages)
            before = document.status
            document.status = Document.Status.FAILED if error else Document.Status.READY
            document.error = error
            document.needs_ocr = needs_ocr
            if texts:
                document.page_count = len(texts)
            document.save(update_fields=["status", "error", "needs_ocr", "page_count"])
            audit.record(
                actor=None,
                event="document.read" if not error else "document.unreadable",
                obj=document,
                summary=error or f"Read {len(texts)} page(s).",
                changes=audit.diff({"status": before}, {"status": document.status}),
            )
    except BaseException:
        for name in new_files:
            document.file.storage.delete(name)
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document, actor) -> None:
    """Remove a document (recruiters): its row, its pages and, once that commits, its files."""
    if not roles.is_recruiter(actor):
        raise NotAssigned()
    document = Document.objects.select_for_update().get(pk=document.pk)
    audit.record(
        actor=actor,
        event="document.deleted",
        obj=document,
        summary=f"Deleted the {document.get_role_display().lower()} of {document.application}.",
        changes={"application": document.application_id},
    )
    for page in document.pages.all():
        page.delete()
    document.delete()


# --- Importing candidates with their documents ---------------------------------


def candidate_import_with_documents(
    *,
    actor,
    data: bytes | None,
    documents: imports.Bundle | None,
    posting: JobPosting | None,
    reviewers=(),
    due_date: date | None = None,
    role: str | None = None,
) -> tuple[ImportResult, list[Document]]:
    """Import a candidates file (as candidate_import_batch) and attach the documents sent
    with it to the applications it opens: each row's files, by its `documents` column or by
    its email (imports.match_documents). With `data` None, attach the documents to the
    posting's existing applications by their candidates' emails. One transaction, all or
    nothing: any bad row or file is refused with its line, and the files stored before a
    refusal leave storage again. `role` overrides the role the file names suggest."""
    if documents is not None and posting is None:
        raise ValidationError(
            {"documents": "Choose a posting: documents are attached to its applications."}
        )
    stored, attached = [], []
    try:
        with transaction.atomic():
            if data is None:
                result = ImportResult(candidates=[])
                applications = list(
                    Application.objects.filter(posting=posting).select_related("candidate")
                )
                claims = [imports.Claim(0, a.candidate.email) for a in applications]
                unclaimed = {"unclaimed": f"no application on “{posting}” has this email"}
            else:
                result = candidate_import_batch(
                    actor=actor, data=data, posting=posting, reviewers=reviewers, due_date=due_date
                )
                applications = result.applications
                claims, unclaimed = imports.document_claims(imports.read_table(data)), {}
            plan = imports.match_documents(
                claims,
                documents,
                check=document_check,
                check_size=document_check_size,
                role=role,
                **unclaimed,
            )
            if plan.problems:
                raise ValidationError(
                    [
                        f"Line {line}: {message}" if line else message
                        for line, message in plan.problems
                    ]
                )
            by_email = {a.candidate.email.lower(): a for a in applications}
            for planned in plan.documents:
                document = document_upload(
                    application=by_email[planned.email.lower()],
                    actor=actor,
                    name=planned.file.name,
                    data=planned.file.read(),
                    role=planned.role,
                )
                stored.append((document.file.storage, document.file.name))
                attached.append(document)
    except BaseException:
        # document_upload cleans up after its own failure; the files it stored before a
        # later refusal are this transaction's to remove.
        for storage, name in stored:
            storage.delete(name)
        raise
    return result, attached
