"""The resident API, mounted at /api/v1/public/."""

from django.urls import path

from .views import CaseIntakeView, CaseRatingView, CaseStatusView

app_name = "public_api"

urlpatterns = [
    path("cases/", CaseIntakeView.as_view(), name="case-intake"),
    # Any tracking number reaches the view (even a malformed one), so that every failed
    # look-up gets the same answer and counts against the limits.
    path("cases/<str:tracking_number>/", CaseStatusView.as_view(), name="case-status"),
    path("cases/<str:tracking_number>/rating/", CaseRatingView.as_view(), name="case-rating"),
]
