"""Django admin of the Open311 clients. A client is created here (its key is shown once, in
a message, and stored only as a digest) and deactivated with an action; a deactivated key is
never switched back on — a key that may have leaked is replaced by a new client. Submissions
are shown read-only. Non-superusers see only their own subtrees."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from governance.admin import ScopedAdminMixin

from .models import ApiClient, Submission
from .services import api_client_create, api_client_deactivate


@admin.register(ApiClient)
class ApiClientAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "masked_key",
        "channel",
        "center",
        "is_active",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["is_active", "channel"]
    search_fields = ["name", "key_prefix"]
    autocomplete_fields = ["center"]
    actions = ["deactivate"]
    readonly_fields = ["masked_key", "is_active", "created_by", "created_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "channel", "center"]
        return ["name", "channel", "center", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    @admin.display(description=_("密钥"))
    def masked_key(self, obj):
        return obj.masked_key

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = api_client_create(
            name=obj.name, center=obj.center, channel=obj.channel, created_by=request.user
        )
        # The admin goes on with `obj` (the change log, the redirect): make it the saved row.
        for field in ApiClient._meta.concrete_fields:
            setattr(obj, field.attname, getattr(client, field.attname))
        obj._state.adding = False
        obj._state.db = client._state.db
        messages.warning(
            request,
            _("API 密钥（只显示这一次，请立即复制并安全交给对方系统）：%(key)s") % {"key": key},
        )

    @admin.action(description=_("停用所选客户端（其密钥立即失效）"))
    def deactivate(self, request, queryset):
        count = 0
        for client in queryset.filter(is_active=True):
            api_client_deactivate(client=client)
            count += 1
        self.message_user(
            request,
            _("已停用 %(count)d 个客户端。") % {"count": count},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request, obj=None):
        # The cases a client filed point at it; a client is deactivated, never deleted.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Submission)
class SubmissionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["dispute", "client", "account_id", "device_id", "submitted_at"]
    list_filter = ["client"]
    search_fields = ["dispute__tracking_number", "account_id", "device_id"]
    list_select_related = ["dispute", "client"]
    fields = ["dispute", "client", "account_id", "device_id", "lat", "long", "submitted_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
