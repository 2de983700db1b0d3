"""Subject access: everything stored about one candidate, as JSON-able data.

`candidate_export` builds it in a constant number of queries, whatever the number of
applications, scorecards or documents: the candidate's applications, their scorecards with
the scores, the documents with their pages, and the audit events about any of them are each
read in one query; the apps built on screening (stored reports, self-identified
demographics) add their sections through `screening.hooks`. `export_candidate` is the
service the API and the admin call: it builds the export and records that it was made.

Reviewers and recruiters are third parties: their identities are not the candidate's data,
so each application's reviewers are named "Reviewer 1", "Reviewer 2", … and who did what in
the audit trail is left out."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from screening import hooks
from screening.models import (
    Application,
    Candidate,
    CriterionScore,
    Document,
    DocumentPage,
    ReviewAssignment,
    Scorecard,
)

FORMAT_VERSION = 1

NOTES = {
    "third_parties": (
        "Reviewers are named Reviewer 1, Reviewer 2, … within each application, and who "
        "made each recorded change is left out: the identities of the people who assessed "
        "you are not your personal data."
    ),
    "ratings": (
        "Ratings are on the application's rubric scale; an empty rating means the reviewer "
        "found no evidence for that criterion."
    ),
}


def _iso(moment):
    return moment.isoformat() if moment else None


def _applications(candidate: Candidate) -> list[Application]:
    """The candidate's applications with everything under them, in five queries."""
    scores = CriterionScore.objects.select_related("criterion").order_by("criterion__order", "id")
    # The scorecard comes with its assignment (one to one), its scores in one more query.
    assignments = (
        ReviewAssignment.objects.select_related("reviewer", "scorecard")
        .prefetch_related(Prefetch("scorecard__scores", queryset=scores))
        .order_by("created_at", "id")
    )
    pages = DocumentPage.objects.only("id", "document_id", "number", "text", "image")
    documents = Document.objects.prefetch_related(Prefetch("pages", queryset=pages)).order_by(
        "created_at", "id"
    )
    return list(
        Application.objects.filter(candidate=candidate)
        .select_related("posting", "rubric")
        .prefetch_related(
            Prefetch("assignments", queryset=assignments),
            Prefetch("documents", queryset=documents),
        )
        .order_by("created_at", "id")
    )


def _reviewer_aliases(application: Application) -> dict[int, str]:
    """Reviewer id → "Reviewer N", numbered in the order they were assigned."""
    return {
        assignment.reviewer_id: f"Reviewer {n}"
        for n, assignment in enumerate(application.assignments.all(), start=1)
    }


def _scorecard(assignment: ReviewAssignment, alias: str, rubric) -> dict | None:
    try:
        card = assignment.scorecard
    except Scorecard.DoesNotExist:
        return None
    labels = rubric.level_labels
    return {
        "reviewer": alias,
        "status": card.status,
        "source": card.source,
        "recommendation": card.get_recommendation_display() if card.recommendation else None,
        "summary": card.summary,
        "submitted_at": _iso(card.submitted_at),
        "updated_at": _iso(card.updated_at),
        "ratings": [
            {
                "criterion": score.criterion.title,
                "kind": score.criterion.kind,
                "value": score.value,
                "level": labels[score.value - 1]
                if score.value is not None and score.value <= len(labels)
                else None,
                "answer": score.answer,
                "note": score.note,
            }
            for score in card.scores.all()
        ],
    }


def _document(document: Document) -> dict:
    return {
        "id": document.pk,
        "role": document.role,
        "kind": document.kind,
        "original_name": document.original_name,
        "size": document.size,
        "sha256": document.sha256,
        "status": document.status,
        "page_count": document.page_count,
        "uploaded_at": _iso(document.created_at),
        "pages": [
            {"number": page.number, "text": page.text, "has_image": bool(page.image)}
            for page in document.pages.all()
        ],
    }


def _audit_events(candidate: Candidate, applications: list[Application]):
    """The audit events about the candidate and anything stored under them, oldest first
    (one query; the content types come from Django's cache)."""
    types = ContentType.objects.get_for_models(
        Candidate, Application, ReviewAssignment, Scorecard, Document
    )
    ids = {Candidate: [candidate.pk], Application: [], ReviewAssignment: [], Scorecard: []}
    ids[Document] = []
    for application in applications:
        ids[Application].append(application.pk)
        ids[Document].extend(d.pk for d in application.documents.all())
        for assignment in application.assignments.all():
            ids[ReviewAssignment].append(assignment.pk)
            if hasattr(assignment, "scorecard"):
                ids[Scorecard].append(assignment.scorecard.pk)
    about = Q(pk__in=[])
    for model, pks in ids.items():
        if pks:
            about |= Q(content_type=types[model], object_id__in=[str(pk) for pk in pks])
    events = AuditEvent.objects.filter(about).only(
        "created_at", "event", "summary", "changes", "content_type_id", "object_id"
    )
    return list(events.order_by("created_at", "id")), {ct.pk: m for m, ct in types.items()}


