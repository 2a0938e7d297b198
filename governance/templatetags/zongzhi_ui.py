"""Template helpers of the server-rendered UI: `{% load zongzhi_ui %}`."""

from django import template

from centers.selectors import user_memberships as select_memberships
from governance.people import person_name

register = template.Library()


register.filter("person_name", person_name)


@register.simple_tag
def user_memberships(user):
    """The user's roles and centers, for the page header."""
    return select_memberships(user=user)
