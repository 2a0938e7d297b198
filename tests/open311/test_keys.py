"""API clients: the key is kept only as a digest, shown once in the admin, and a missing,
wrong or deactivated key is a 403 in Open311's error form."""

import hashlib
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from disputes.choices import Channel
from disputes.models import Dispute
from open311.models import KEY_TAG, ApiClient
from open311.services import api_client_authenticate, api_client_create, api_client_deactivate
from tests.factories import UserFactory
from tests.i18n_support import compile_catalogs

from .conftest import parse, url

pytestmark = pytest.mark.django_db


def test_the_key_is_stored_only_as_its_digest(center_tree):
    client, key = api_client_create(name="热线", center=center_tree.county)
    assert key.startswith(KEY_TAG) and len(key) > 40
    row = ApiClient.objects.filter(pk=client.pk).values().get()
    assert row["key_digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["key_prefix"] == key[len(KEY_TAG) : len(KEY_TAG) + 8]
    assert not any(key in str(value) for value in row.values())
    assert client.masked_key == f"{KEY_TAG}{row['key_prefix']}…"
    other_client, other_key = api_client_create(name="热线2", center=center_tree.county)
    assert other_key != key


def test_authentication(center_tree):
    client, key = api_client_create(
        name="热线", center=center_tree.county, channel=Channel.PETITION
    )
    assert api_client_authenticate(key) == client
    assert api_client_authenticate(key + "x") is None
    assert api_client_authenticate(key[:-1]) is None
    assert api_client_authenticate("") is None
    assert api_client_authenticate(None) is None
    # Same prefix, different secret: found by prefix, refused by digest.
    assert api_client_authenticate(key[: len(KEY_TAG) + 8] + "A" * 35) is None

    center_tree.county.is_active = False
    center_tree.county.save()
    assert api_client_authenticate(key) is None
    center_tree.county.is_active = True
    center_tree.county.save()

    api_client_deactivate(client=client)
    assert api_client_authenticate(key) is None


def test_last_used_is_written_at_most_once_a_minute(center_tree):
    client, key = api_client_create(name="热线", center=center_tree.county)
    assert client.last_used_at is None
    now = timezone.now()
    api_client_authenticate(key, now=now)
    client.refresh_from_db()
    assert client.last_used_at == now
    api_client_authenticate(key, now=now + timedelta(seconds=30))
    client.refresh_from_db()
    assert client.last_used_at == now
    api_client_authenticate(key, now=now + timedelta(minutes=2))
    client.refresh_from_db()
    assert client.last_used_at == now + timedelta(minutes=2)


@pytest.fixture
def bad_keys(hotline, center_tree):
    inactive, inactive_key = api_client_create(name="停用", center=center_tree.county)
    api_client_deactivate(client=inactive)
    return {"missing": None, "wrong": KEY_TAG + "x" * 43, "inactive": inactive_key}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("which", ["missing", "wrong", "inactive"])
def test_a_bad_key_is_a_403(client, submit, bad_keys, fmt, which):
    key = bad_keys[which]
    responses = [
        submit(fmt, key=key or ""),
        client.get(url("requests", fmt), {"api_key": key} if key else {}),
    ]
    for response in responses:
        assert response.status_code == 403
        body = parse(response, fmt)
        if fmt == "json":
            assert body == [{"code": 403, "description": "api_key: api_key 缺失、无效或已停用。"}]
        else:
            assert body.tag == "errors"
            assert body[0].findtext("code") == "403"
    assert not Dispute.objects.exists()


def test_the_403_in_english(client, bad_keys):
    compile_catalogs()
    response = client.get(url("requests"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == [
        {"code": 403, "description": "api_key: Missing, invalid or deactivated api_key."}
    ]


def test_the_key_may_come_in_the_query_string_of_a_post(client, hotline, submit):
    response = client.post(
        url("requests") + f"?api_key={hotline.key}",
        "service_code=neighbour&address_id=420602001008&description=x&last_name=%E6%9D%8E",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201, response.content.decode()


def test_filing_needs_no_session_and_no_csrf_token(hotline, submit, categories, center_tree):
    from django.test import Client

    from .conftest import post_form

    strict = Client(enforce_csrf_checks=True)
    response = post_form(
        strict,
        url("requests"),
        {
            "api_key": hotline.key,
            "service_code": "neighbour",
            "address_id": center_tree.village.code,
            "description": "排水",
            "last_name": "李",
        },
    )
    assert response.status_code == 201


# --- The admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_admin_creates_a_client_and_shows_its_key_once(admin_client, center_tree):
    response = admin_client.post(
        reverse("admin:open311_apiclient_add"),
        {
            "name": "襄城区12345热线",
            "channel": Channel.HOTLINE_12345,
            "center": center_tree.county.pk,
        },
    )
    assert response.status_code == 302
    client = ApiClient.objects.get()
    assert client.created_by.username == "root"
    assert client.is_active
    [message] = [m.message for m in get_messages(response.wsgi_request) if KEY_TAG in m.message]
    key = message.rsplit("：", 1)[1]
    assert api_client_authenticate(key) == client

    # The message is shown on the next page, once.
    changelist = reverse("admin:open311_apiclient_changelist")
    assert key in admin_client.get(changelist).content.decode()
    page = admin_client.get(changelist).content.decode()
    assert client.masked_key in page
    assert key not in page
    change = admin_client.get(reverse("admin:open311_apiclient_change", args=[client.pk]))
    assert key not in change.content.decode()
    assert client.key_digest not in change.content.decode()


def test_the_admin_deactivates_and_never_deletes(admin_client, hotline, client):
    changelist = reverse("admin:open311_apiclient_changelist")
    page = admin_client.get(changelist).content.decode()
    assert 'value="deactivate"' in page
    assert 'value="delete_selected"' not in page
    response = admin_client.post(
        changelist, {"action": "deactivate", "_selected_action": [hotline.client.pk]}
    )
    assert response.status_code == 302
    hotline.client.refresh_from_db()
    assert not hotline.client.is_active
    assert admin_client.get(url("requests"), {"api_key": hotline.key}).status_code == 403
    delete = reverse("admin:open311_apiclient_delete", args=[hotline.client.pk])
    assert admin_client.get(delete).status_code == 403
