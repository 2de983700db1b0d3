"""/healthz: the public checks for anyone (a load balancer, an uptime probe) and, for a
signed-in staff user, the checks that would tell a stranger about the installation, such as
whether the document storage takes a file.

Built on django-health-check: ``DocumentStorage`` is one of its ``HealthCheck`` classes and
``HealthView`` its view, which adds the staff checks when the caller is staff."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

PROBE_FOLDER = "health-probes"


def _failure(step: str, exc: BaseException) -> ServiceUnavailable:
    detail = str(exc).strip()
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return ServiceUnavailable(f"Document storage could not {step} a probe file ({reason}).")


@dataclasses.dataclass
class DocumentStorage(HealthCheck):
    """Write a small probe file through the default storage (where candidates' documents
    go), read it back and delete it. Fails with the step that went wrong and why."""

    def run(self) -> None:
        content = f"probe {uuid.uuid4()}".encode()
        try:
            name = default_storage.save(f"{PROBE_FOLDER}/{uuid.uuid4()}.txt", ContentFile(content))
        except Exception as exc:
            raise _failure("save", exc) from exc
        try:
            try:
                with default_storage.open(name, "rb") as handle:
                    read = handle.read()
            except Exception as exc:
                raise _failure("read", exc) from exc
            if read != content:
                raise ServiceUnavailable(
                    "Document storage gave back other content than the probe file it was given."
                )
        finally:
            try:
                default_storage.delete(name)
            except Exception as exc:
                raise _failure("delete", exc) from exc


@dataclasses.dataclass
class Public(HealthCheck):
    """A check as a stranger sees it: its kind ("Database", "Redis") and "OK" or
    "Unavailable", never the error, which can name a host, a port or a user."""

    inner: HealthCheck = dataclasses.field(repr=False)

    def __post_init__(self) -> None:
        self.timeout = self.inner.timeout + datetime.timedelta(seconds=1)

    def __repr__(self) -> str:
        return type(self.inner).__name__

    async def run(self) -> None:
        result = await self.inner.get_result()
        if result.error is not None:
            raise ServiceUnavailable("the check failed (details for staff only)")


class HealthView(HealthCheckView):
    """The library's view; ``staff_checks`` run too when the caller is an active staff user,
    and only staff read why a check failed (anyone else sees the public checks only, each
    "OK" or "Unavailable", and nothing about the staff ones)."""

    staff_checks: tuple = ()
    include_staff_checks = False

    async def get(self, request, *args, **kwargs):
        user = await request.auser()
        self.include_staff_checks = bool(user.is_active and user.is_staff)
        return await super().get(request, *args, **kwargs)

    def get_checks(self):
        if not self.include_staff_checks:
            for check in super().get_checks():
                yield Public(check)
            return
        yield from super().get_checks()
        if self.include_staff_checks:
            for check in self.staff_checks:
                yield check()
