from django.contrib import admin

from .models import Notification, SmsMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(recipient=request.user)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Superusers only: the resident's phone is in the row until it is sent."""

    list_display = ["kind", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "dispute", "created_at", "sent_at", "attempts", "last_error"]
    exclude = ["phone", "body"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
