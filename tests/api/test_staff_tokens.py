"""API tokens: `Authorization: Token <key>` (or Bearer) authenticates as the token's user;
unknown, revoked, or of an inactive user is a 401; only the key's SHA-256 is stored; the
admin shows a new key once and revokes tokens."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from centers.choices import Role
from governance.models import ApiToken
from governance.services import api_token_create, api_token_revoke, api_token_user
from tests.api.conftest import case_url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASES = reverse("case-list")
KEY = re.compile(r"zzk_[A-Za-z0-9_-]{40,}")


def with_token(key: str, keyword: str = "Token") -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client


@pytest.fixture
def mediator(center_tree, member):
    return member(center_tree.village, Role.MEDIATOR, username="token_user")


def test_only_the_digest_and_a_prefix_are_stored(mediator):
    token, key = api_token_create(user=mediator, name="12345热线对接")
    assert KEY.fullmatch(key)
    row = ApiToken.objects.get(pk=token.pk)
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:12] and len(row.prefix) < len(key) // 2
    stored = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(key in value for value in stored)
    assert key not in str(row) and row.prefix in str(row)
    # Each key is new.
    assert api_token_create(user=mediator, name="again")[1] != key


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "token", "bearer"])
def test_a_valid_key_authenticates_as_its_user(mediator, register, keyword):
    case = register(actor=mediator)
    _token, key = api_token_create(user=mediator, name="对接")
    client = with_token(key, keyword)
    response = client.get(CASES)
    assert response.status_code == 200
    assert [row["tracking_number"] for row in response.json()["results"]] == [case.tracking_number]
    # A token request needs no CSRF token (no cookie is involved), even for a POST.
    accepted = client.post(case_url(case, "accept"), {"version": 1}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert case.events.last().actor == mediator


@pytest.mark.parametrize(
    "header",
    [
        "Token zzk_not-a-key-at-all",
        "Bearer ",
        "Token",
        "Token two parts",
        "Token zzk_é",
    ],
)
def test_wrong_or_malformed_keys_are_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_revoked_token_is_401_from_the_next_request_on(mediator):
    token, key = api_token_create(user=mediator, name="对接")
    client = with_token(key)
    assert client.get(CASES).status_code == 200
    api_token_revoke(token=token)
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    assert revoked_at is not None
    response = client.get(CASES)
    assert response.status_code == 401
    assert response.json()["detail"] == "API 令牌无效或已停用。"
    # Revoking again keeps the first time.
    api_token_revoke(token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at
    assert api_token_user(key) is None


def test_the_token_of_an_inactive_user_is_401(mediator):
    _token, key = api_token_create(user=mediator, name="对接")
    assert api_token_user(key) == mediator
    mediator.is_active = False
    mediator.save()
    assert with_token(key).get(CASES).status_code == 401
    assert api_token_user(key) is None


def test_anonymous_requests_are_401_and_say_how_to_authenticate(db):
    response = APIClient().get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_session_still_works_and_needs_csrf_for_writes(mediator, register):
    case = register(actor=mediator)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(mediator)
    assert client.get(CASES).status_code == 200
    refused = client.post(case_url(case, "accept"), {"version": 1}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_api_token_user_for_other_interfaces(mediator):
    _token, key = api_token_create(user=mediator, name="Open311")
    assert api_token_user(key) == mediator
    assert api_token_user(key + "x") is None
    assert api_token_user("") is None


def test_last_use_is_written_at_most_once_a_minute(mediator, django_assert_num_queries):
    token, key = api_token_create(user=mediator, name="对接")
    assert token.last_used_at is None
    before = timezone.now()
    api_token_user(key)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None and first >= before
    with django_assert_num_queries(1):  # the lookup only: no write within the minute
        api_token_user(key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=61))
    api_token_user(key)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


# --- The admin --------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_the_admin_shows_a_new_key_once(client, superuser, mediator):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:governance_apitoken_add"),
        {"user": mediator.pk, "name": "12345热线对接"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    key = KEY.search(page).group()
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (mediator, "12345热线对接")
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert api_token_user(key) == mediator
    assert "此后不会再显示" in page
    # Never again: not on the change page, not in the list.
    change = client.get(reverse("admin:governance_apitoken_change", args=[token.pk]))
    assert change.status_code == 200
    assert key not in change.content.decode() and token.prefix in change.content.decode()
    listed = client.get(reverse("admin:governance_apitoken_changelist")).content.decode()
    assert key not in listed and token.prefix in listed


def test_the_admin_revokes_tokens(client, superuser, mediator):
    live, live_key = api_token_create(user=mediator, name="一")
    other, other_key = api_token_create(user=mediator, name="二")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:governance_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [live.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "已吊销 1 个 API 令牌。" in response.content.decode()
    assert api_token_user(live_key) is None
    assert api_token_user(other_key) == mediator
    assert with_token(live_key).get(CASES).status_code == 401
    # Tokens are revoked, never deleted (the row records who had access).
    delete = client.get(reverse("admin:governance_apitoken_delete", args=[other.pk]))
    assert delete.status_code == 403


def test_only_superusers_manage_tokens(client, center_tree, member):
    director = member(center_tree.city, Role.ADMIN, username="city_admin")
    director.is_staff = True
    director.save()
    from django.contrib.auth.models import Permission

    director.user_permissions.add(*Permission.objects.filter(codename__endswith="_apitoken"))
    client.force_login(director)
    assert client.get(reverse("admin:governance_apitoken_add")).status_code == 403
    assert client.get(reverse("admin:governance_apitoken_changelist")).status_code == 403
