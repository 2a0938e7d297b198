from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework.exceptions import NotFound

from open311.views import not_found as open311_not_found

from .selectors import platform_status


@login_required
def status(request):
    """Platform status: database, broker, and the workers' last heartbeats."""
    return render(request, "governance/status.html", {"status": platform_status()})


# Where the REST API and the Open311 interface live (governance/urls.py).
API_PREFIX = "/api/"
OPEN311_PREFIX = "/open311/"


def not_found(request, exception):
    """handler404. A path of the REST API or of Open311 that no route accepts (an identifier
    of the wrong shape, a typo) answers like the API's own 404s: JSON `{"detail": …}`, or
    Open311's error list in the path's format. The pages keep Django's 404 page."""
    if request.path_info.startswith(OPEN311_PREFIX):
        return open311_not_found(request)
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(
            {"detail": str(NotFound.default_detail)},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.page_not_found(request, exception)
