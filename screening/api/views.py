"""Screening over REST. Querysets come from selectors that already limit a
reviewer to their own assignments, so other people's work answers 404."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import IsRecruiter
from core.errors import Conflict
from core.roles import is_recruiter
from rubrics.models import JobPosting
from screening import anonymity, exports, selectors, services
from screening.api import ranking_cursor
from screening.api.export_schema import CANDIDATE_EXPORT
from screening.api.renderers import CSVRenderer
from screening.api.serializers import (
    ApplicationSerializer,
    ApplicationStageSerializer,
    ApplicationSummarySerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    CandidateAsReadSerializer,
    CandidateErasedSerializer,
    CandidateEraseSerializer,
    CandidateForReviewerSerializer,
    CandidateSerializer,
    CriterionEvidenceSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    RankingRowSerializer,
    ScorecardSerializer,
    ScorecardWriteSerializer,
)
from screening.documents.sniff import CONTENT_TYPES, DocumentKind
from screening.errors import NotAssigned
from screening.models import Application, Candidate, Document, ReviewAssignment, Scorecard
from screening.privacy import export as privacy_export
from screening.privacy.erasure import ALREADY_ERASED, erase_candidate


class RecruiterWritesOnly(permissions.BasePermission):
    message = "Only recruiters may do this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or is_recruiter(request.user)


@extend_schema_view(
    list=extend_schema(responses=CandidateAsReadSerializer(many=True)),
    retrieve=extend_schema(responses=CandidateAsReadSerializer),
)
class CandidateViewSet(viewsets.ModelViewSet):
    permission_classes = [RecruiterWritesOnly]
    ordering_fields = ["full_name", "created_at"]
    ordering = ["full_name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Candidate.objects.none()
        return selectors.candidates_visible_to(self.request.user)

    @property
    def search_fields(self):
        # A reviewer must not be able to probe for an email address, nor, on an anonymised
        # review, for the name behind a code.
        if is_recruiter(self.request.user):
            return ["full_name", "email"]
        if self.request.query_params.get("search") and (
            anonymity.IdentityScreen.of(self.request).hides_anyone()
        ):
            return []
        return ["full_name"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # Sorted by name, a list of codes would tell where each hidden name falls in the
        # alphabet: a reviewer who has anyone hidden gets the list by id (newest order kept).
        if self.action == "list" and anonymity.IdentityScreen.of(self.request).hides_anyone():
            requested = self.request.query_params.get("ordering", "")
            if "created_at" not in requested:
                return queryset.order_by("id")
        return queryset

    def get_serializer_class(self):
        if is_recruiter(self.request.user):
            return CandidateSerializer
        return CandidateForReviewerSerializer

    def perform_create(self, serializer):
        serializer.instance = services.candidate_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        if serializer.instance.is_erased:
            raise Conflict(ALREADY_ERASED, code="already_erased")
        serializer.instance = services.candidate_update(
            candidate=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        request=None,
        responses={200: CANDIDATE_EXPORT},
        summary="Everything stored about the candidate (subject access), as a JSON attachment",
        description=(
            "Recruiters only. Served as the attachment candidate-<id>.json; each export is "
            "recorded as a candidate.exported audit event that holds no personal data. "
            "Reviewers are named Reviewer 1, 2, … per application. Self-identified "
            "demographics are included only for users with the view_demographics permission."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[IsRecruiter],
        renderer_classes=[JSONRenderer],
    )
    def export(self, request, pk=None):
        candidate = self.get_object()
        data = privacy_export.export_candidate(candidate=candidate, actor=request.user)
        filename = privacy_export.export_filename(candidate)
        return Response(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @extend_schema(
        responses={204: None},
        summary="Refused: candidates are erased, not deleted (POST …/erase/)",
    )
    def destroy(self, request, *args, **kwargs):
        candidate = self.get_object()
        raise Conflict(
            "Candidates are not deleted: their ratings count in calibration. "
            f"POST /api/v1/candidates/{candidate.pk}/erase/ erases their personal data "
            "and keeps the ratings under a pseudonym.",
            code="erase_instead",
        )

    @extend_schema(
        request=CandidateEraseSerializer,
        responses=CandidateErasedSerializer,
        summary="Erase the candidate's personal data everywhere (recruiters)",
        description=(
            "Name, email, phone, links, notes, scorecard notes and summaries, documents, "
            "and their mentions in the audit trail, stored reports and archived mail are "
            "removed in one transaction; ratings stay under a pseudonym. 409 when already "
            "erased or under a legal hold."
        ),
    )
    @action(detail=True, methods=["post"], permission_classes=[IsRecruiter])
    def erase(self, request, pk=None):
        candidate = self.get_object()
        params = CandidateEraseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        result = erase_candidate(
            candidate, actor=request.user, reference=params.validated_data["reference"]
        )
        erased = result.candidate
        return Response(
            CandidateErasedSerializer(
                {
                    "id": erased.pk,
                    "full_name": erased.full_name,
                    "pseudonym": erased.pseudonym,
                    "erased_at": erased.erased_at,
                    "counts": result.counts,
                }
            ).data
        )


class ApplicationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [RecruiterWritesOnly]
    serializer_class = ApplicationSerializer
    filterset_fields = ["posting", "stage", "candidate"]
    ordering_fields = ["created_at", "stage"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.applications_visible_to(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        application = services.application_open(
            candidate=data["candidate"],
            posting=data["posting"],
            actor=self.request.user,
            **({"stage": data["stage"]} if "stage" in data else {}),
        )
        serializer.instance = self.get_queryset().get(pk=application.pk)

    @extend_schema(
        request=ApplicationStageSerializer,
        responses=ApplicationSerializer,
        summary="Move an application to another stage",
    )
    def partial_update(self, request, pk=None):
        application = self.get_object()
        params = ApplicationStageSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.application_set_stage(
            application=application, actor=request.user, stage=params.validated_data["stage"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        responses=ApplicationSummarySerializer,
        summary="Scorecards, consensus, weighted score and recommendation tally",
    )
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        summary = selectors.application_summary(application=self.get_object(), viewer=request.user)
        return Response(ApplicationSummarySerializer(summary).data)

    @extend_schema(
        methods=["GET"],
        responses=AssignmentSerializer(many=True),
        summary="List the application's reviewers",
    )
    @extend_schema(
        methods=["POST"],
        request=AssignmentCreateSerializer,
        responses={201: AssignmentSerializer},
        summary="Assign a reviewer to the application (recruiters)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a plain list
    def assignments(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            qs = selectors.assignments_visible_to(request.user).filter(application=application)
            return Response(AssignmentSerializer(qs, many=True).data)
        params = AssignmentCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        reviewer = selectors.user_or_none(user_id=params.validated_data["reviewer"])
        if reviewer is None:
            raise ValidationError({"reviewer": ["No such user."]})
        assignment = services.assignment_create(
            application=application,
            reviewer=reviewer,
            actor=request.user,
            due_date=params.validated_data.get("due_date"),
        )
        assignment = selectors.assignments_visible_to(request.user).get(pk=assignment.pk)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """A reviewer's "My reviews": pending first, earliest due date first."""

    serializer_class = AssignmentSerializer
    filterset_fields = ["application", "reviewer", "scorecard__status"]
    ordering_fields = ["due_date", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewAssignment.objects.none()
        return selectors.assignments_visible_to(self.request.user)


class ScorecardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ScorecardSerializer
    filterset_fields = ["application", "status"]
    ordering_fields = ["status", "submitted_at", "updated_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Scorecard.objects.none()
        return selectors.scorecards_visible_to(self.request.user)

    def _save(self, request, pk, submit: bool):
        # The service locks the card and refuses one that is not the user's own: a card of
        # their own is one they may see, so no lookup comes first. Only when it refuses (or
        # the input is wrong) is the lookup made, so that a card the user may not see
        # answers 404 before anything else, as it always has.
        params = ScorecardWriteSerializer(data=request.data)
        if not (str(pk).isdigit() and params.is_valid()):
            self._visible_or_404(request, pk)
            params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            card = services.scorecard_save(
                scorecard=Scorecard(pk=int(pk)),
                reviewer=request.user,
                submit=submit,
                scores=[dict(s) for s in data.get("scores", [])],
                recommendation=data.get("recommendation"),
                summary=data.get("summary"),
            )
        except (NotAssigned, Scorecard.DoesNotExist):
            self._visible_or_404(request, pk)
            raise
        # The service answers the card as stored, its reviewer and scores loaded.
        return Response(self.get_serializer(card).data)

    def _visible_or_404(self, request, pk) -> None:
        scorecard = generics.get_object_or_404(
            self.get_queryset().select_related(None).prefetch_related(None).only("pk"), pk=pk
        )
        self.check_object_permissions(request, scorecard)

    @extend_schema(
        request=ScorecardWriteSerializer,
        responses=ScorecardSerializer,
        summary="Save your draft scorecard",
    )
    def partial_update(self, request, pk=None):
        return self._save(request, pk, submit=False)

    @extend_schema(
        request=ScorecardWriteSerializer,
        responses=ScorecardSerializer,
        summary="Submit your scorecard (optionally with final changes)",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._save(request, pk, submit=True)

    @extend_schema(
        request=None,
        responses=ScorecardSerializer,
        summary="Reopen a submitted scorecard (recruiters)",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsRecruiter])
    def reopen(self, request, pk=None):
        services.scorecard_reopen(scorecard=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


RANKING_PAGE_SIZE = 100
RANKING_MAX_PAGE_SIZE = 1000


def _positive(request, name: str, default: int, maximum: int | None = None) -> int:
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValidationError({name: ["A whole number from 1 up."]})
    return min(int(text), maximum) if maximum else int(text)


def _ranking_page(request) -> tuple[int, int]:
    return _positive(request, "page", 1), _positive(
        request, "page_size", RANKING_PAGE_SIZE, RANKING_MAX_PAGE_SIZE
    )


def _page_url(request, *, page: int | None = None, cursor: str | None = None) -> str:
    """This listing's URL at a page number or after a cursor (never both)."""
    query = request.query_params.copy()
    query.pop("page", None)
    query.pop("cursor", None)
    if page is not None:
        query["page"] = str(page)
    if cursor is not None:
        query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


class PostingRankingView(APIView):
    """The posting's applications ranked by consensus score (recruiters)."""

    permission_classes = [IsRecruiter]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("stage", enum=Application.Stage.values),
            OpenApiParameter("must_haves", enum=["pass", "fail", "unscored"]),
            OpenApiParameter(
                "order",
                enum=selectors.ranking_orders(),
                description="Django's convention: `-score` highest first (the default), "
                "`score` lowest first; likewise `adjusted` and `submitted`; `name` and "
                "`stage` A to Z, `-name` and `-stage` Z to A. Unscored applications come last. "
                "`rank` is the place in the default order whatever the sort.",
            ),
            OpenApiParameter("format", enum=["json", "csv"]),
            OpenApiParameter("page", int, description="A page of the rows (from 1)."),
            OpenApiParameter(
                "cursor",
                str,
                description="Where the page starts, as the `Link` header's next page gives it "
                "(keyset paging: a deep page costs what the first does; `page` is then "
                "ignored).",
            ),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Rows a page (default {RANKING_PAGE_SIZE}, at most "
                f"{RANKING_MAX_PAGE_SIZE}). The body is the page's rows; the `X-Total-Count` "
                'header counts every row, `Link` names the `rel="next"` and `rel="prev"` pages. '
                "The CSV holds every row.",
            ),
            OpenApiParameter("X-Total-Count", int, location=OpenApiParameter.HEADER, response=True),
            OpenApiParameter("Link", str, location=OpenApiParameter.HEADER, response=True),
            OpenApiParameter(
                "Calibration-Warning",
                str,
                location=OpenApiParameter.HEADER,
                response=True,
                description="Present when the adjusted scores compare only within groups of "
                "applications (reviewers who share no candidate): which reviewers are in "
                "which group, how many candidates each, and how to link the groups. Each "
                "row's `adjusted_group` says its group.",
            ),
        ],
        responses=RankingRowSerializer(many=True),
    )
    def get(self, request, pk):
        posting = get_object_or_404(JobPosting, pk=pk)
        stage = request.query_params.get("stage") or None
        if stage and stage not in Application.Stage.values:
            raise ValidationError({"stage": [f"“{stage}” is not a stage."]})
        must_haves = request.query_params.get("must_haves") or None
        if must_haves not in (None, "pass", "fail", "unscored"):
            raise ValidationError({"must_haves": ["Choose pass, fail or unscored."]})
        order = request.query_params.get("order") or selectors.DEFAULT_RANKING_ORDER
        if order not in selectors.ranking_orders():
            raise ValidationError(
                {"order": [f"Choose one of {', '.join(selectors.ranking_orders())}."]}
            )
        if request.accepted_renderer.format == "csv":
            # The file keeps the default order (best first), as the admin's export does.
            order = selectors.DEFAULT_RANKING_ORDER
        rows = selectors.posting_ranking(
            posting=posting, stage=stage, must_haves=must_haves, order=order, viewer=request.user
        )
        if request.accepted_renderer.format == "csv":
            return exports.ranking_csv_response(posting, rows)
        page, page_size = _ranking_page(request)
        total = rows.count()
        cursor = request.query_params.get("cursor")
        if cursor:
            key, first = ranking_cursor.load(cursor, rows)
            # One row more than the page: whether a next page exists, whatever the rows
            # before the cursor have done since (the total counts those too).
            shown = rows.after(key, page_size + 1)
            more, shown = len(shown) > page_size, shown[:page_size]
        else:
            first = (page - 1) * page_size
            shown = rows[first : first + page_size]
            more = first + len(shown) < total
        response = Response(
            RankingRowSerializer([{"rank": row.rank, "row": row} for row in shown], many=True).data
        )
        # The rows stay a list: the count and the neighbouring pages ride in headers.
        response["X-Total-Count"] = str(total)
        links = []
        if shown and more:
            # The next page by keyset: as quick at the millionth row as at the first.
            after = ranking_cursor.dump(rows, shown[-1], first + len(shown))
            links.append(f'<{_page_url(request, cursor=after)}>; rel="next"')
        if first > 0 and first % page_size == 0:
            last = max(1, -(-total // page_size))
            links.append(f'<{_page_url(request, page=min(first // page_size, last))}>; rel="prev"')
        if links:
            response["Link"] = ", ".join(links)
        warnings = rows.calibration_warnings
        if warnings:
            # The rows stay a list: the warning about adjusted scores rides in a header.
            response["Calibration-Warning"] = " ".join(warnings)
        return response


class DocumentViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A candidate's document: its metadata, the file itself (as a download, never shown
    inline) and its pages drawn as PNG. Recruiters and the application's reviewers only;
    anyone else gets 404, so a document's existence is not revealed."""

    serializer_class = DocumentSerializer
    permission_classes = [RecruiterWritesOnly]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return selectors.documents_visible_to(self.request.user)

    def perform_destroy(self, instance):
        services.document_delete(document=instance, actor=self.request.user)

    @extend_schema(
        # The file's own type: what it was sniffed as on upload.
        responses={
            (200, content_type.split(";")[0]): OpenApiTypes.BINARY
            for content_type in CONTENT_TYPES.values()
        },
        summary="Download the document (an attachment under its original name)",
        description="On an anonymised review you have not submitted yet: its text, with the "
        "candidate's identity blacked out, as a plain-text attachment.",
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        document = self.get_object()
        if document.candidate_hidden:
            return _locked_down(anonymity.redacted_text_response(document))
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=CONTENT_TYPES[DocumentKind(document.kind)],
        )
        return _locked_down(response)

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY},
        summary="One page of a PDF, drawn as a PNG image",
    )
    @action(detail=True, methods=["get"], url_path=r"pages/(?P<number>[0-9]+)/image")
    def page_image(self, request, pk=None, number=None):
        document = self.get_object()
        if document.candidate_hidden:
            # A page as drawn could show a photo and the name.
            raise NotFound(
                "Page images are not shown on an anonymised review until you submit; "
                "read the document's text instead."
            )
        page = selectors.document_page(document, int(number))
        if page is None or not page.image:
            raise NotFound("This document has no such page image.")
        response = FileResponse(page.image.open("rb"), content_type="image/png")
        return _locked_down(response)


