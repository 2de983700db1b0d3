"""One place that turns errors into API responses: every error carries a
status code and a machine-readable `code`; nothing becomes a 500."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError


def _django_validation_payload(exc: DjangoValidationError) -> dict:
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
        payload = _django_validation_payload(exc)
        payload["code"] = "invalid"
        return Response(payload, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {
                "detail": "Other records depend on this one, so it cannot be deleted.",
                "code": "protected",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # A database constraint or trigger refused the write; the services
        # check first, so reaching here means a concurrent change won the race.
        return Response(
            {
                "detail": "The change conflicts with the current state of the data.",
                "code": "conflict",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        if isinstance(response.data, dict):
            response.data.setdefault("code", _code_of(exc))
        else:
            response.data = {"detail": response.data, "code": _code_of(exc)}
    return response


def _code_of(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code
