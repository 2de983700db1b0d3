import logging

from celery.result import AsyncResult
from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from calibration import selectors
from calibration.api.serializers import (
    CalibrationRunDetailSerializer,
    CalibrationRunSerializer,
    CalibrationStartSerializer,
    CalibrationStatusSerializer,
)
from calibration.scheduling import calibration_request
from core.api.permissions import IsRecruiter
from rubrics import selectors as rubric_selectors
from rubrics.models import Rubric

logger = logging.getLogger(__name__)


class ResultStoreUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "result_store_unavailable"
    default_detail = (
        "The task result store cannot be reached just now; the run's own status is "
        "unaffected. Try again in a minute."
    )


class CalibrationRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calibration runs and their results (recruiters). POST starts a run and
    answers 202 with the task id; `status/` follows it."""

    permission_classes = [IsRecruiter]
    filterset_fields = ["rubric", "status", "trigger"]
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.runs_with_results()
        return selectors.runs()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return CalibrationRunDetailSerializer
        return CalibrationRunSerializer

    @extend_schema(
        request=CalibrationStartSerializer,
        responses={202: CalibrationRunSerializer},
        summary="Start a calibration run of a published rubric",
    )
    def create(self, request):
        params = CalibrationStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        rubric = rubric_selectors.rubric_or_none(rubric_id=params.validated_data["rubric"])
        if rubric is None:
            raise ValidationError({"rubric": ["No such rubric."]})
        if rubric.state == Rubric.State.DRAFT:
            raise ValidationError({"rubric": ["A draft rubric has no ratings to calibrate."]})
        run = calibration_request(
            rubric=rubric, actor=request.user, method=params.validated_data["method"]
        )
        data = CalibrationRunSerializer(run).data
        data["status_url"] = request.build_absolute_uri(
            reverse("calibration-run-status", args=[run.pk])
        )
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=CalibrationStatusSerializer, summary="Follow a run's progress")
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        run = self.get_object()
        task_state = None
        if run.task_id and settings.BROKER_CONFIGURED:
            try:
                task_state = AsyncResult(run.task_id).state
            except Exception as exc:  # the result store (Redis) is down
                logger.warning("Result store unavailable for run %s: %s", run.pk, exc)
                raise ResultStoreUnavailable() from None
        return Response(
            CalibrationStatusSerializer(
                {
                    "run": run.pk,
                    "status": run.status,
                    "progress": run.progress,
                    "message": run.progress_message,
                    "task_id": run.task_id,
                    "task_state": task_state,
                }
            ).data
        )
