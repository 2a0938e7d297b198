"""The REST API, version 1: each app's router mounted under /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("centers.api.urls")),
    path("", include("grids.api.urls")),
    path("", include("metrics.api.urls")),
    path("", include("disputes.api.urls")),
    path("", include("notifications.api.urls")),
    path("public/", include("disputes.public_api.urls")),
]
