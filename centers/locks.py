"""Serialise writes to the MPTT tree.

MPTT renumbers lft/rght across a whole tree on insert, move and delete; two concurrent writers
corrupt it (duplicate lft/rght). As in NetBox, every tree write takes a PostgreSQL advisory
lock, held until the surrounding transaction ends. SQLite serialises writers by itself.
"""

from contextlib import contextmanager

from django.db import connection, transaction

__all__ = ["CENTER_TREE_LOCK_ID", "center_tree_lock"]

# An arbitrary, fixed 64-bit key for pg_advisory_xact_lock ("zongzhi centers").
CENTER_TREE_LOCK_ID = 0x7A6F6E677A686901


@contextmanager
def center_tree_lock():
    """Run the block in a transaction that holds the center-tree advisory lock."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CENTER_TREE_LOCK_ID])
        yield
