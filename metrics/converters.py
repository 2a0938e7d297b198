"""The URL converter of the dashboards' center codes, registered once for the pages and the
API."""

from django.urls import register_converter

__all__ = ["DashboardCodeConverter"]


class DashboardCodeConverter:
    """A center's 12-digit division code, or "all" (the whole deployment)."""

    regex = r"all|\d{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DashboardCodeConverter, "dashboard_code")
