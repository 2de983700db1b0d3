from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # SQLite: a deleted or overwritten row is zeroed on disk, so an erased candidate's
        # data does not linger in free pages of the database file.
        from django.db.backends.signals import connection_created

        from core.api import schema  # noqa: F401  (registers the schema's auth extensions)

        connection_created.connect(_sqlite_secure_delete, dispatch_uid="core.secure_delete")


def _sqlite_secure_delete(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
