"""Django admin of the disputes app. Cases change status only through disputes.services, so
the admin shows cases, their attachments and their audit trail (CaseEvent) read-only.
Non-superusers see only their own subtrees."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.admin import ScopedAdminMixin

from .models import Attachment, CaseEvent, Category, Dispute

EVENT_FIELDS = [
    "seq",
    "action",
    "from_status",
    "to_status",
    "actor",
    "center",
    "reason",
    "data",
    "created_at",
    "prev_hash",
    "hash",
]


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        # Cases point at their category (PROTECT); retire one with is_active instead.
        return False


class CaseEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvent
    fields = EVENT_FIELDS[:7] + ["created_at"]
    readonly_fields = fields
    ordering = ["seq"]
    extra = 0
    can_delete = False
    show_change_link = True


# The stored file itself is never shown: it has no URL, only the permission-checked download.
ATTACHMENT_FIELDS = [
    "original_name",
    "download",
    "content_type",
    "size",
    "sha256",
    "description",
    "uploaded_by",
    "uploaded_at",
]


class AttachmentDownloadMixin:
    @admin.display(description=_("下载"))
    def download(self, obj):
        """A link to the case page's download, which checks the user's scope again."""
        url = reverse("disputes:attachment_download", args=[obj.dispute.tracking_number, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


class AttachmentInline(AttachmentDownloadMixin, ReadOnlyMixin, admin.TabularInline):
    """Attachments are added on the case page (audited, type checked), never here."""

    model = Attachment
    fields = ATTACHMENT_FIELDS
    readonly_fields = fields
    ordering = ["uploaded_at", "pk"]
    extra = 0
    can_delete = False


@admin.register(Dispute)
class DisputeAdmin(ScopedAdminMixin, ReadOnlyMixin, admin.ModelAdmin):
    """View-only: a case is registered at the intake desk and changed only by the services,
    each change with its audit event; an admin edit would bypass both."""

    list_display = [
        "tracking_number",
        "summary",
        "status",
        "risk_level",
        "current_center",
        "level",
        "level_deadline",
        "created_at",
    ]
    list_filter = ["status", "risk_level", "level", "channel", "is_overdue", "is_supervised"]
    search_fields = ["tracking_number", "summary"]
    date_hierarchy = "created_at"
    list_select_related = ["current_center"]
    exclude = ["access_code_hash", "assisting_departments"]
    inlines = [AttachmentInline, CaseEventInline]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["dispute", "seq", "action", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["action", "to_status"]
    search_fields = ["dispute__tracking_number"]
    list_select_related = ["dispute", "actor"]
    fields = ["dispute", *EVENT_FIELDS]
    readonly_fields = fields

    def get_queryset(self, request):
        # CaseEvent has no visible_to of its own: scope it through its case.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(dispute__in=Dispute.objects.visible_to(request.user))


@admin.register(Attachment)
class AttachmentAdmin(AttachmentDownloadMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "dispute",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["content_type"]
    search_fields = ["dispute__tracking_number", "sha256"]
    list_select_related = ["dispute", "uploaded_by"]
    fields = ["dispute", *ATTACHMENT_FIELDS]
    readonly_fields = fields

    def get_queryset(self, request):
        # Attachment has no visible_to of its own: scope it through its case.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(dispute__in=Dispute.objects.visible_to(request.user))
