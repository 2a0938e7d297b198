"""Serializer fields shared by the REST API."""

from rest_framework import serializers

__all__ = ["TextField"]


class TextField(serializers.CharField):
    """A text input. DRF's CharField also takes a JSON number or boolean as its text (0 → "0"),
    which the schema (type: string) does not allow: here anything but a string is refused
    with the field's `invalid` message (不是有效的字符串。)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
