"""Postings and rubrics over REST. Each view validates input, fetches through
a selector, calls one service and serializes the result."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.permissions import IsRecruiterOrReadOnly
from rubrics import selectors, services
from rubrics.api.serializers import (
    CriterionFromPostingSerializer,
    CriterionSerializer,
    PostingListSerializer,
    PostingSerializer,
    RubricGenerateSerializer,
    RubricSerializer,
    RubricUpdateSerializer,
)


class PostingViewSet(viewsets.ModelViewSet):
    permission_classes = [IsRecruiterOrReadOnly]
    filterset_fields = ["status"]
    search_fields = ["title", "team", "location"]
    ordering_fields = ["created_at", "title", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.posting_list()

    def get_serializer_class(self):
        return PostingListSerializer if self.action == "list" else PostingSerializer

    # The services return a bare row; the response re-reads it through the
    # selector so it carries `rubric_count` like every other posting response.
    def perform_create(self, serializer):
        posting = services.posting_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=posting.pk)

    def perform_update(self, serializer):
        posting = services.posting_update(
            posting=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.get_queryset().get(pk=posting.pk)

    def perform_destroy(self, instance):
        services.posting_delete(posting=instance, actor=self.request.user)

    @extend_schema(
        methods=["GET"],
        responses=RubricSerializer(many=True),
        filters=False,
        summary="List the posting's rubrics",
    )
    @extend_schema(
        methods=["POST"],
        request=RubricGenerateSerializer,
        responses={201: RubricSerializer},
        summary="Generate a draft rubric from the posting",
    )
    @action(detail=True, methods=["get", "post"], url_path="rubrics")
    def rubrics(self, request, pk=None):
        posting = self.get_object()
        if request.method == "GET":
            # Explicit order: Django drops Meta.ordering from the selector's
            # GROUP BY query, and pages of an unordered query can overlap.
            rubrics = selectors.rubric_list().filter(posting=posting).order_by("-version")
            page = self.paginate_queryset(rubrics)
            return self.get_paginated_response(RubricSerializer(page, many=True).data)
        params = RubricGenerateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        rubric = services.rubric_generate(
            posting=posting, actor=request.user, **params.validated_data
        )
        return Response(
            RubricSerializer(selectors.rubric_detail(rubric_id=rubric.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class RubricViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsRecruiterOrReadOnly]
    serializer_class = RubricSerializer
    filterset_fields = ["posting", "state"]
    ordering_fields = ["created_at", "version"]
    ordering = ["posting_id", "-version"]

    def get_queryset(self):
        return selectors.rubric_list()

    def _respond(self, rubric, code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(selectors.rubric_detail(rubric_id=rubric.pk)).data, status=code
        )

    @extend_schema(
        request=RubricUpdateSerializer,
        responses=RubricSerializer,
        summary="Change a draft rubric (409 once published)",
    )
    def partial_update(self, request, pk=None):
        # get_object() answers 404 for a malformed id too, not a 500.
        rubric = self.get_object()
        params = RubricUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if "criteria" in data:
            data["criteria"] = [dict(item) for item in data["criteria"]]
        rubric = services.rubric_update(rubric=rubric, actor=request.user, **data)
        return self._respond(rubric)

    @extend_schema(
        request=RubricUpdateSerializer,
        responses=RubricSerializer,
        summary="Change a draft rubric (409 once published)",
    )
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    def perform_destroy(self, instance):
        services.rubric_delete(rubric=instance, actor=self.request.user)

    @extend_schema(request=None, responses=RubricSerializer, summary="Publish a draft")
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        rubric = services.rubric_publish(rubric=self.get_object(), actor=request.user)
        return self._respond(rubric)

    @extend_schema(request=None, responses=RubricSerializer, summary="Retire a published rubric")
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        rubric = services.rubric_retire(rubric=self.get_object(), actor=request.user)
        return self._respond(rubric)

    @extend_schema(
        request=None, responses={201: RubricSerializer}, summary="Clone to a new draft version"
    )
    @action(detail=True, methods=["post"])
    def clone(self, request, pk=None):
        rubric = services.rubric_clone(rubric=self.get_object(), actor=request.user)
        return self._respond(rubric, status.HTTP_201_CREATED)

    @extend_schema(
        request=CriterionFromPostingSerializer,
        responses={201: CriterionSerializer},
        summary="Add a criterion to a draft from a span of the posting text",
    )
    @action(detail=True, methods=["post"], url_path="criteria-from-posting")
    def criteria_from_posting(self, request, pk=None):
        rubric = self.get_object()
        params = CriterionFromPostingSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        criterion = services.criterion_add_from_posting(
            rubric=rubric, actor=request.user, **params.validated_data
        )
        return Response(CriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)
