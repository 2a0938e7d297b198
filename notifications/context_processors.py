from .selectors import unread_count


def unread_notifications(request):
    """The unread count shown in the header (one indexed count, lazily)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user=user)}
