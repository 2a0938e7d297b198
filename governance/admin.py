"""Django admin: the site's titles, the scoping every center-bound admin shares, the
read-only worker heartbeats, the public-holiday calendar and the API tokens."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import (
    ApiToken,
    CalendarDay,
    CalendarDayKind,
    CalendarSource,
    CalendarYear,
    TaskFailure,
    WorkerHeartbeat,
)
from .services import api_token_create, api_token_revoke
from .workdays import calendar_warnings

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


class CalendarWarningsMixin:
    """Shows `calendar_warnings()` (a year without its holiday schedule) on the changelist."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for warning in calendar_warnings():
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


class CalendarDayInline(admin.TabularInline):
    """The year's holidays and make-up working days, entered from its notice."""

    model = CalendarDay
    fields = ["date", "kind", "name", "source"]
    readonly_fields = ["source"]
    ordering = ["date"]
    extra = 1


@admin.register(CalendarYear)
class CalendarYearAdmin(CalendarWarningsMixin, admin.ModelAdmin):
    """A year is counted with its holidays once its row exists: enter the whole notice (the
    days below) in one save. Rows added or edited here are marked `manual`, so that
    `sync_holidays` never overwrites them."""

    list_display = ["year", "notice", "source", "holiday_count", "workday_count", "updated_at"]
    list_filter = ["source"]
    search_fields = ["year", "notice"]
    readonly_fields = ["source", "updated_at"]
    inlines = [CalendarDayInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holiday_total=Count("days", filter=Q(days__kind=CalendarDayKind.HOLIDAY)),
                workday_total=Count("days", filter=Q(days__kind=CalendarDayKind.WORKDAY)),
            )
        )

    @admin.display(description=_("节假日天数"), ordering="holiday_total")
    def holiday_count(self, obj):
        return obj.holiday_total

    @admin.display(description=_("调休上班天数"), ordering="workday_total")
    def workday_count(self, obj):
        return obj.workday_total

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = CalendarSource.MANUAL
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for day in formset.save(commit=False):
            day.source = CalendarSource.MANUAL
            day.save()
        for day in formset.deleted_objects:
            day.delete()
        formset.save_m2m()


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningsMixin, admin.ModelAdmin):
    """Exceptions to the weekday rule. A row added or edited here becomes `manual`."""

    list_display = ["date", "weekday", "kind", "name", "source"]
    list_filter = ["calendar_year", "kind", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]
    list_select_related = ["calendar_year"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return date_format(obj.date, "l")

    def save_model(self, request, obj, form, change):
        obj.source = CalendarSource.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(TaskFailure)
class TaskFailureAdmin(admin.ModelAdmin):
    """Dead letters: background jobs that kept failing. Admins read them and mark them
    handled once the cause is fixed."""

    list_display = ["task_name", "failed_at", "retries", "error", "resolved_at"]
    list_filter = ["task_name", ("resolved_at", admin.EmptyFieldListFilter)]
    readonly_fields = [
        "task_name",
        "task_id",
        "args",
        "kwargs",
        "retries",
        "error",
        "traceback",
        "failed_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_module_permission(self, request):
        return request.user.is_superuser


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens of integrations, for superusers only (a token acts with all of its user's
    rights). Adding one shows its key once, in a message; the key is never stored, so it
    cannot be shown again. Tokens are revoked (an action), not deleted: the row records who
    had API access and until when."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        token, key = api_token_create(user=obj.user, name=obj.name)
        # The admin goes on with `obj` (its change page, the log entry): make it the new row.
        obj.pk, obj.prefix, obj.digest = token.pk, token.prefix, token.digest
        obj.created_at = token.created_at
        obj._state.adding = False
        messages.warning(
            request,
            gettext("API 令牌“%(name)s”的密钥：%(key)s 。请立即复制保存，此后不会再显示。")
            % {"name": token.name, "key": key},
        )

    @admin.action(description=_("吊销所选 API 令牌"))
    def revoke(self, request, queryset):
        live = list(queryset.filter(revoked_at__isnull=True))
        for token in live:
            api_token_revoke(token=token)
        self.message_user(
            request,
            gettext("已吊销 %(count)d 个 API 令牌。") % {"count": len(live)},
            messages.SUCCESS,
        )
