from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, EscalationAuditView, FollowUpViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")

urlpatterns = [
    *router.urls,
    path("escalations/", EscalationAuditView.as_view(), name="escalation-audit"),
]
