"""Calibration sessions in the API: recruiters list and make them; a reviewer sees only
the sessions they are assigned to (404 otherwise), scores one blind with `submit/`, and
reads their own distance from the key in `results/` once they have submitted."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from calibration import sessions
from calibration.models import CalibrationSession
from core.roles import is_recruiter
from rubrics.models import Criterion, JobPosting
from screening.models import Application

# --- Serializers -------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    n_items = serializers.IntegerField(read_only=True)
    n_reviewers = serializers.IntegerField(read_only=True)
    n_submitted = serializers.IntegerField(read_only=True)

    class Meta:
        model = CalibrationSession
        fields = [
            "id",
            "title",
            "posting",
            "rubric",
            "status",
            "key_agreed_by",
            "due_date",
            "created_at",
            "opened_at",
            "completed_at",
            "n_items",
            "n_reviewers",
            "n_submitted",
        ]
        read_only_fields = fields


class SessionKeyLevelSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id", read_only=True)
    level = serializers.IntegerField(read_only=True)


class SessionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    application = serializers.IntegerField(read_only=True, source="application_id", allow_null=True)
    label = serializers.CharField(read_only=True)
    profile = serializers.CharField(read_only=True)


class SessionItemWithKeySerializer(SessionItemSerializer):
    key = SessionKeyLevelSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="The answer key: null until you may see it (after submitting your own "
        "levels; recruiters not scoring the session always).",
    )


class SessionCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "title", "kind", "description", "anchors"]
        read_only_fields = fields


class SessionReviewerSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(source="reviewer_id")
    name = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def get_name(self, assignment) -> str:
        return sessions.person_name(assignment.reviewer)


class SessionDetailSerializer(SessionSerializer):
    """A session as its reader may see it: recruiters get the key and every reviewer;
    a reviewer the items and criteria only (no key, nobody's levels), and whether they
    have submitted."""

    items = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    reviewers = serializers.SerializerMethodField()
    submitted_at = serializers.SerializerMethodField(
        help_text="When the reader submitted their own levels (null: not yet, or not assigned)."
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "items", "criteria", "reviewers", "submitted_at"]
        read_only_fields = fields

    def _recruiter(self) -> bool:
        return is_recruiter(self.context["request"].user)

    @extend_schema_field(SessionItemWithKeySerializer(many=True))
    def get_items(self, session):
        items = list(session.items.all())
        if self._recruiter() and sessions.may_see_key(self.context["request"].user, session):
            return SessionItemWithKeySerializer(items, many=True).data
        return [{**row, "key": None} for row in SessionItemSerializer(items, many=True).data]

    @extend_schema_field(SessionCriterionSerializer(many=True))
    def get_criteria(self, session):
        return SessionCriterionSerializer(self.context["criteria"], many=True).data

    @extend_schema_field(SessionReviewerSerializer(many=True))
    def get_reviewers(self, session):
        if not self._recruiter():
            return []
        return SessionReviewerSerializer(session.assignments.all(), many=True).data

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_submitted_at(self, session):
        user = self.context["request"].user
        mine = next((a for a in session.assignments.all() if a.reviewer_id == user.pk), None)
        return (
            serializers.DateTimeField().to_representation(mine.submitted_at)
            if (mine and mine.submitted_at)
            else None
        )


class SessionKeyInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    level = serializers.IntegerField()


class SessionItemInputSerializer(serializers.Serializer):
    application = serializers.PrimaryKeyRelatedField(
        queryset=Application.objects.select_related("candidate"),
        allow_null=True,
        required=False,
        help_text="A real application of the posting; leave out for one written for training.",
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    profile = serializers.CharField(required=False, allow_blank=True)
    key = SessionKeyInputSerializer(many=True, help_text="The agreed level on every criterion.")


class SessionCreateSerializer(serializers.Serializer):
    posting = serializers.PrimaryKeyRelatedField(queryset=JobPosting.objects.all())
    title = serializers.CharField(max_length=200)
    key_agreed_by = serializers.CharField(
        max_length=300, help_text="The lead reviewers who agreed the answer key."
    )
    due_date = serializers.DateField(required=False, allow_null=True)
    reviewers = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), many=True
    )
    items = SessionItemInputSerializer(many=True, help_text="2 to 5 items.")
    open = serializers.BooleanField(
        default=True, help_text="Open for scoring at once (else kept as a draft)."
    )


class SessionRatingInputSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    criterion = serializers.IntegerField()
    level = serializers.IntegerField()


class SessionSubmitSerializer(serializers.Serializer):
    ratings = SessionRatingInputSerializer(
        many=True, help_text="A level for every item of the session on every criterion."
    )


class SessionDistanceSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Ratings compared with the key.")
    mad = serializers.FloatField(
        allow_null=True, help_text="Mean absolute difference from the key, in scale points."
    )
    bias = serializers.FloatField(
        allow_null=True, help_text="Mean signed difference: + more lenient than the key."
    )


class SessionCriterionDistanceSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    title = serializers.CharField()
    n = serializers.IntegerField(source="distance.n")
    mad = serializers.FloatField(source="distance.mad", allow_null=True)
    bias = serializers.FloatField(source="distance.bias", allow_null=True)


class SessionReviewerResultSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(source="reviewer_id")
    name = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    overall = SessionDistanceSerializer()
    criteria = SessionCriterionDistanceSerializer(source="by_criterion", many=True)


class SessionChosenLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    count = serializers.IntegerField()


class SessionMisreadSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion_id")
    title = serializers.CharField()
    key_level = serializers.IntegerField()
    key_label = serializers.CharField()
    anchor = serializers.CharField()
    n_ratings = serializers.IntegerField()
    n_misread = serializers.IntegerField()
    chosen = serializers.SerializerMethodField(help_text="The levels chosen instead, most first.")

    @extend_schema_field(SessionChosenLevelSerializer(many=True))
    def get_chosen(self, misread):
        return [{"level": level, "count": n} for level, n in misread.chosen]


class SessionResultsSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session.pk")
    reviewers = SessionReviewerResultSerializer(many=True)
    criteria = SessionCriterionDistanceSerializer(source="by_criterion", many=True)
    misread = SessionMisreadSerializer(many=True)
    pending = serializers.ListField(
        child=serializers.CharField(), help_text="Reviewers who have not submitted."
    )


# --- Views -------------------------------------------------------------------------------


class CalibrationSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calibration sessions: recruiters list, read and make them; a reviewer lists and
    reads only those assigned to them, submits their levels blind, and then reads their
    own distance from the key."""

    queryset = CalibrationSession.objects.none()  # for the schema; get_queryset narrows
    filterset_fields = ["posting", "status"]
    search_fields = ["title", "posting__title"]
    ordering_fields = ["created_at", "due_date", "title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CalibrationSession.objects.none()
        qs = sessions.sessions_visible_to(self.request.user)
        if self.action == "retrieve":
            qs = sessions.session_with_items(qs)
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return SessionDetailSerializer
        return SessionSerializer

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        # Items of an anonymised posting show the candidate's code (prefetched instances).
        sessions.anonymise_items(session.items.all(), request.user)
        context = {
            **self.get_serializer_context(),
            "criteria": sessions.session_criteria(session.rubric),
        }
        return Response(SessionDetailSerializer(session, context=context).data)

    @extend_schema(
        request=SessionCreateSerializer,
        responses={201: SessionSerializer},
        summary="Make a session (recruiters)",
    )
    def create(self, request):
        if not is_recruiter(request.user):
            raise PermissionDenied("Only recruiters may make calibration sessions.")
        params = SessionCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        session = sessions.session_create(
            posting=data["posting"],
            title=data["title"],
            key_agreed_by=data["key_agreed_by"],
            due_date=data.get("due_date"),
            reviewers=data["reviewers"],
            actor=request.user,
            items=[
                sessions.ItemInput(
                    application=item.get("application"),
                    title=item.get("title", ""),
                    profile=item.get("profile", ""),
                    key={k["criterion"]: k["level"] for k in item["key"]},
                )
                for item in data["items"]
            ],
            open_now=data["open"],
        )
        session = self.get_queryset().get(pk=session.pk)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: SessionSerializer},
        summary="Open a draft for scoring (recruiters)",
    )
    @action(detail=True, methods=["post"], url_path="open")
    def open_session(self, request, pk=None):
        session = self.get_object()  # 404 for a session the reader may not see
        if not is_recruiter(request.user):
            raise PermissionDenied("Only recruiters may open calibration sessions.")
        sessions.session_open(session=session, actor=request.user)
        return Response(SessionSerializer(self.get_queryset().get(pk=session.pk)).data)

    @extend_schema(
        request=SessionSubmitSerializer,
        responses={200: SessionResultsSerializer},
        summary="Submit your levels for every item (assigned reviewers)",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        session = self.get_object()
        params = SessionSubmitSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        sessions.session_submit(
            session=session, reviewer=request.user, ratings=params.validated_data["ratings"]
        )
        results = sessions.session_results(session, reviewer=request.user)
        return Response(SessionResultsSerializer(results).data)

    @extend_schema(responses=SessionResultsSerializer, summary="Distances from the key")
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        session = self.get_object()
        mine = sessions.assignment_of(session, request.user)
        if is_recruiter(request.user) and (mine is None or mine.is_submitted):
            return Response(SessionResultsSerializer(sessions.session_results(session)).data)
        if mine is None or not mine.is_submitted:
            raise PermissionDenied("Submit your own levels first: the results show the answer key.")
        return Response(
            SessionResultsSerializer(sessions.session_results(session, reviewer=request.user)).data
        )
