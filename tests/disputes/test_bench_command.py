"""bench_deadline_scan, small: it times the watch, shows the due-case lookup's plan, leaves
nothing behind, and refuses a database holding cases unless told --yes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from centers.models import Center
from disputes.models import CaseEvent, Dispute, Escalation

pytestmark = pytest.mark.django_db


def bench(**options) -> str:
    out = StringIO()
    call_command("bench_deadline_scan", cases=60, due=[5, 20], runs=1, stdout=out, **options)
    return out.getvalue()


def test_it_times_the_watch_and_leaves_nothing_behind():
    output = bench()
    assert "Created 60 open cases" in output
    lines = [line.split() for line in output.splitlines()]
    header = lines.index(["cases", "due", "scan", "s", "ms/due", "case"])
    table = lines[header + 1 : header + 4]
    assert [line[:2] for line in table] == [["60", "0"], ["60", "5"], ["60", "20"]], output
    assert "Ratio 20 / 5 due" in output
    assert "Query plan of the due-case lookup with 5 due" in output
    assert not Dispute.objects.exists() and not CaseEvent.objects.exists()
    assert not Escalation.objects.exists() and not Center.objects.exists()


def test_it_refuses_a_database_holding_cases_unless_told_yes(register):
    register()
    with pytest.raises(CommandError, match="holds 1 cases"):
        bench()
    assert "Rolled back: 1 cases" in bench(yes=True)
    assert Dispute.objects.count() == 1
