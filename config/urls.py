from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.health import DocumentStorage, HealthView


def _health_checks() -> list:
    checks: list = ["health_check.checks.Database"]
    if settings.BROKER_CONFIGURED:
        from redis.asyncio import Redis

        broker_url = settings.CELERY_BROKER_URL
        checks.append(
            (
                "health_check.contrib.redis.Redis",
                {"client_factory": lambda: Redis.from_url(broker_url)},
            )
        )
    return checks


# An unknown URL under /api/ answers JSON like every other API error.
handler404 = "core.api.exceptions.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("core.api.urls")),
    path("api/v1/", include("rubrics.api.urls")),
    path("api/v1/", include("screening.api.urls")),
    path("api/v1/", include("calibration.api.urls")),
    path("api/v1/", include("reports.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Staff also see whether the document storage takes a file; anyone else does not.
    path(
        "healthz",
        HealthView.as_view(checks=_health_checks(), staff_checks=(DocumentStorage,)),
        name="healthz",
    ),
]
