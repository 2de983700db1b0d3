"""Read queries of the shared pieces: the audit trail of one or more objects."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from core.models import AuditEvent


def audit_history(objects) -> QuerySet[AuditEvent]:
    """The AuditEvents of the given objects, oldest first, with their actors."""
    scope = Q(pk__in=[])
    for item in objects:
        scope |= Q(
            content_type=ContentType.objects.get_for_model(item, for_concrete_model=False),
            object_id=str(item.pk),
        )
    return (
        AuditEvent.objects.filter(scope)
        .select_related("actor", "content_type")
        .order_by("created_at", "id")
    )
