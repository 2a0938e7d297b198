"""Property-based robustness tests of the whole REST API (schemathesis, in-process over WSGI).

The schema is loaded from the application itself (/api/schema/) once the test database holds
a slice of the tree with cases at every stage in two sibling counties (tests/api/fuzzing.py).
For every operation, schemathesis sends the schema's examples, its coverage cases (boundary
values, and input that violates the schema) and a bounded number of random requests
(positive and negative), with a fixed seed, as the 襄城区 director A (the staff API's token;
the resident API and Open311 with their own credentials). Every answer must be no 5xx, have a
documented status, content type, headers and body, and answer schema-violating input with a
4xx. On top of that:

- after every 2xx GET as A, the same request as the 樊城区 director B must show B nothing out
  of B's scope (tracking numbers, center and grid codes, party, department, follow-up,
  attachment and notification ids), computed from the scoping selectors;
- the first few 400s of each operation must be in Chinese, and in English when asked again
  with `Accept-Language: en`.

Each example runs in a savepoint that is rolled back, so every request meets the same world
and a failing example replays the same way while Hypothesis shrinks it. The requests are the
same whatever ran before in the process: the world's ids go on from the highest id of each
table (tests/api/fuzzing.py: `restart_ids`), the rest is drawn from codes, and the secrets
that are new on every run (the Open311 key, the residents' access codes) are put in only
when a case is sent; the terminal summary prints a digest of the generated requests. The
schema's example of each filing (staff, resident, Open311) must be registered: a 2xx.
"""

import importlib
import uuid

import pytest
import schemathesis
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.db.models import AutoField, Count
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.exceptions import PermissionDenied
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from centers.api.views import CenterViewSet
from centers.choices import CenterLevel
from centers.models import Center
from disputes import selectors as disputes_selectors
from disputes.api.views import CaseViewSet, FollowUpViewSet
from disputes.models import Attachment, Dispute, FollowUp, Party
from disputes.public_api.throttles import LOCAL_WINDOWS
from disputes.services import attachment_add
from disputes.services.attachments import FORMATS as ATTACHMENT_FORMATS
from governance.sharedcache import cache_breaker
from notifications.api import views as notification_views
from notifications.models import Notification
from open311.views import POST_EXAMPLE as OPEN311_POST_EXAMPLE
from tests.api.fuzzing import (
    TALLY,
    CrossUserLeak,
    InProcessApp,
    Tally,
    build_world,
    cross_user_check,
    import_the_project,
    language_problem,
    messages_of,
    request_key,
    uses_token,
)
from tests.disputes.test_attachments import minimal_jpeg, minimal_pdf, minimal_png
from tests.i18n_support import compile_catalogs

# Fixed: the same requests on every run, on every machine (CI must not flake).
SEED = 20250311
# Random (fuzzing) examples per operation, on top of the schema's examples and the coverage
# cases; enough to reach past validation with real identifiers, few enough for the file to
# take about a minute and a half.
MAX_EXAMPLES = 10
# 400s per operation whose messages are checked in both languages.
LANGUAGE_SAMPLES = 3
# Filing, on each of the three APIs: the schema's own example of each must be registered (a
# 2xx), so that the example stays true to the API and the run reaches past validation.
INTAKE_OPERATIONS = (
    "cases_create",
    "public_case_intake",
    "open311_requests_create_json",
    "open311_requests_create_xml",
)
# The Open311 key is a secret, new on every run: the requests carry the placeholder of the
# schema's example, which `with_credentials` replaces with the world's key.
OPEN311_KEY = OPEN311_POST_EXAMPLE["api_key"]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    ignored_auth,
]
# Left out on purpose:
# - positive_data_acceptance: schema-valid input is refused by the business rules all the time
#   (a stale `version` is a 409, a case in another state a 400, an unknown id a 404);
# - use_after_free, ensure_resource_availability: stateful checks (links between operations);
#   the API has no DELETE and creations are rolled back after each example;
# - object_level_authorization: needs schemathesis' multi-identity configuration; the
#   cross-user check below does it from the database's scoping rules instead;
# - max_response_time: wall-clock, would flake on a busy CI machine.


