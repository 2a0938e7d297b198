from django.urls import path

from . import audit_views, views

app_name = "disputes"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.intake, name="intake"),
    # Before the case pattern, which would take "audit" for a tracking number.
    path("audit/escalations/", audit_views.escalations, name="audit_escalations"),
    path(
        "audit/escalations/export/<str:fmt>/",
        audit_views.escalations_export,
        name="audit_escalations_export",
    ),
    path("audit/chains/", audit_views.chains, name="audit_chains"),
    path("<str:tracking_number>/", views.detail, name="detail"),
    path("<str:tracking_number>/receipt/", views.receipt, name="receipt"),
    path(
        "<str:tracking_number>/access-code/",
        views.reissue_access_code,
        name="reissue_access_code",
    ),
    path("<str:tracking_number>/act/<slug:action_slug>/", views.act, name="act"),
    path(
        "<str:tracking_number>/attachments/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "<str:tracking_number>/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("new/repeats/", views.intake_repeats, name="intake_repeats"),
    path("<str:tracking_number>/agreement/", views.agreement, name="agreement"),
    path(
        "<str:tracking_number>/parties/<int:party_id>/reveal/<slug:field>/",
        views.reveal,
        name="reveal",
    ),
]
