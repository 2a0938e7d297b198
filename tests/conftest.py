from types import SimpleNamespace

import pytest

from centers.choices import CenterLevel, Role
from tests.factories import CenterFactory, GridFactory, MembershipFactory, UserFactory


@pytest.fixture
def center_tree(db):
    """A real slice of Xiangyang's tree (official codes):

    襄阳市 city
    ├── 襄城区 county
    │   ├── 真武山街道 township ── 檀溪社区, 凤雏社区 villages
    │   └── 古城街道 township ──── 中山巷社区 village
    └── 樊城区 county ── 汉江街道 township ── 高庄社区 village
    """
    city = CenterFactory(code="420600000000", name="襄阳市", level=CenterLevel.CITY)
    county = CenterFactory(
        code="420602000000", name="襄城区", level=CenterLevel.COUNTY, parent=city
    )
    township = CenterFactory(
        code="420602001000", name="真武山街道", level=CenterLevel.TOWNSHIP, parent=county
    )
    village = CenterFactory(
        code="420602001008", name="檀溪社区居委会", level=CenterLevel.VILLAGE, parent=township
    )
    village2 = CenterFactory(
        code="420602001010", name="凤雏社区居委会", level=CenterLevel.VILLAGE, parent=township
    )
    sibling_township = CenterFactory(
        code="420602002000", name="古城街道", level=CenterLevel.TOWNSHIP, parent=county
    )
    sibling_village = CenterFactory(
        code="420602002001",
        name="中山巷社区居委会",
        level=CenterLevel.VILLAGE,
        parent=sibling_township,
    )
    other_county = CenterFactory(
        code="420606000000", name="樊城区", level=CenterLevel.COUNTY, parent=city
    )
    other_township = CenterFactory(
        code="420606001000", name="汉江街道", level=CenterLevel.TOWNSHIP, parent=other_county
    )
    other_village = CenterFactory(
        code="420606001001",
        name="高庄社区居委会",
        level=CenterLevel.VILLAGE,
        parent=other_township,
    )
    grid = GridFactory(village=village, code="420602001008001", name="檀溪第一网格")
    sibling_grid = GridFactory(
        village=sibling_village, code="420602002001001", name="中山巷第一网格"
    )
    return SimpleNamespace(
        city=city,
        county=county,
        township=township,
        village=village,
        village2=village2,
        sibling_township=sibling_township,
        sibling_village=sibling_village,
        other_county=other_county,
        other_township=other_township,
        other_village=other_village,
        grid=grid,
        sibling_grid=sibling_grid,
    )


@pytest.fixture
def member(db):
    """member(center, role) → a user holding that role at that center."""

    def make(center, role=Role.STAFF, **user_kwargs):
        user = UserFactory(**user_kwargs)
        MembershipFactory(user=user, center=center, role=role)
        return user

    return make


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in the default language (zh-hans), whatever an earlier test (or a
    request in English) left active in this thread."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_personal_numbers_in_responses(monkeypatch):
    """Fail any test that receives an unmasked mobile or ID number (tests/pii_guard.py)."""
    from django.test.client import ClientHandler

    from tests.pii_guard import scan

    original = ClientHandler.get_response

    def checked(self, request):
        response = original(self, request)
        scan(request, response)
        return response

    monkeypatch.setattr(ClientHandler, "get_response", checked)


@pytest.fixture(autouse=True)
def _own_rate_limit_windows(monkeypatch):
    """Rate-limit counts live in the shared cache (Redis in the PostgreSQL run), where they
    would add up across tests and runs: each test counts under keys of its own."""
    from uuid import uuid4

    from disputes.public_api.throttles import WindowThrottle

    original, tag = WindowThrottle._key, uuid4().hex[:12]
    monkeypatch.setattr(
        WindowThrottle, "_key", lambda self, ident, window: f"{original(self, ident, window)}:{tag}"
    )


@pytest.fixture(autouse=True)
def _fresh_deadline_rules():
    """Rules a rolled-back test created must not linger in this process's rule cache."""
    from disputes.deadlines import forget_rules

    forget_rules()
    yield
    forget_rules()
