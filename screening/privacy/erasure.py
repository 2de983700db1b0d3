"""Erasure of one candidate's personal data, everywhere it is stored, in one transaction.

The candidate row stays as a pseudonymous key ("Erased candidate #a1b2c3d4"), so their
applications, stages, assignments, recommendations and criterion scores (values and
answers) still count in rankings and calibration. Removed: the name, email, phone, links
and notes; every scorecard summary and criterion note about them; their documents with
pages, extracted text and page images (the files once the transaction commits); and
their strings wherever else they were written: the audit trail, the admin's log, pending
imports, sessions, and the mail archive. Apps built on screening (reports, calibration)
scrub their own tables when `candidate_erasing` is sent inside the transaction.

The one audit event, "candidate.erased", holds the actor, the time, the request reference
(itself scrubbed of the candidate's strings) and counts: no personal data."""

from __future__ import annotations

import contextlib
import logging
import secrets
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from core import audit
from core.errors import Conflict
from core.models import AuditEvent
from screening.models import Candidate, CriterionScore, Document, Scorecard
from screening.privacy import mail
from screening.privacy.scrub import Scrubber, scrub_rows

logger = logging.getLogger(__name__)

# Sent inside the erasure's transaction with `candidate` (already locked, its applications
# kept) and `scrubber`; a receiver scrubs or deletes its app's rows about the candidate
# and returns {what: count} for the audit event's counts.
candidate_erasing = Signal()

ERASED_EMAIL_DOMAIN = "erased.invalid"  # RFC 2606: never delivered
# An admin import waiting between its preview and its confirmation (screening/admin).
IMPORT_SESSION_KEY = "screening.candidate_import"
DOCUMENTS_SESSION_KEY = "screening.candidate_import_documents"
KEPT_DOCUMENTS_DIR = "imports"

ALREADY_ERASED = "This candidate's personal data was already erased."
ON_HOLD = "This candidate is under a legal hold ({reason}); release the hold before erasing."


def placeholder_for(pseudonym: str) -> str:
    return f"Erased candidate #{pseudonym}"


@dataclass
class ErasureResult:
    candidate: Candidate
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pseudonym(self) -> str:
        return self.candidate.pseudonym


def _new_pseudonym() -> str:
    while True:
        code = secrets.token_hex(4)
        if not Candidate.objects.filter(pseudonym=code).exists():
            return code


def earlier_names(candidate: Candidate) -> set[str]:
    """The names the candidate went by before a rename: each record about the candidate
    itself (the audit trail's and the admin's history) was written under the name of its
    day."""
    content_type = ContentType.objects.get_for_model(Candidate)
    where = {"content_type": content_type, "object_id": str(candidate.pk)}
    return (
        set(AuditEvent.objects.filter(**where).values_list("object_repr", flat=True))
        | set(LogEntry.objects.filter(**where).values_list("object_repr", flat=True))
    ) - {candidate.full_name, f"Candidate #{candidate.pk}"}  # the export's record names the id


def scrubber_for(candidate: Candidate, placeholder: str) -> Scrubber:
    needles = [candidate.full_name, candidate.email, candidate.phone, *(candidate.links or [])]
    needles += sorted(earlier_names(candidate))
    needles += document_names(candidate)
    return Scrubber([n for n in needles if n], placeholder)


def document_names(candidate: Candidate) -> set[str]:
    """The file names of the candidate's documents, those deleted before included: the
    records about a document carry its file name, and say whose it was (its application in
    their changes; a deletion's summary names the candidate)."""
    names = set(
        Document.objects.filter(application__candidate=candidate).values_list(
            "original_name", flat=True
        )
    )
    content_type = ContentType.objects.get_for_model(Document)
    events = AuditEvent.objects.filter(content_type=content_type)
    application_ids = list(candidate.applications.values_list("pk", flat=True))
    ids = set(
        Document.objects.filter(application__candidate=candidate).values_list("pk", flat=True)
    )
    ids = {str(pk) for pk in ids}
    ids |= set(
        events.filter(changes__application__in=application_ids).values_list("object_id", flat=True)
    )
    ids |= set(
        events.filter(summary__icontains=candidate.full_name).values_list("object_id", flat=True)
    )
    if ids:
        names |= set(events.filter(object_id__in=ids).values_list("object_repr", flat=True))
        names |= set(
            LogEntry.objects.filter(content_type=content_type, object_id__in=ids).values_list(
                "object_repr", flat=True
            )
        )
    return names