@pytest.fixture
def world(center_tree, member, settings, tmp_path):
    compile_catalogs()  # the English answers need the compiled catalog
    # Uploaded files go to this test's folder.
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # The resident API's rate limits count in the cache, which the savepoints do not roll
    # back, in windows of the clock: lifted here so that every example meets the same limits
    # (none), whatever ran before it and whatever the time. Their own tests are in
    # tests/public_api/test_throttles.py. Keys of this test's own (with REDIS_URL the cache
    # is the real, shared Redis).
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-schemathesis-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }
    settings.PUBLIC_API_THROTTLE_RATES = dict.fromkeys(
        settings.PUBLIC_API_THROTTLE_RATES, "1000000/day"
    )
    LOCAL_WINDOWS.clear()
    cache_breaker().reset()
    import_the_project()  # the constants Hypothesis may draw: all of the project's
    yield build_world(center_tree, member)
    LOCAL_WINDOWS.clear()
    cache_breaker().reset()


@pytest.fixture
def app():
    """The WSGI application, running its requests inside the test's transaction (as Django's
    test client does, the request signals do not close the connection)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield InProcessApp()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz_config(world) -> schemathesis.Config:
    return schemathesis.Config.from_dict(fuzz_settings(world))


def fuzz_settings(world) -> dict:
    """Seeded, all phases but the stateful one, positive and negative data; real identifiers
    of the world in place of random ones, often enough to get past the 404s: codes, and ids
    that are the same on every run (tests/api/fuzzing.py: `restart_ids`)."""

    def bind(dictionary, probability=0.6):
        """Draw the parameter from `dictionary` this often (else as generated)."""
        return {"dictionary": dictionary, "probability": probability}

    villages = Center.objects.filter(level=CenterLevel.VILLAGE)
    return {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            # The credentials are sent by the test (A's token), never generated.
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "dictionaries": {
            "tracking_numbers": {"values": world.tracking_numbers},
            "center_codes": {"values": world.center_codes},
            "villages": {"values": sorted(villages.values_list("code", flat=True))},
            "a_centers": {
                "values": sorted(Center.objects.visible_to(world.a).values_list("code", flat=True))
            },
            "grid_codes": {"values": sorted(grid.code for grid in world.grids)},
            "categories": {"values": sorted(c.code for c in world.categories)},
            "open311_keys": {"values": [OPEN311_KEY]},
            "versions": {"values": list(range(1, 10))},
            "users": {"values": [world.a.pk, world.b.pk]},
            "departments": {"values": sorted(d.pk for d in world.departments)},
            "parties": {"values": world.ids(Party)},
            "attachments": {"values": world.ids(Attachment)},
            "notifications": {"values": world.ids(Notification)},
        },
        "parameters": {
            "path.tracking_number": bind("tracking_numbers"),
            "path.service_request_id": bind("tracking_numbers"),
            "path.party_id": bind("parties"),
            "path.attachment_id": bind("attachments"),
            "path.service_code": bind("categories"),
            "query.api_key": bind("open311_keys"),
            "query.category": bind("categories"),
            "query.service_code": bind("categories"),
            "query.current_center": bind("center_codes"),
            "query.village": bind("center_codes"),
            "query.township": bind("center_codes"),
            "query.jurisdiction_id": bind("center_codes"),
            # Filing takes several fields right at once: bound more often.
            "body.api_key": bind("open311_keys", 0.9),
            "body.service_code": bind("categories", 0.9),
            "body.category": bind("categories", 0.9),
            "body.village": bind("villages", 0.9),
            "body.receiving_center": bind("a_centers", 0.9),
            "body.address_id": bind("villages", 0.9),
            "body.center": bind("center_codes"),
            "body.version": bind("versions"),
            "body.mediator": bind("users"),
            "body.department": bind("departments"),
        },
        "operations": [
            {
                # Filing: the random phase needs more draws to get every field right.
                "include-operation-id": list(INTAKE_OPERATIONS),
                "generation": {"max-examples": 3 * MAX_EXAMPLES},
            },
            {
                # The .xml operations are the .json views with the other renderer: the
                # coverage phase of the .json twins tries their input; these get the
                # examples and the random phase (status, content type, no 5xx).
                "include-operation-id-regex": "^open311_.*_xml$",
                "phases": {"coverage": {"enabled": False}},
            },
            {
                "include-operation-id": ["grids_retrieve"],
                "parameters": {"path.code": bind("grid_codes")},
            },
            {
                "include-operation-id": [
                    "centers_retrieve",
                    "centers_children_list",
                    "metrics_retrieve",
                ],
                "parameters": {"path.code": bind("center_codes")},
            },
            {
                "include-operation-id": ["departments_retrieve"],
                "parameters": {"path.id": bind("departments")},
            },
            {
                "include-operation-id": ["notifications_read_create"],
                "parameters": {"path.id": bind("notifications")},
            },
        ],
    }


@pytest.fixture
def api_schema(world, app):
    return schemathesis.openapi.from_wsgi("/api/schema/", app, config=fuzz_config(world))


def with_credentials(case, world):
    """The world's secrets in a generated case, as a client that holds them sends them (in
    every phase: schemathesis' map_case hook does not see the examples)."""
    # A resident who knows their tracking number knows its access code: pair them.
    # New containers: schemathesis derives further cases from the ones it generated.
    tracking_number = case.path_parameters.get("tracking_number")
    code = world.access_codes.get(tracking_number)
    if code is not None and "X-Access-Code" in case.headers:
        case.headers = {**case.headers, "X-Access-Code": code}
    # The Open311 key, named by its placeholder.
    if isinstance(case.query, dict) and case.query.get("api_key") == OPEN311_KEY:
        case.query = {**case.query, "api_key": world.open311_key}
    if isinstance(case.body, dict) and case.body.get("api_key") == OPEN311_KEY:
        case.body = {**case.body, "api_key": world.open311_key}
    return case


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32 labels each operation's subtest through `node._nodeid`, which
    pytest 9.2 no longer has (it keeps `_id`): give it the attribute it reads."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    database=None,
    # function_scoped_fixture: the world is built once for all the examples of the test, on
    # purpose (each example runs in a savepoint that is rolled back); too_slow and
    # filter_too_much: bodies with patterns, enums and nested parties take a while to draw,
    # and schemathesis filters what does not serialize.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation(case, world):
    TALLY.case(case)
    with_credentials(case, world)
    headers = {"Authorization": f"Token {world.key_a}"} if uses_token(case) else {}
    cross_user = cross_user_check(world, TALLY)
    with transaction.atomic():
        try:
            response = case.call(headers=headers)
            TALLY.answered(case, response)
            case.validate_response(
                response, checks=CHECKS, additional_checks=[cross_user], headers=headers
            )
            if response.status_code == 400:
                check_languages(case, response, headers)
        except BaseException:
            TALLY.failures += 1
            raise
        finally:
            transaction.set_rollback(True)