def _without_names(text: str, names: dict[str, str]) -> str:
    for name, alias in names.items():
        text = text.replace(name, alias)
    return text


def _stage_history(events) -> list[dict]:
    """From the application's "opened" and "stage changed" events: when it moved, from
    which stage to which."""
    history = []
    for event in events:
        stage = (event.changes or {}).get("stage")
        if event.event in ("application.opened", "application.stage_changed") and (
            isinstance(stage, list) and len(stage) == 2
        ):
            history.append({"at": _iso(event.created_at), "from": stage[0], "to": stage[1]})
    return history


def candidate_export(candidate: Candidate, *, user) -> dict:
    """Everything stored about `candidate`, as `user` may be given it (the sections added by
    other apps decide what `user` may see, e.g. self-identified demographics)."""
    applications = _applications(candidate)
    events, model_of = _audit_events(candidate, applications)
    # (model, id) → the application it belongs to, and per application its reviewers'
    # names → their aliases, so that the audit summaries ("Assigned …") name no one.
    owner = {}
    names_in = {}
    out_applications = []
    for application in applications:
        aliases = _reviewer_aliases(application)
        owner[(Application, application.pk)] = application.pk
        names = {}
        cards = []
        for assignment in application.assignments.all():
            reviewer, alias = assignment.reviewer, aliases[assignment.reviewer_id]
            for name in (reviewer.get_full_name(), reviewer.get_username()):
                if name:
                    names[name] = alias
            owner[(ReviewAssignment, assignment.pk)] = application.pk
            card = _scorecard(assignment, alias, application.rubric)
            if card is not None:
                owner[(Scorecard, assignment.scorecard.pk)] = application.pk
                cards.append(card)
        for document in application.documents.all():
            owner[(Document, document.pk)] = application.pk
        # Longest first: a full name goes before a username that is part of it.
        names_in[application.pk] = dict(sorted(names.items(), key=lambda kv: -len(kv[0])))
        own_events = [
            e
            for e in events
            if model_of[e.content_type_id] is Application and e.object_id == str(application.pk)
        ]
        out_applications.append(
            {
                "id": application.pk,
                "posting": application.posting.title,
                "rubric_version": application.rubric.version,
                "stage": application.stage,
                "opened_at": _iso(application.created_at),
                "stage_history": _stage_history(own_events),
                "scorecards": cards,
                "documents": [_document(d) for d in application.documents.all()],
            }
        )
    out_events = []
    for event in events:
        model = model_of[event.content_type_id]
        application_id = owner.get((model, int(event.object_id)))
        out_events.append(
            {
                "at": _iso(event.created_at),
                "event": event.event,
                "about": str(model._meta.verbose_name),
                "application": application_id,
                "summary": _without_names(event.summary, names_in.get(application_id, {})),
            }
        )
    return {
        "format": FORMAT_VERSION,
        "exported_at": _iso(timezone.now()),
        "notes": NOTES,
        "candidate": {
            "id": candidate.pk,
            "full_name": candidate.full_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "links": candidate.links,
            "notes": candidate.notes,
            "created_at": _iso(candidate.created_at),
        },
        "applications": out_applications,
        "audit_events": out_events,
        **hooks.export_sections(candidate, user=user),
    }


@transaction.atomic
def export_candidate(*, candidate: Candidate, actor) -> dict:
    """The candidate's export for `actor`, with a "candidate.exported" audit event that holds
    no personal data: the event names the candidate by id, never by name."""
    data = candidate_export(candidate, user=actor)
    audit.record(
        actor=actor,
        event="candidate.exported",
        # An unsaved stand-in with the candidate's id: the event's object text must not be
        # the candidate's name (str(candidate)).
        obj=Candidate(pk=candidate.pk, full_name=f"Candidate #{candidate.pk}"),
        summary="Exported the candidate's data (subject access).",
        changes={"sections": [None, sorted(k for k in data if k not in ("format", "notes"))]},
    )
    return data


def export_filename(candidate: Candidate) -> str:
    return f"candidate-{candidate.pk}.json"
