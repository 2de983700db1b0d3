from django.urls import path
from rest_framework.routers import SimpleRouter

from screening.api.views import (
    ApplicationViewSet,
    AssignmentViewSet,
    CandidateViewSet,
    PostingRankingView,
    ScorecardViewSet,
)

router = SimpleRouter()  # the API root view comes from the rubrics router
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("applications", ApplicationViewSet, basename="application")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("scorecards", ScorecardViewSet, basename="scorecard")

urlpatterns = [
    path("postings/<int:pk>/ranking/", PostingRankingView.as_view(), name="posting-ranking"),
    *router.urls,
]
