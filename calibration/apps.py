from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "calibration"
    verbose_name = "Calibration"

    def ready(self):
        # Screening announces submitted scorecards; calibration listens, so
        # that screening never imports calibration.
        from calibration import scheduling

        scheduling.connect()

        # The posting page links to the calibration runs of its rubrics.
        from calibration.posting_links import calibration_links
        from rubrics.admin import posting_links

        posting_links.register(calibration_links)

        # A candidate's erasure reaches calibration sessions and runs.
        from calibration import erasure

        erasure.connect()
