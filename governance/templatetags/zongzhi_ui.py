"""Template helpers of the server-rendered UI: `{% load zongzhi_ui %}`."""

from django import template

from centers.selectors import user_memberships as select_memberships
from disputes.audit import may_audit as select_may_audit
from governance.people import person_name
from metrics.selectors import may_view_dashboards as select_may_view_dashboards

register = template.Library()


register.filter("person_name", person_name)


def _memberships(user):
    """The user's memberships, read once per request (the header asks twice)."""
    cached = getattr(user, "_zongzhi_ui_memberships", None)
    if cached is None:
        cached = select_memberships(user=user)
        if user.is_authenticated:
            user._zongzhi_ui_memberships = cached
    return cached


@register.simple_tag
def user_memberships(user):
    """The user's roles and centers, for the page header."""
    return _memberships(user)


@register.simple_tag
def may_audit(user):
    """Whether the header links to the audit pages (督查, 中心主任, 管理员)."""
    if not getattr(user, "is_authenticated", False):  # also on error pages without a user
        return False
    return select_may_audit(user=user, memberships=_memberships(user))


@register.simple_tag
def may_view_dashboards(user):
    """Whether the header links to the dashboards (every role but grid worker)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return select_may_view_dashboards(user=user, memberships=_memberships(user))
