from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        # The posting page links to its applications and ranking; rubrics cannot import
        # screening, so screening registers the links.
        from rubrics.admin import posting_links
        from screening.posting_links import application_links

        posting_links.register(application_links)

        # SQLite: the kept counts' triggers survive table rebuilds, counts survive flushes.
        from django.db.models.signals import post_migrate

        from screening.score_counts import sqlite_after_migrate

        post_migrate.connect(sqlite_after_migrate, sender=self)
