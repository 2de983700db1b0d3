from rest_framework.routers import SimpleRouter

from calibration.api.sessions import CalibrationSessionViewSet
from calibration.api.views import CalibrationRunViewSet

router = SimpleRouter()  # the API root view comes from the rubrics router
router.register("calibration-runs", CalibrationRunViewSet, basename="calibration-run")
router.register("calibration-sessions", CalibrationSessionViewSet, basename="calibration-session")

urlpatterns = router.urls
