from rest_framework.routers import DefaultRouter

from rubrics.api.views import PostingViewSet, RubricViewSet

router = DefaultRouter()
router.register("postings", PostingViewSet, basename="posting")
router.register("rubrics", RubricViewSet, basename="rubric")

urlpatterns = router.urls
