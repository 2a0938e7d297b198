"""The caller's own inbox (站内消息) over the REST API: list (`?unread=true`), mark one read,
mark all read. Another user's message does not exist here (404)."""

import django_filters.rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.filters import StrictBooleanFilter

from ..models import Notification
from ..selectors import user_notifications
from ..services import notifications_mark_read
from .serializers import NotificationSerializer, ReadAllSerializer

__all__ = ["NotificationViewSet"]

EXAMPLE = {
    "id": 12,
    "kind": "follow_up",
    "title": "请回访案件 420602001008-2025-00001",
    "body": "该案件已结案，请在答复期限内回访申请人。",
    "url": "/disputes/420602001008-2025-00001/",
    "tracking_number": "420602001008-2025-00001",
    "created_at": "2025-03-15T09:00:00+08:00",
    "read_at": None,
    "is_read": False,
}


class NotificationFilterSet(filters.FilterSet):
    unread = StrictBooleanFilter(
        method="filter_unread", help_text="Only unread (true) or only read (false) messages."
    )

    class Meta:
        model = Notification
        fields = []

    def filter_unread(self, queryset, name, value):
        return queryset.filter(read_at__isnull=value)


@extend_schema_view(
    list=extend_schema(
        summary="My messages",
        description="Newest first.",
        examples=[OpenApiExample("A follow-up to make", value=EXAMPLE, response_only=True)],
    )
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no user
            return Notification.objects.none()
        return user_notifications(user=self.request.user)

    @extend_schema(
        summary="Mark one message read",
        request=None,
        responses=NotificationSerializer,
        examples=[
            OpenApiExample(
                "Read",
                value={**EXAMPLE, "read_at": "2025-03-15T10:02:00+08:00", "is_read": True},
                response_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def read(self, request, pk=None):
        notification = self.get_object()
        notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary="Mark all my messages read",
        request=None,
        responses=ReadAllSerializer,
        examples=[OpenApiExample("Marked", value={"marked": 3}, response_only=True)],
    )
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[])
    def read_all(self, request):
        return Response({"marked": notifications_mark_read(user=request.user)})