def _locked_down(response):
    # A browser must never sniff the file into something runnable, nor run anything in it.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class ApplicationDocumentsView(generics.GenericAPIView):
    """An application's documents (recruiters and its reviewers), a page at a time like every
    list, and a new one (recruiters: multipart, the file under "file", its role under
    "role")."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [RecruiterWritesOnly]
    serializer_class = DocumentSerializer
    filter_backends = []

    def _application(self, request, pk):
        return get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)

    @extend_schema(
        responses=DocumentSerializer(many=True),
        summary="The application's documents, a page at a time",
    )
    def get(self, request, pk):
        application = self._application(request, pk)
        # Explicit order: the page count's GROUP BY drops Meta.ordering, and the pages of an
        # unordered query can overlap.
        documents = (
            selectors.documents_visible_to(request.user)
            .filter(application=application)
            .order_by("role", "created_at", "id")
        )
        page = self.paginate_queryset(documents)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        summary="Upload a document (PDF, DOCX or plain text) for the application",
    )
    def post(self, request, pk):
        application = self._application(request, pk)
        params = DocumentUploadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        services.document_check_size(upload.size)
        document = services.document_upload(
            application=application,
            actor=request.user,
            name=upload.name,
            data=upload.read(),
            role=params.validated_data["role"],
        )
        document = selectors.documents_visible_to(request.user).get(pk=document.pk)
        return Response(
            DocumentSerializer(document, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ApplicationEvidenceView(APIView):
    """Per criterion of the application's pinned rubric, the passages of its documents that
    speak to it: a pointer for the reviewer, who still decides the level."""

    @extend_schema(
        responses=CriterionEvidenceSerializer(many=True),
        summary="Passages of the application's documents per criterion",
    )
    def get(self, request, pk):
        application = get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)
        rows = selectors.application_evidence(application, anonymised=application.candidate_hidden)
        return Response(CriterionEvidenceSerializer(rows, many=True).data)
