"""Filter pieces shared by the REST API's filter sets."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import BooleanWidget

__all__ = ["StrictBooleanFilter"]


class _PassUnknownBooleanWidget(BooleanWidget):
    """true/false (also 1/0, any case) as True/False, as django-filter's BooleanWidget; any
    other value is handed to the field as it is, to be refused (the stock widget turns it
    into "no filter", so `?unread=ture` silently listed everything)."""

    def value_from_datadict(self, data, files, name):
        parsed = super().value_from_datadict(data, files, name)
        raw = data.get(name)
        if parsed is None and raw not in (None, ""):
            return raw
        return parsed


class _StrictNullBooleanField(forms.NullBooleanField):
    default_error_messages = {"invalid": _("请填写 true 或 false。")}

    def to_python(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter: `true`/`false` (or `1`/`0`), left out for no filtering; anything else
    is a 400 naming the parameter."""

    field_class = _StrictNullBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _PassUnknownBooleanWidget)
        super().__init__(*args, **kwargs)