def test_every_intake_example_was_registered():
    """After test_every_operation: the schema's example of each filing operation got a 2xx
    (the staff intake's named a center where A may not register: every filing of the run
    was refused, and the intake's checks past validation were never reached)."""
    if not TALLY.generated:
        pytest.skip("test_every_operation did not run")
    refused = [
        operation_id
        for operation_id in INTAKE_OPERATIONS
        if not TALLY.example_successes[TALLY.labels.get(operation_id)]
    ]
    assert refused == [], TALLY.lines()


def check_languages(case, response, headers) -> None:
    """The first LANGUAGE_SAMPLES 400s of the operation: Chinese by default, English when
    asked again with Accept-Language: en."""
    label = case.operation.label
    if TALLY.language_by_operation[label] >= LANGUAGE_SAMPLES:
        return
    if not response.headers.get("content-type", [""])[0].startswith("application/json"):
        return
    TALLY.language_by_operation[label] += 1
    problem = language_problem(messages_of(response.json()), english=False)
    assert problem is None, f"{label} 400 by default: {problem}\n{response.text}"
    english = case.call(headers={**headers, "Accept-Language": "en"})
    TALLY.asked_in_english()
    assert english.status_code == 400, (label, english.status_code, english.text)
    problem = language_problem(messages_of(english.json()), english=True)
    assert problem is None, f"{label} 400 in English: {problem}\n{english.text}"


