from django.urls import path

from . import (
    converters,  # noqa: F401 - registers <dashboard_code:…>
    views,
)

app_name = "metrics"

urlpatterns = [
    path("", views.home, name="home"),
    path("<dashboard_code:code>/", views.dashboard_page, name="dashboard"),
    path("<dashboard_code:code>/export/<str:fmt>/", views.export, name="export"),
    path("<dashboard_code:code>/report/", views.report, name="report"),
]
