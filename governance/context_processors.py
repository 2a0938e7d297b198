from django.conf import settings


def demo_clock(request):
    """Pages say so when working days are shortened for the demo."""
    return {"demo_workday_seconds": getattr(settings, "DISPUTE_DEMO_WORKDAY_SECONDS", None)}
