"""Django admin: the site's titles, the scoping every center-bound admin shares, and the
read-only worker heartbeats."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import WorkerHeartbeat

__all__ = ["ScopedAdminMixin"]

admin.site.site_header = _("综治中心矛盾纠纷化解平台 · 管理后台")
admin.site.site_title = _("综治中心管理后台")
admin.site.index_title = _("数据管理")


def _scoped(queryset, user):
    """`queryset` limited to the user's subtrees when its model is scoped (has visible_to)."""
    if user.is_superuser or not hasattr(queryset, "visible_to"):
        return queryset
    return queryset.visible_to(user)


class ScopedAdminMixin:
    """For anyone but a superuser, the admin shows, offers as choices and lets autocomplete
    find only rows inside the subtrees of the user's memberships (`visible_to`). A change
    page of a row outside the scope behaves as if the row did not exist."""

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not request.user.is_superuser:
            related = db_field.remote_field.model._default_manager.get_queryset()
            if hasattr(related, "visible_to"):
                kwargs["queryset"] = related.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and not request.user.is_superuser:
            related = db_field.remote_field.model._default_manager.get_queryset()
            if hasattr(related, "visible_to"):
                kwargs["queryset"] = related.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Written only by the heartbeat task; the admin just shows it."""

    list_display = ["worker", "last_beat_at", "beats"]
    search_fields = ["worker"]
    ordering = ["-last_beat_at"]
    readonly_fields = ["worker", "last_beat_at", "beats"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
