from rest_framework import serializers

from ..models import Notification

__all__ = ["NotificationSerializer", "ReadAllSerializer"]


class NotificationSerializer(serializers.ModelSerializer):
    """A message in the caller's inbox (站内消息)."""

    tracking_number = serializers.CharField(
        source="dispute.tracking_number", allow_null=True, default=None
    )
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "tracking_number",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread messages were marked read.")
