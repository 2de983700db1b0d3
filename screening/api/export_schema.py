"""The OpenAPI shape of a candidate's subject-access export (built by
screening.privacy.export.candidate_export; served by CandidateViewSet.export)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers as s

from screening.api.serializers import CandidateSerializer

RATING = {
    "criterion": s.CharField(),
    "kind": s.CharField(),
    "value": s.IntegerField(allow_null=True, help_text="Empty: no evidence."),
    "level": s.CharField(allow_null=True),
    "answer": s.BooleanField(allow_null=True, help_text="Screening questions only."),
    "note": s.CharField(),
}
SCORECARD = {
    "reviewer": s.CharField(help_text='"Reviewer 1", "Reviewer 2", … per application.'),
    "status": s.CharField(),
    "source": s.CharField(),
    "recommendation": s.CharField(allow_null=True),
    "summary": s.CharField(),
    "submitted_at": s.DateTimeField(allow_null=True),
    "updated_at": s.DateTimeField(),
    "ratings": inline_serializer("CandidateExportRating", RATING, many=True),
}
PAGE = {"number": s.IntegerField(), "text": s.CharField(), "has_image": s.BooleanField()}
DOCUMENT = {
    "id": s.IntegerField(),
    "role": s.CharField(),
    "kind": s.CharField(),
    "original_name": s.CharField(),
    "size": s.IntegerField(),
    "sha256": s.CharField(),
    "status": s.CharField(),
    "page_count": s.IntegerField(allow_null=True),
    "uploaded_at": s.DateTimeField(),
    "pages": inline_serializer("CandidateExportPage", PAGE, many=True),
}
STAGE_CHANGE = {
    "at": s.DateTimeField(),
    "from": s.CharField(allow_null=True),
    "to": s.CharField(),
}
APPLICATION = {
    "id": s.IntegerField(),
    "posting": s.CharField(help_text="The posting's title."),
    "rubric_version": s.IntegerField(),
    "stage": s.CharField(),
    "opened_at": s.DateTimeField(),
    "stage_history": inline_serializer("CandidateExportStageChange", STAGE_CHANGE, many=True),
    "scorecards": inline_serializer("CandidateExportScorecard", SCORECARD, many=True),
    "documents": inline_serializer("CandidateExportDocument", DOCUMENT, many=True),
}
AUDIT_EVENT = {
    "at": s.DateTimeField(),
    "event": s.CharField(),
    "about": s.CharField(help_text="candidate, application, review assignment, …"),
    "application": s.IntegerField(allow_null=True),
    "summary": s.CharField(help_text="Reviewers named by their alias."),
}
REPORT = {
    "id": s.IntegerField(),
    "kind": s.CharField(),
    "subject": s.CharField(),
    "period_start": s.DateTimeField(),
    "period_end": s.DateTimeField(),
    "sent_at": s.DateTimeField(allow_null=True),
    "lines": s.ListField(child=s.CharField(), help_text="The report's text lines naming them."),
    "csv_rows": s.ListField(child=s.CharField()),
}
DEMOGRAPHICS = {
    "included": s.BooleanField(help_text="Only for users with the view_demographics permission."),
    "answers": s.DictField(child=s.CharField(), required=False),
    "updated_at": s.DateTimeField(allow_null=True, required=False),
    "note": s.CharField(),
}

CANDIDATE_EXPORT = inline_serializer(
    "CandidateExport",
    {
        "format": s.IntegerField(),
        "exported_at": s.DateTimeField(),
        "notes": s.DictField(child=s.CharField()),
        "candidate": CandidateSerializer(),
        "applications": inline_serializer("CandidateExportApplication", APPLICATION, many=True),
        "audit_events": inline_serializer("CandidateExportAuditEvent", AUDIT_EVENT, many=True),
        "reports": inline_serializer("CandidateExportReport", REPORT, many=True),
        "demographics": inline_serializer("CandidateExportDemographics", DEMOGRAPHICS),
    },
)
