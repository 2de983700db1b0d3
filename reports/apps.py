from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        # The posting page links to its reports; rubrics cannot import reports.
        from reports.posting_links import report_links
        from rubrics.admin import posting_links

        posting_links.register(report_links)

        # A candidate's erasure reaches the stored reports; screening cannot import reports.
        from reports import erasure

        erasure.connect()
