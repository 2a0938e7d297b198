from django.urls import path

from .. import converters  # noqa: F401 - registers <dashboard_code:…>
from .views import DashboardView

urlpatterns = [
    path("metrics/<dashboard_code:code>/", DashboardView.as_view(), name="metrics-dashboard"),
]
