"""Who may call which endpoint of the staff API, beyond being signed in. The case actions
are checked by the services (the transition table's roles); these cover the endpoints that
have no service behind them."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from .. import audit, forms

__all__ = ["MayAudit", "MayRegister"]


class MayAudit(BasePermission):
    """The escalation audit: county officials (督查), directors, administrators and
    superusers, as the audit pages."""

    message = _(
        "审计页面仅向督查、中心主任和管理员开放，您的岗位无权查看。如需开通，请联系本级中心管理员。"
    )

    def has_permission(self, request, view):
        return audit.may_audit(user=request.user)


class MayRegister(BasePermission):
    """Registering a case (POST /cases/): a role that may register at some active center."""

    message = _("您在任何中心都没有可登记纠纷的岗位，请联系管理员。")

    def has_permission(self, request, view):
        if request.method != "POST" or getattr(view, "action", None) != "create":
            return True
        return forms.intake_centers(request.user).exists()
