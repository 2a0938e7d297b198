# The disputes tests' people and their walk-in registration, for the case-list tests here.
from tests.disputes.conftest import people, register  # noqa: F401
