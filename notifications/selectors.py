"""Reads of the notifications app."""

from .models import Notification

__all__ = ["unread_count", "user_notifications"]


def unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def user_notifications(*, user):
    return Notification.objects.filter(recipient=user).select_related("dispute")
