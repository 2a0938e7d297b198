"""Open311's two formats. The URL's extension decides (services.json, services.xml): each path
is routed to a view with that one renderer, and the Accept header is not consulted.

The XML is the specification's schemaless XML: a root element named by the view
(`services`, `service_definition`, `service_requests`, `errors`), list items named after
their list (`<services><service>`, `<attributes><attribute>`, `<values><value>`,
`<service_requests><request>`, `<errors><error>`), null as an empty element, booleans as
true/false. djangorestframework-xml was considered: its item tag is one fixed name
(`list-item`) for every list, which is not Open311's shape, so this small renderer on the
standard library's ElementTree is used instead (we only write XML, never parse it)."""

import re
import xml.etree.ElementTree as ET

from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

__all__ = [
    "Open311JSONRenderer",
    "Open311XMLRenderer",
    "Open311Response",
    "ExtensionNegotiation",
    "XML_ITEM_TAGS",
]

XML_ITEM_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Characters XML 1.0 cannot hold at all (control characters but tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Response(Response):
    """A response that knows the name of its XML root element."""

    def __init__(self, data=None, *, root: str, status: int = 200, headers=None):
        super().__init__(data, status=status, headers=headers)
        self.xml_root = root


class Open311JSONRenderer(JSONRenderer):
    """JSON, UTF-8, with the charset in the Content-Type as the specification shows it."""

    charset = "utf-8"


class Open311XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        root_tag = getattr(response, "xml_root", None) or "response"
        root = ET.Element(root_tag)
        self._fill(root, data)
        return XML_DECLARATION + ET.tostring(root, encoding="unicode")

    def _fill(self, element: ET.Element, value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._fill(ET.SubElement(element, key), item)
        elif isinstance(value, list | tuple):
            item_tag = XML_ITEM_TAGS.get(element.tag, "item")
            for item in value:
                self._fill(ET.SubElement(element, item_tag), item)
        elif value is None:
            return
        elif isinstance(value, bool):
            element.text = "true" if value else "false"
        else:
            element.text = _NOT_XML.sub("", str(value))


class ExtensionNegotiation(BaseContentNegotiation):
    """The view's one renderer, whatever the Accept header says (the extension decides);
    parsers as usual."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
