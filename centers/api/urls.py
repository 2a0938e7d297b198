from rest_framework.routers import SimpleRouter

from .views import CenterViewSet, DepartmentViewSet

router = SimpleRouter()
router.register("centers", CenterViewSet, basename="center")
router.register("departments", DepartmentViewSet, basename="department")

urlpatterns = router.urls
