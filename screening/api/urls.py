from django.urls import path
from rest_framework.routers import SimpleRouter

from screening.api.views import (
    ApplicationDocumentsView,
    ApplicationEvidenceView,
    ApplicationViewSet,
    AssignmentViewSet,
    CandidateViewSet,
    DocumentViewSet,
    PostingRankingView,
    ScorecardViewSet,
)

router = SimpleRouter()  # the API root view comes from the rubrics router
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("applications", ApplicationViewSet, basename="application")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("documents", DocumentViewSet, basename="document")

urlpatterns = [
    path("postings/<int:pk>/ranking/", PostingRankingView.as_view(), name="posting-ranking"),
    path(
        "applications/<int:pk>/documents/",
        ApplicationDocumentsView.as_view(),
        name="application-documents",
    ),
    path(
        "applications/<int:pk>/evidence/",
        ApplicationEvidenceView.as_view(),
        name="application-evidence",
    ),
    *router.urls,
]
