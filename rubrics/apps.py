from django.apps import AppConfig


class RubricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rubrics"
    verbose_name = "Postings and rubrics"
