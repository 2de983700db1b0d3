"""The one way a service records a state change (an AuditEvent row).

Call it inside the service's transaction, so the record and the change commit or roll back
together. `changes` maps a field to [old, new]; nested structures are fine as long as they are
JSON (decimals and dates are written as text).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping

from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent

MAX_REPR = 200


def record(*, actor, event: str, obj, summary: str = "", changes: Mapping | None = None):
    """Write one AuditEvent: `actor` is a user, or None (or anonymous) for a system action."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        event=event,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:MAX_REPR],
        summary=summary[:500],
        changes=_json(changes or {}),
    )


def diff(obj_before: Mapping, obj_after: Mapping, fields: Iterable[str] | None = None) -> dict:
    """{field: [old, new]} for the fields whose values differ."""
    keys = fields if fields is not None else sorted(set(obj_before) | set(obj_after))
    return {
        key: [obj_before.get(key), obj_after.get(key)]
        for key in keys
        if obj_before.get(key) != obj_after.get(key)
    }


def _json(value):
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value