# --- The same requests whatever ran before ---------------------------------------------------


def _move_ids_on(by=1000):
    """As earlier tests leave the ids: PostgreSQL's sequences are not rolled back, SQLite's
    AUTOINCREMENT keeps the highest id of rows deleted since (a transactional test's)."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if not isinstance(model._meta.pk, AutoField):
                continue  # no sequence (a session key, a parent's id)
            table, column = model._meta.db_table, model._meta.pk.column
            cursor.execute(f'SELECT COALESCE(MAX("{column}"), 0) + %s FROM "{table}"', [by])
            (moved,) = cursor.fetchone()
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s)", [table, column, moved]
                )
            else:
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, moved]
                )


def test_the_requests_do_not_depend_on_earlier_tests(center_tree, member, settings, tmp_path):
    """What is drawn into the requests (the run's settings, with the world's codes and ids)
    and the schema they are drawn from are the same after earlier tests moved the ids on."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    client = Client()

    def drawn_from():
        with transaction.atomic():
            world = build_world(center_tree, member)
            found = fuzz_settings(world), client.get("/api/schema/").content
            transaction.set_rollback(True)
        return found

    first = drawn_from()
    _move_ids_on()
    assert drawn_from() == first


def _draws(operation, count=30) -> list[str]:
    """What Hypothesis draws for `operation`, with a fixed seed."""
    drawn = []

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=count,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def draw(case):
        drawn.append(request_key(case))

    draw()
    return drawn


def test_the_draws_do_not_depend_on_the_modules_imported_before(api_schema):
    """Hypothesis draws constants of the code imported so far: importing one more module of
    the project (a management command that no request imports) must not change them."""
    operation = api_schema.find_operation_by_id("cases_create")
    first = _draws(operation)
    importlib.import_module("disputes.management.commands.bench_api")
    assert _draws(operation) == first


# --- The cross-user check can fail ---------------------------------------------------------


def _as_a(world, selector):
    """A selector that scopes everyone as A: the bug of a view that asks for the wrong user."""
    return lambda *, user: selector(user=world.a)


def _break_case_detail(world, monkeypatch):
    monkeypatch.setattr(
        disputes_selectors,
        "dispute_detail_queryset",
        _as_a(world, disputes_selectors.dispute_detail_queryset),
    )
    return "cases_retrieve", {"tracking_number": world.cases["a_mediating"].tracking_number}


def _break_case_list(world, monkeypatch):
    monkeypatch.setattr(
        disputes_selectors,
        "dispute_api_list_queryset",
        _as_a(world, disputes_selectors.dispute_api_list_queryset),
    )
    return "cases_list", {}


def _break_notifications(world, monkeypatch):
    monkeypatch.setattr(
        notification_views,
        "user_notifications",
        _as_a(world, notification_views.user_notifications),
    )
    return "notifications_list", {}


def _break_centers(world, monkeypatch):
    monkeypatch.setattr(
        CenterViewSet,
        "get_queryset",
        lambda self: Center.objects.annotate(children_total=Count("children")),
    )
    return "centers_list", {}


def _break_follow_ups(world, monkeypatch):
    monkeypatch.setattr(
        FollowUpViewSet, "get_queryset", lambda self: FollowUp.objects.order_by("due_on", "pk")
    )
    return "follow_ups_list", {}


