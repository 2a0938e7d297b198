"""GET /api/v1/metrics/<code>/: the dashboard's numbers as JSON, scoped like the pages, with
400s naming the bad period parameters."""

import pytest
from django.urls import reverse

from centers.choices import Role
from disputes.choices import Channel, RiskLevel
from disputes.models import Category
from metrics.definitions import METRICS, Counters
from metrics.periods import Period
from metrics.selectors import dashboard
from tests.factories import UserFactory
from tests.i18n_support import compile_catalogs
from tests.metrics.history import make_history

pytestmark = pytest.mark.django_db


def api_url(center) -> str:
    return reverse("metrics-dashboard", kwargs={"code": center.code if center else "all"})


@pytest.fixture
def admin(db):
    return UserFactory(is_superuser=True)


def test_the_json_holds_the_selectors_numbers(client, center_tree, member):
    make_history(center_tree, seed=5)
    user = member(center_tree.county, Role.DIRECTOR)
    client.force_login(user)
    response = client.get(api_url(center_tree.county), {"kind": "year", "year": 2025})
    assert response.status_code == 200
    data = response.json()
    board = dashboard(center=center_tree.county, period=Period.year(2025), user=user)

    assert set(data) == {
        "center",
        "period",
        "computed_at",
        "totals",
        "metrics",
        "children",
        "breakdowns",
        "trend",
        "funnel",
    }
    assert data["center"] == {
        "code": center_tree.county.code,
        "name": "襄城区",
        "level": "county",
        "level_display": "县级",
    }
    assert data["period"] == {
        "kind": "year",
        "start": "2025-01-01",
        "end": "2026-01-01",
        "last_day": "2025-12-31",
        "label": "2025年",
    }
    assert data["totals"] == board.totals.as_dict()
    assert set(data["totals"]) == set(Counters.names())

    metrics = {item["key"]: item for item in data["metrics"]}
    assert list(metrics) == [metric.key for metric in METRICS]
    rate = metrics["resolution_rate"]
    assert rate["label"] == "化解率" and rate["formula"] == "化解数 ÷ 受理数"
    assert rate["numerator"] == board.totals.resolved
    assert rate["denominator"] == board.totals.accepted
    assert rate["value"] == pytest.approx(board.totals.resolved / board.totals.accepted)
    assert metrics["received"]["value"] == board.totals.received
    assert metrics["received"]["denominator"] is None

    assert [child["code"] for child in data["children"]] == [c.code for c, _ in board.children]
    for child, (center, counters) in zip(data["children"], board.children, strict=True):
        assert child["name"] == center.name
        assert child["counters"] == counters.as_dict()
        by_key = {m["key"]: m for m in child["metrics"]}
        assert by_key["local_resolution_rate"]["numerator"] == counters.resolved_local

    assert set(data["breakdowns"]) == {"category", "channel", "risk_level"}
    channels = data["breakdowns"]["channel"]
    assert [row["label"] for row in channels] == [str(label) for _, label, _ in board.by_channel]
    assert [row["key"] for row in channels] == [key for key, _, _ in board.by_channel]
    assert {row["key"] for row in channels} <= set(Channel.values)
    assert [row["counters"]["received"] for row in channels] == [
        c.received for _, _, c in board.by_channel
    ]
    categories = data["breakdowns"]["category"]
    assert {row["key"] for row in categories} <= set(
        Category.objects.values_list("code", flat=True)
    )
    risks = data["breakdowns"]["risk_level"]
    assert {row["key"] for row in risks} <= set(RiskLevel.values)
    assert [point["month"] for point in data["trend"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert sum(point["counters"]["received"] for point in data["trend"]) == board.totals.received
    funnel = {step["level"]: step for step in data["funnel"]}
    assert funnel["village"]["reached"] == board.totals.top_village
    assert funnel["village"]["climbed"] == board.totals.accepted
    assert funnel["township"]["resolved"] == board.totals.resolved_township


def test_a_rate_with_nothing_to_divide_is_null(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    data = client.get(api_url(center_tree.township)).json()
    metrics = {item["key"]: item for item in data["metrics"]}
    assert metrics["resolution_rate"]["value"] is None
    assert metrics["resolution_rate"]["denominator"] == 0
    assert data["period"]["kind"] == "month"  # the current month by default


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("township", 200),
        ("village", 200),
        ("sibling_township", 404),
        ("county", 404),
        ("other_village", 404),
    ],
)
def test_the_api_is_scoped_like_the_pages(client, center_tree, member, target, status):
    client.force_login(member(center_tree.township, Role.MEDIATOR))
    assert client.get(api_url(getattr(center_tree, target))).status_code == status


def test_grid_workers_anonymous_users_and_the_deployment(client, center_tree, member, admin):
    assert client.get(api_url(center_tree.village)).status_code == 401  # anonymous
    client.force_login(member(center_tree.village, Role.GRID_WORKER))
    assert client.get(api_url(center_tree.village)).status_code == 403
    client.force_login(member(center_tree.city, Role.DIRECTOR))
    assert client.get(api_url(None)).status_code == 404
    client.force_login(admin)
    data = client.get(api_url(None), {"kind": "quarter", "year": 2025, "quarter": 3}).json()
    assert data["center"] is None
    assert [child["code"] for child in data["children"]] == [center_tree.city.code]
    assert data["period"]["start"] == "2025-07-01" and data["period"]["label"] == "2025年第3季度"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"kind": "month", "year": 2025, "month": 13}, {"month"}),
        ({"kind": "quarter", "year": 2025}, {"quarter"}),
        ({"kind": "year", "year": "twenty"}, {"year"}),
        ({"kind": "week", "year": 2025}, {"kind"}),
        ({"kind": "custom", "start": "2025-05-01", "end": "2025-04-01"}, {"end"}),
        ({"kind": "custom", "start": "not a date", "end": "2025-04-01"}, {"start"}),
    ],
)
def test_bad_period_parameters_are_a_400_naming_the_fields(
    client, center_tree, member, query, fields
):
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(api_url(center_tree.township), query)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == fields
    assert all(isinstance(message, str) for name in fields for message in body[name])


def test_a_custom_period_includes_its_last_day(client, center_tree, member):
    client.force_login(member(center_tree.township, Role.STAFF))
    query = {"kind": "custom", "start": "2025-02-01", "end": "2025-02-28"}
    period = client.get(api_url(center_tree.township), query).json()["period"]
    assert period["start"] == "2025-02-01" and period["end"] == "2025-03-01"
    assert period["last_day"] == "2025-02-28"


def test_labels_follow_the_language(client, center_tree, member):
    compile_catalogs()
    client.force_login(member(center_tree.township, Role.STAFF))
    response = client.get(
        api_url(center_tree.township),
        {"kind": "month", "year": 2025, "month": 3},
        headers={"accept-language": "en"},
    )
    data = response.json()
    metrics = {item["key"]: item for item in data["metrics"]}
    assert metrics["resolution_rate"]["label"] == "Resolution rate"
    assert data["period"]["label"] == "March 2025"
    assert data["funnel"][0]["label"] != "村级"
