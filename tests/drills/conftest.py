# The disputes tests' fixtures (staff at the center_tree's centers, intake at the village).
from tests.disputes.conftest import people, register  # noqa: F401
