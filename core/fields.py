from django.conf import settings
from django.db import models


def actor_field(**kwargs) -> models.ForeignKey:
    """Who did something (created, assigned, reopened, requested): kept when
    that user is deleted, as empty, so the record itself stays."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **kwargs,
    )
