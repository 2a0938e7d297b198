"""bench_dashboard, small: on 襄阳's tree it generates consistent cases, times the dashboard and
the naive approach for every level it finds (they must agree), prints the table, refuses a
database holding other cases, and --clean removes what it made."""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Q
from django.utils import timezone

from centers.choices import LEVEL_DEPTH
from disputes.choices import OPEN_STATUSES, Status
from disputes.models import Dispute, FollowUp
from metrics.bench_cases import BENCH_PREFIX
from tests.factories import CenterFactory

pytestmark = pytest.mark.django_db

# On PostgreSQL the command drops and re-creates the case table's foreign keys around COPY,
# which a test's enclosing transaction (with pending constraint triggers) does not allow:
# there the command itself is the check (see README: metrics benchmark).
needs_own_transactions = pytest.mark.skipif(
    "postgresql" in settings.DATABASES["default"]["ENGINE"],
    reason="drops foreign keys around COPY: not inside a test transaction",
)

XIANGYANG = Path(settings.BASE_DIR) / "data" / "divisions" / "xiangyang.csv"


def bench(**options) -> str:
    out = StringIO()
    defaults = {"divisions": XIANGYANG, "cases": 2000, "runs": 2, "workers": 0}
    call_command("bench_dashboard", stdout=out, stderr=StringIO(), **{**defaults, **options})
    return out.getvalue()


def table(output: str) -> dict[str, list[str]]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("level ")) + 2
    rows = {}
    for line in lines[start:]:
        if not line.strip() or line.startswith("ratio"):
            break
        rows[line.split()[0]] = line.split()
    return rows


@needs_own_transactions
def test_it_generates_measures_every_level_and_cleans_up():
    output = bench(explain=True)
    assert "Generating 2,000 cases in 2,817 villages" in output
    assert "parties, case events, sessions and escalation rows are not read" in output
    assert "province: no cases under any province, skipped" in output  # a city's tree
    rows = table(output)
    assert list(rows) == ["root", "city", "county", "township", "village"], output
    assert rows["root"][2] == rows["city"][3] == "2,000"  # the whole tree is the city
    assert all("p95<200:" in " ".join(row) for row in rows.values())
    assert "≥20x:" in " ".join(rows["city"]) and "≥20x:" not in " ".join(rows["county"])
    assert "Where the dashboard's time goes" in output
    assert Dispute.objects.filter(tracking_number__startswith=BENCH_PREFIX).count() == 2000
    assert FollowUp.objects.exists()

    # Measured again on the same cases; generating again is refused.
    again = bench(skip_generate=True, levels=["village"])
    assert "Reusing 2,000 generated cases." in again and list(table(again)) == ["village"]
    with pytest.raises(CommandError, match="generated cases are there already"):
        bench()

    out = StringIO()
    call_command("bench_dashboard", clean=True, stdout=out)
    assert "Removed 2,000 generated cases" in out.getvalue()
    assert not Dispute.objects.exists() and not FollowUp.objects.exists()


@needs_own_transactions
def test_the_generated_facts_are_consistent():
    bench(cases=3000, levels=["village"], runs=1)
    cases = Dispute.objects.all()
    assert cases.count() == 3000
    # Dates follow each other.
    assert not cases.filter(accepted_at__lt=F("created_at")).exists()
    assert not cases.filter(mediation_started_at__lt=F("accepted_at")).exists()
    assert not cases.filter(resolved_at__lt=F("mediation_started_at")).exists()
    assert not cases.filter(closed_at__lt=F("created_at")).exists()
    assert not cases.filter(closed_at__lt=F("resolved_at")).exists()
    assert not cases.filter(updated_at__lt=F("created_at")).exists()
    now = timezone.now()
    assert not cases.filter(Q(created_at__gt=now) | Q(updated_at__gt=now)).exists()
    assert cases.filter(created_at__lt=now - timedelta(days=700)).exists()  # two years
    # Resolved cases were accepted and mediated; the ladder only goes up.
    assert not cases.filter(resolved_at__isnull=False, accepted_at__isnull=True).exists()
    for case in cases.exclude(resolved_level="").only("resolved_level", "top_level"):
        assert LEVEL_DEPTH[case.resolved_level] >= LEVEL_DEPTH[case.top_level]
    for case in cases.only("receiving_level", "top_level", "escalation_count"):
        assert LEVEL_DEPTH[case.receiving_level] >= LEVEL_DEPTH[case.top_level]
        assert (case.escalation_count > 0) == (case.receiving_level != case.top_level)
    # Open cases have no closure; closed ones have its facts; only open ones are overdue.
    open_cases = cases.filter(status__in=OPEN_STATUSES)
    assert not open_cases.filter(closed_at__isnull=False).exists()
    assert not cases.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    closed = cases.filter(closed_at__isnull=False)
    assert not closed.filter(Q(closed_on_time=None) | Q(handling_workdays=None)).exists()
    assert not cases.exclude(status__in=OPEN_STATUSES).filter(is_overdue=True).exists()
    assert not cases.filter(is_overdue=True, was_overdue=False).exists()
    # Shares as described: most received and resolved at the village, a few climbing.
    resolved_cases = cases.exclude(resolved_at=None)
    village = cases.filter(receiving_level="village").count() / 3000
    resolved = resolved_cases.count() / cases.exclude(accepted_at=None).count()
    at_village = resolved_cases.filter(resolved_level="village").count() / resolved_cases.count()
    assert 0.85 < village < 0.93 and 0.95 < resolved < 0.995, (village, resolved)
    assert 0.75 < at_village < 0.9, at_village
    assert cases.filter(closed_on_time=False).exists() and cases.filter(was_overdue=True).exists()
    # 属地 columns agree with the village's ancestors.
    case = cases.select_related("village__parent__parent").first()
    assert case.loc_township_id == case.village.parent_id
    assert case.loc_county_id == case.village.parent.parent_id
    # Follow-ups belong to closed (or reopened) cases and started after the closure.
    assert not FollowUp.objects.filter(dispute__created_at__gt=F("created_at")).exists()
    orphans = FollowUp.objects.filter(dispute__closed_at=None, dispute__reopen_count=0)
    assert not orphans.exists()


def test_it_refuses_a_database_holding_other_cases():
    village = CenterFactory(code="420602001008", level="village", parent=None)
    Dispute.objects.create(
        tracking_number="420602001008-2026-000001",
        access_code_hash="x",
        channel="walk_in",
        category_id=_category(),
        summary="真实案件",
        village=village,
        receiving_center=village,
        current_center=village,
        level="village",
        level_entered_at=timezone.now(),
    )
    with pytest.raises(CommandError, match="did not make"):
        bench()
    with pytest.raises(CommandError, match="no generated cases"):
        bench(skip_generate=True, yes=True)
    out = StringIO()
    call_command("bench_dashboard", clean=True, stdout=out)
    assert Dispute.objects.count() == 1  # --clean removes only generated cases


def _category() -> int:
    from disputes.models import Category

    return Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0].pk
