from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="centers:tree", permanent=False), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("status/", views.status, name="status"),
    path("centers/", include("centers.urls")),
    path("grids/", include("grids.urls")),
    path("disputes/", include("disputes.urls")),
    path("notifications/", include("notifications.urls")),
    path("metrics/", include("metrics.urls")),
    path("api/v1/", include("governance.api_urls")),
    path("open311/v2/", include("open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]

handler404 = views.not_found
