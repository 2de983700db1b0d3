from django.urls import path
from rest_framework.routers import SimpleRouter

from reports.api.impact import PostingAdverseImpactView
from reports.api.views import ReportViewSet

router = SimpleRouter()  # the API root view comes from the rubrics router
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    path(
        "postings/<int:pk>/adverse-impact/",
        PostingAdverseImpactView.as_view(),
        name="posting-adverse-impact",
    ),
    *router.urls,
]
