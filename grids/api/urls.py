from rest_framework.routers import SimpleRouter

from .views import GridViewSet

router = SimpleRouter()
router.register("grids", GridViewSet, basename="grid")

urlpatterns = router.urls
