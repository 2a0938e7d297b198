"""/open311/v2/: every resource as .json and .xml, each path with its one renderer (the
extension decides the format, as the specification says)."""

from django.urls import path

from . import views
from .renderers import Open311JSONRenderer, Open311XMLRenderer

app_name = "open311"

FORMATS = {"json": Open311JSONRenderer, "xml": Open311XMLRenderer}


def formats(route: str, view, name: str) -> list:
    """`route`.json and `route`.xml, named `name`-json and `name`-xml."""
    return [
        path(
            f"{route}.{fmt}",
            view.as_view(renderer_classes=[renderer]),
            name=f"{name}-{fmt}",
        )
        for fmt, renderer in FORMATS.items()
    ]


urlpatterns = [
    *formats("services", views.ServiceListView, "services"),
    *formats("services/<slug:service_code>", views.ServiceDefinitionView, "service"),
    *formats("requests", views.ServiceRequestsView, "requests"),
    *formats("requests/<slug:service_request_id>", views.ServiceRequestView, "request"),
]
