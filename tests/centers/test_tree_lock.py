"""Concurrent writers must not corrupt the MPTT tree (the advisory lock in centers.locks)."""

import threading

import pytest
from django.db import connection, connections

from centers.choices import CenterLevel
from centers.models import Center

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers itself; the advisory lock is a PostgreSQL matter",
)

INSERTS_PER_WRITER = 60


def _writer(parent_code: str, start: int, errors: list):
    try:
        parent = Center.objects.get(code=parent_code)
        for n in range(start, start + INSERTS_PER_WRITER):
            Center.objects.create(
                code=f"{parent_code[:9]}{n:03d}",
                name=f"测试社区{n}",
                level=CenterLevel.VILLAGE,
                parent=parent,
            )
            parent.refresh_from_db()
    except Exception as exc:  # surfaced by the assertion below
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_leave_a_valid_tree(center_tree):
    errors: list = []
    threads = [
        threading.Thread(target=_writer, args=(center_tree.township.code, 100, errors)),
        threading.Thread(target=_writer, args=(center_tree.sibling_township.code, 100, errors)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors

    rows = list(Center.objects.filter(tree_id=center_tree.city.tree_id).values("lft", "rght"))
    bounds = [r["lft"] for r in rows] + [r["rght"] for r in rows]
    assert len(rows) == 10 + 2 * INSERTS_PER_WRITER
    # A valid nested set numbers 1..2n, each number used exactly once.
    assert sorted(bounds) == list(range(1, 2 * len(rows) + 1))
    township = Center.objects.get(pk=center_tree.township.pk)
    assert township.get_children().count() == 2 + INSERTS_PER_WRITER
