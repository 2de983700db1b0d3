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

        # A candidate's subject-access export takes in the reports and the demographics.
        from reports import subject_access
        from screening import hooks

        hooks.provide_export_section("reports", subject_access.reports_section)
        hooks.provide_export_section("demographics", subject_access.demographics_section)

        # A candidate's erasure reaches the stored reports; screening cannot import reports.
        from reports import erasure

        erasure.connect()
