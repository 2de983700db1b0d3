from rest_framework.routers import SimpleRouter

from reports.api.views import ReportViewSet

router = SimpleRouter()  # the API root view comes from the rubrics router
router.register("reports", ReportViewSet, basename="report")

urlpatterns = router.urls