def _confirm_existence(world, monkeypatch):
    """Out of scope answered 403 instead of 404: it tells B that the case exists."""
    original = CaseViewSet.get_object

    def get_object(self):
        number = self.kwargs["tracking_number"]
        in_scope = self.get_queryset().filter(tracking_number=number).exists()
        if not in_scope and Dispute.objects.filter(tracking_number=number).exists():
            raise PermissionDenied()
        return original(self)

    monkeypatch.setattr(CaseViewSet, "get_object", get_object)
    return "cases_events_list", {"tracking_number": world.cases["a_accepted"].tracking_number}


@pytest.mark.parametrize(
    ("sabotage", "expected"),
    [
        (_break_case_detail, "tracking_number"),
        (_break_case_list, "tracking_number"),
        (_break_notifications, "notification"),
        (_break_centers, "center"),
        (_break_follow_ups, "follow_up"),
        (_confirm_existence, "403 for B"),
    ],
    ids=["case-detail", "case-list", "notifications", "centers", "follow-ups", "403"],
)
def test_the_cross_user_check_catches_a_scoping_leak(
    api_schema, world, monkeypatch, sabotage, expected
):
    """The check passes on the API as it is, and fails once a view leaks out of scope."""
    check = cross_user_check(world, Tally())
    a = {"Authorization": f"Token {world.key_a}"}

    def a_then_check(operation_id, path_parameters):
        case = api_schema.find_operation_by_id(operation_id).Case(path_parameters=path_parameters)
        response = case.call(headers=a)
        assert response.status_code == 200, response.text
        return check(None, response, case)

    with monkeypatch.context() as broken:
        operation_id, path_parameters = sabotage(world, broken)
        with pytest.raises(CrossUserLeak) as leak:
            a_then_check(operation_id, path_parameters)
    assert expected in str(leak.value)
    assert a_then_check(operation_id, path_parameters) is True


# --- Downloads are of their file's type, as documented ---------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("现场照片.png", minimal_png),
        ("现场照片.jpg", minimal_jpeg),
        ("调解协议书.pdf", minimal_pdf),
    ],
    ids=["png", "jpeg", "pdf"],
)
def test_a_download_has_its_files_type_as_the_schema_says(api_schema, world, name, content):
    """The download answers with the type recognised at upload, one of the types the schema
    documents (they were application/octet-stream only: every 200 broke the schema)."""
    case = world.cases["a_accepted"]
    attachment = attachment_add(
        dispute_id=case.pk, actor=world.a, file=SimpleUploadedFile(name, content())
    )
    operation = api_schema.find_operation_by_id("cases_attachments_retrieve")
    documented = operation.definition.raw["responses"]["200"]["content"]
    assert sorted(documented) == sorted(ATTACHMENT_FORMATS)
    download = operation.Case(
        path_parameters={"tracking_number": case.tracking_number, "attachment_id": attachment.pk}
    )
    headers = {"Authorization": f"Token {world.key_a}"}
    response = download.call(headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == [attachment.content_type]
    download.validate_response(
        response,
        checks=[content_type_conformance, status_code_conformance, response_schema_conformance],
        headers=headers,
    )


# --- The language check can fail ------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "english", "problem"),
    [
        ({"reason": ["该字段是必填项。"]}, False, None),
        ({"reason": ["This field is required."]}, False, "not in Chinese"),
        ({"reason": ["This field is required."]}, True, None),
        ({"reason": ["该字段是必填项。"]}, True, "Chinese in an English answer"),
        # The input quoted back may be in any language.
        ({"channel": ["“来访”不是合法选项。"]}, False, None),
        ({"channel": ['"来访" is not a valid choice.']}, True, None),
        (
            {"parties": [{}, {"name": ["Ensure this field has no more than 100 characters."]}]},
            False,
            "not in Chinese",
        ),
        ([{"code": 400, "description": "api_key: api_key 缺失、无效或已停用。"}], False, None),
        ([{"code": 400, "description": "api_key: The api_key is missing."}], True, None),
        ({}, False, "no message"),
    ],
)
def test_the_language_check(body, english, problem):
    found = language_problem(messages_of(body), english=english)
    assert (found is None) if problem is None else found.startswith(problem), found
