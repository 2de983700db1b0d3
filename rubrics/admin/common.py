"""What the rubrics admin modules share: a service run over the selected
objects, each refusal reported by name, and a link to a new draft."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.errors import ServiceError
from rubrics.models import Rubric


def counted(n: int, one: str, many: str) -> str:
    """ "1 rubric", "3 rubrics": a number with its noun in the right form."""
    return f"{n} {one if n == 1 else many}"


def reason(exc: ServiceError | ValidationError) -> str:
    return exc.message if isinstance(exc, ServiceError) else " ".join(exc.messages)


def draft_link(rubric: Rubric) -> SafeString:
    url = reverse("admin:rubrics_rubric_change", args=[rubric.pk])
    return format_html('<a href="{}">{}</a>', url, rubric)


def run_service(modeladmin, request, queryset, service, done, link=None) -> None:
    """Apply a service to each selected object; report each failure by name.
    `done(n)` says what succeeded. With `link`, the success message links what each call
    returned (the new drafts)."""
    results = []
    for obj in queryset:
        try:
            results.append(service(obj))
        except (ServiceError, ValidationError) as exc:
            modeladmin.message_user(request, f"{obj}: {reason(exc)}", messages.ERROR)
    if not results:
        return
    message = done(len(results))
    if link is not None:
        message = format_html(
            "{} {}", message, format_html_join(", ", "{}", ((link(r),) for r in results))
        )
    modeladmin.message_user(request, message, messages.SUCCESS)
