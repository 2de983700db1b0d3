"""One place that turns errors into API responses.

Every error body carries a machine-readable `code`. Field errors are flat,
keyed by the path to the input that was wrong (`scores[0].value`,
`criteria[2].weight`), whichever layer found them: a serializer's nested
errors and a service's `ValidationError` come out the same. Database refusals
are answered only when named where they can happen (a service turns a known
race into `Conflict`, the published-rubric trigger into `RubricNotEditable`);
any other `IntegrityError` is a bug and goes on to Django's 500.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError


def flat_errors(detail, prefix: str = "") -> dict:
    """Nested errors keyed the way services key their own:
    {"scores": {0: {"value": [...]}}} (or [{}, {"value": [...]}]) becomes
    {"scores[0].value": [...]}; an item's own errors (non_field_errors) sit
    under the item's key."""
    if isinstance(detail, str):
        detail = [detail]
    if isinstance(detail, list) and all(isinstance(message, str) for message in detail):
        return {prefix: detail} if detail else {}
    entries = detail.items() if isinstance(detail, dict) else enumerate(detail)
    flat: dict = {}
    for key, value in entries:
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        elif key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
            name = prefix
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if value:
            flat.update(flat_errors(value, name))
    return flat


def _django_validation_detail(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("detail" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"detail": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.as_payload(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {
                "detail": "Other records depend on this one, so it cannot be deleted.",
                "code": "protected",
            },
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {
                "detail": f"The request body is larger than the {limit:,} bytes this API accepts.",
                "code": "request_too_large",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):
        return Response(
            {"detail": "The request could not be read.", "code": "bad_request"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # not ours to answer: Django's handler makes it a 500
    _answer_in_json(context.get("request"))
    if isinstance(exc, exceptions.ValidationError):
        flat = flat_errors(exc.detail)
        if "" in flat:  # raised with a bare message, no field
            flat["detail"] = flat.pop("")
        response.data = {**flat, "code": _code_of(exc)}
    elif isinstance(response.data, dict):
        response.data.setdefault("code", _code_of(exc))
    else:
        response.data = {"detail": response.data, "code": _code_of(exc)}
    return response


def _answer_in_json(request) -> None:
    """An error is JSON even where the success is a file (``?format=csv``, a report's
    HTML): the one error shape, not a CSV or an HTML page of it. The browsable API
    keeps its HTML."""
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None or isinstance(renderer, JSONRenderer | BrowsableAPIRenderer):
        return
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = JSONRenderer.media_type


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def page_not_found(request, exception):
    """Django's 404 handler (``config/urls.py``): a URL under /api/ that no route takes
    (``/api/v1/rubrics/0.5/``) answers in the API's error shape, not an HTML page."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found as html_page_not_found

    return html_page_not_found(request, exception)