def _scrub_sessions(scrubber: Scrubber) -> int:
    """Sessions holding the candidate: every import waiting for its confirmation is dropped
    (its file, CSV or a workbook, cannot be searched reliably, and confirming it later would
    bring the person back; the recruiter uploads it again); any other string (e.g. a
    pending message) is scrubbed."""
    changed = 0
    store = Session.get_session_store_class()()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)
        if not data:
            continue
        new = {
            key: scrubber.sub_json(value)
            for key, value in data.items()
            if key not in (IMPORT_SESSION_KEY, DOCUMENTS_SESSION_KEY)
        }
        if new != data:
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(new))
            changed += 1
    return changed


def _pending_import_files() -> list[str]:
    try:
        _folders, names = default_storage.listdir(KEPT_DOCUMENTS_DIR)
    except (FileNotFoundError, NotImplementedError):
        return []
    return [f"{KEPT_DOCUMENTS_DIR}/{name}" for name in names]


def _delete_on_commit(names: list[str]) -> None:
    def delete():
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                default_storage.delete(name)

    if names:
        transaction.on_commit(delete)


@transaction.atomic
def erase_candidate(candidate: Candidate, *, actor, reference: str = "") -> ErasureResult:
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.is_erased:
        raise Conflict(ALREADY_ERASED, code="already_erased")
    if candidate.legal_hold:
        raise Conflict(ON_HOLD.format(reason=candidate.legal_hold_reason), code="legal_hold")
    pseudonym = _new_pseudonym()
    placeholder = placeholder_for(pseudonym)
    scrubber = scrubber_for(candidate, placeholder)
    counts: dict[str, int] = {}

    # Documents, their pages and (on commit, by the models' receivers) their files.
    documents = Document.objects.filter(application__candidate=candidate)
    counts["documents"] = documents.count()
    documents.delete()

    # Free text about the candidate; the numbers stay.
    cards = Scorecard.objects.filter(application__candidate=candidate)
    counts["scorecard_summaries"] = cards.exclude(summary="").update(summary="")
    counts["criterion_notes"] = (
        CriterionScore.objects.filter(scorecard__application__candidate=candidate)
        .exclude(note="")
        .update(note="")
    )

    candidate.full_name = placeholder
    candidate.email = f"erased-{pseudonym}@{ERASED_EMAIL_DOMAIN}"
    candidate.phone = ""
    candidate.links = []
    candidate.notes = ""
    candidate.pseudonym = pseudonym
    candidate.erased_at = timezone.now()
    candidate.save()

    # Their strings wherever else they were written.
    counts["audit_events"] = scrub_rows(AuditEvent.objects.all(), scrubber)
    counts["admin_log_entries"] = scrub_rows(
        LogEntry.objects.all(), scrubber, ["object_repr", "change_message"]
    )
    counts["sessions"] = _scrub_sessions(scrubber)
    for _receiver, app_counts in candidate_erasing.send(
        sender=Candidate, candidate=candidate, scrubber=scrubber
    ):
        counts.update(app_counts or {})

    # Files, touched once the erasure commits: an import waiting for its confirmation may
    # hold the candidate, so pending imports are discarded (uploaded again, they preview
    # as before); archived mail mentioning them is rewritten.
    pending = _pending_import_files()
    counts["pending_imports"] = len(pending)
    _delete_on_commit(pending)
    mail_files = mail.files_mentioning(scrubber)
    counts["mail_files"] = len(mail_files)
    if mail_files:
        transaction.on_commit(lambda: mail.scrub_files(mail_files, scrubber))
    samples = mail.samples_mentioning(scrubber)
    counts["sample_files"] = len(samples)
    if samples:
        transaction.on_commit(lambda: mail.scrub_samples(samples, scrubber))

    audit.record(
        actor=actor,
        event="candidate.erased",
        obj=candidate,
        summary="Erased the candidate's personal data; ratings kept under the pseudonym.",
        changes={"reference": scrubber.sub(reference.strip())[:200], "counts": counts},
    )
    logger.info("Erased candidate %s (#%s): %s", candidate.pk, pseudonym, counts)
    return ErasureResult(candidate=candidate, counts=counts)
