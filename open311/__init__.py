"""The Open311 GeoReport v2 interface (/open311/v2/): outside systems such as a 12345 hotline
file disputes as service requests and follow their status. See open311/views.py for the
decisions taken where the specification leaves room."""
