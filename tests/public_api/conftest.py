"""Fixtures of the resident API tests: a client with no account, the center tree's staff with
known names, a filing, and rate-limit counters of their own for every test."""

import uuid
from types import SimpleNamespace

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centers.choices import Role
from disputes.models import Category
from disputes.public_api.throttles import LOCAL_WINDOWS
from governance.sharedcache import cache_breaker
from tests.disputes.conftest import people, register  # noqa: F401

INTAKE_URL = "/api/v1/public/cases/"

# The resident who files online, and the other side named only in staff's notes.
APPLICANT_NAME = "李秀兰"
APPLICANT_PHONE = "13907101234"
RESPONDENT_NAME = "王建军"


def status_url(tracking_number: str) -> str:
    return reverse("public_api:case-status", kwargs={"tracking_number": tracking_number})


def rating_url(tracking_number: str) -> str:
    return reverse("public_api:case-rating", kwargs={"tracking_number": tracking_number})


@pytest.fixture(autouse=True)
def own_throttle_counters(settings, tmp_path):
    """Each test counts in keys of its own (a fresh KEY_PREFIX: with REDIS_URL the counters
    live in the real, shared Redis), with an empty in-memory fallback and a closed breaker.
    Uploaded files go to the test's own folder."""
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-public-api-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    LOCAL_WINDOWS.clear()
    cache_breaker().reset()
    yield
    LOCAL_WINDOWS.clear()
    cache_breaker().reset()


@pytest.fixture
def rates(settings):
    """rates(scope=rate, …): set some of the resident API's rate limits for this test."""

    def set_rates(**overrides):
        settings.PUBLIC_API_THROTTLE_RATES = {**settings.PUBLIC_API_THROTTLE_RATES, **overrides}

    return set_rates


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def category(db):
    # get_or_create: a transactional test's flush empties the migration-seeded table.
    return Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]


@pytest.fixture
def filing(center_tree, category):
    """filing(**overrides) → a valid online filing (JSON) at the 檀溪 village."""

    def make(**overrides):
        data = {
            "category": category.code,
            "summary": "邻居院墙排水纠纷",
            "description": f"雨水从邻居{RESPONDENT_NAME}的院墙排入我家院内，协商未果。",
            "village": center_tree.village.code,
            "applicant_name": APPLICANT_NAME,
            "applicant_phone": APPLICANT_PHONE,
            "address": "檀溪路12号",
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def file_online(api, filing):
    """file_online(**overrides) → the 201 response's JSON of an online filing."""

    def make(**overrides):
        response = api.post(INTAKE_URL, filing(**overrides), format="json")
        assert response.status_code == 201, response.content.decode()
        return response.json()

    return make


@pytest.fixture
def staff(center_tree, member):
    """Staff with known, unusual names (they must never reach a resident)."""
    t = center_tree
    return SimpleNamespace(
        village_mediator=member(
            t.village, Role.MEDIATOR, username="pa_v_mediator", last_name="欧阳", first_name="明哲"
        ),
        village_staff=member(
            t.village, Role.STAFF, username="pa_v_staff", last_name="司马", first_name="婉清"
        ),
        township_staff=member(
            t.township, Role.STAFF, username="pa_t_staff", last_name="诸葛", first_name="青云"
        ),
        village_director=member(
            t.village, Role.DIRECTOR, username="pa_v_director", last_name="上官", first_name="晓月"
        ),
    )


def staff_names(staff) -> list[str]:
    names = []
    for user in vars(staff).values():
        names += [f"{user.last_name}{user.first_name}", user.first_name, user.username]
    return names
