from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("平台")

    def ready(self):
        from . import schema  # noqa: F401 - registers the API token scheme with drf-spectacular
