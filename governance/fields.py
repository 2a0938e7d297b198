"""Serializer fields shared by the REST API."""

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings
from rest_framework.utils import html

__all__ = ["BooleanField", "DateTimeField", "ListOfObjects", "TextField"]


class TextField(serializers.CharField):
    """A text input. DRF's CharField also takes a JSON number or boolean as its text (0 → "0"),
    which the schema (type: string) does not allow: here anything but a string is refused
    with the field's `invalid` message (不是有效的字符串。)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BooleanField(serializers.BooleanField):
    """A yes/no input: JSON's true or false. DRF's BooleanField also took 0, 1, 0.0 and
    words ("yes", "off", …) in a JSON body, which the schema (type: boolean) does not allow;
    a form (multipart or urlencoded) sends only text, so there its words are taken as
    before (true/false, 1/0, on/off …)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (
            isinstance(data, str) and html.is_html_input(getattr(self.root, "initial_data", None))
        ):
            return super().to_internal_value(data)
        self.fail("invalid")


class DateTimeField(serializers.DateTimeField):
    """DRF's, except that a time without a zone at the very edge of the calendar
    (0001-01-01T00:00:00) is refused as out of range (`overflow`), where DRF's check of the
    zone raised OverflowError: a 500."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class ListOfObjects(serializers.ListSerializer):
    """A list of nested objects (`many=True`, as a serializer's `Meta.list_serializer_class`)
    whose own errors (not a list, too few, too many) are the field's messages, as any other
    field's: `{"parties": ["…"]}`, where DRF put them a level down, under non_field_errors.
    Its `min_length` and `max_length` are in the schema as minItems and maxItems
    (governance/schema.py)."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict) and set(detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
                raise ValidationError(detail[api_settings.NON_FIELD_ERRORS_KEY]) from None
            raise
