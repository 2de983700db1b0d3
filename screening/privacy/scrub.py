"""Replacing a person's strings (name, email, phone, links, file names) with a placeholder,
in text, in JSON values and in the rows of any model.

A string is matched case-insensitively, as written and HTML-escaped. Short strings (under
six characters, e.g. a first name alone) are matched as whole words only, so erasing "Ana"
leaves "Banana" alone; longer ones wherever they occur."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

WHOLE_WORD_BELOW = 6
MIN_LENGTH = 3


def _variants(needle: str) -> set[str]:
    escaped = html.escape(needle, quote=True)
    return {
        needle,
        escaped,
        escaped.replace("&#x27;", "&#39;"),
        needle.replace('"', '""'),  # a CSV field
    }


@dataclass
class Scrubber:
    needles: list[str]
    placeholder: str
    _pattern: re.Pattern | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        forms: set[str] = set()
        for needle in self.needles:
            needle = (needle or "").strip()
            if len(needle) >= MIN_LENGTH:
                forms |= _variants(needle)
        self.forms = sorted(forms, key=lambda s: (-len(s), s))
        parts = [
            rf"(?<!\w){re.escape(f)}(?!\w)" if len(f) < WHOLE_WORD_BELOW else re.escape(f)
            for f in self.forms
        ]
        self._pattern = re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def found_in(self, text: str) -> bool:
        return bool(self._pattern and text and self._pattern.search(text))

    def sub(self, text: str) -> str:
        if not self._pattern or not text:
            return text
        return self._pattern.sub(self.placeholder, text)

    def sub_json(self, value):
        """The same JSON value with every string in it (keys too) scrubbed."""
        if isinstance(value, str):
            return self.sub(value)
        if isinstance(value, list):
            return [self.sub_json(item) for item in value]
        if isinstance(value, dict):
            return {self.sub(str(k)): self.sub_json(v) for k, v in value.items()}
        return value

    def lookup_forms(self, *, json_field: bool) -> set[str]:
        """What to ask the database for: a JSON column may hold a string \\u-escaped."""
        if not json_field:
            return set(self.forms)
        return set(self.forms) | {json.dumps(f)[1:-1] for f in self.forms}


def _text_fields(model, names: Iterable[str] | None):
    for f in model._meta.concrete_fields:
        if names is not None and f.name not in names:
            continue
        if isinstance(f, models.CharField | models.TextField | models.JSONField):
            yield f


def scrub_rows(queryset, scrubber: Scrubber, fields: Iterable[str] | None = None) -> int:
    """Scrub the text and JSON `fields` (default: all of them) of the rows of `queryset`
    that mention the person; the rows are written with a queryset update (no save()
    hooks, no timestamps touched). Returns how many rows changed."""
    if not scrubber:
        return 0
    model = queryset.model
    columns = list(_text_fields(model, set(fields) if fields is not None else None))
    if not columns:
        return 0
    condition = Q()
    for column in columns:
        for form in scrubber.lookup_forms(json_field=isinstance(column, models.JSONField)):
            condition |= Q(**{f"{column.name}__icontains": form})
    changed = 0
    for row in queryset.filter(condition).only("pk", *(c.name for c in columns)).iterator():
        updates = {}
        for column in columns:
            value = getattr(row, column.attname)
            if value is None:
                continue
            new = (
                scrubber.sub_json(value)
                if isinstance(column, models.JSONField)
                else scrubber.sub(value)[: column.max_length or None]
            )
            if new != value:
                updates[column.attname] = new
        if updates:
            model._base_manager.filter(pk=row.pk).update(**updates)
            changed += 1
    return changed
