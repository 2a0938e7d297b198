"""Request parsers of the REST API."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

__all__ = ["JSONParser"]

DRF_PREFIX = "JSON parse error - "


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with its error in the caller's language (DRF words it in English
    only): 请求体不是有效的 JSON：<what the decoder said>."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            reason = str(error.detail).removeprefix(DRF_PREFIX)
            raise ParseError(_("请求体不是有效的 JSON：%(reason)s") % {"reason": reason}) from error
