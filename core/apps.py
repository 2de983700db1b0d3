from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from core.api import schema  # noqa: F401  (registers the schema's auth extensions)
