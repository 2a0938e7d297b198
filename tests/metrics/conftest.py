# The disputes tests' people and their walk-in registration, for metrics tests too.
from tests.disputes.conftest import people, register  # noqa: F401
