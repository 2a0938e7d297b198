from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import platform_status


@login_required
def status(request):
    """Platform status: database, broker, and the workers' last heartbeats."""
    return render(request, "governance/status.html", {"status": platform_status()})
