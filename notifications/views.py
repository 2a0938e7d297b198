"""The staff inbox (站内消息): list, open (marks read and follows the link), mark all read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .selectors import user_notifications
from .services import notifications_mark_read

PAGE_SIZE = 30


@require_GET
@login_required
def inbox(request):
    page = Paginator(user_notifications(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@require_POST
@login_required
def open_notification(request, pk):
    """Mark one message read and go to what it is about (only the recipient's own)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(target)


@require_POST
@login_required
def mark_all_read(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications:inbox")
