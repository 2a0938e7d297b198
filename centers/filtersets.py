import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.filters import StrictBooleanFilter

from .choices import CenterKind, CenterLevel
from .models import Center

__all__ = ["CenterFilterSet"]


class CenterFilterSet(django_filters.FilterSet):
    """`parent` keeps direct children of a center; `ancestor` keeps its whole subtree."""

    q = django_filters.CharFilter(method="filter_q", label=_("名称或代码"))
    parent = django_filters.CharFilter(method="filter_parent", label=_("上级中心代码"))
    ancestor = django_filters.CharFilter(method="filter_ancestor", label=_("祖先中心代码"))
    level = django_filters.MultipleChoiceFilter(choices=CenterLevel.choices, label=_("层级"))
    kind = django_filters.MultipleChoiceFilter(choices=CenterKind.choices, label=_("类型"))
    is_active = StrictBooleanFilter(label=_("启用"))

    class Meta:
        model = Center
        fields = ["q", "parent", "ancestor", "level", "kind", "is_active"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent__code=value)

    def filter_ancestor(self, queryset, name, value):
        # Resolved within the same (scoped) queryset: an out-of-scope ancestor finds nothing.
        ancestor = queryset.filter(code=value).first()
        if ancestor is None:
            return queryset.none()
        return queryset.filter(ancestor.subtree_q()).exclude(pk=ancestor.pk)
