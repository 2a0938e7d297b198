"""Support of tests/api/test_schemathesis.py, the property-based robustness tests of the whole
REST API: the world the generated requests meet (a slice of the center tree, cases at every
stage in two sibling counties, a director with an API token in each), the WSGI application
they are sent to, the cross-user check, the language check of 400 answers, and the tally
printed at the end of the run."""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.color import no_style
from django.db import connection
from django.http.request import RawPostDataException
from schemathesis.core import NotSet

from centers.choices import DepartmentKind, Role
from centers.models import Center, Department
from disputes.choices import Channel, PartySide, RiskLevel
from disputes.models import Attachment, Category, Dispute, FollowUp, Party
from disputes.services import (
    PartyData,
    attachment_add,
    dispute_accept,
    dispute_agree,
    dispute_close,
    dispute_dispatch,
    dispute_escalate,
    dispute_register,
    dispute_start_follow_up,
    dispute_start_mediation,
)
from governance.services import api_token_create
from grids.models import Grid
from notifications.models import Notification
from notifications.services import notify
from open311.services import api_client_create
from tests.disputes.test_attachments import minimal_png
from tests.factories import DepartmentFactory, GridFactory, GridWorkerFactory
from tests.pii_guard import ID_NUMBER, MOBILE, scan

__all__ = [
    "InProcessApp",
    "World",
    "build_world",
    "import_the_project",
    "restart_ids",
    "CrossUserLeak",
    "cross_user_check",
    "leaks_for",
    "messages_of",
    "request_key",
    "language_problem",
    "TALLY",
    "Tally",
    "uses_token",
]


# --- The application ---------------------------------------------------------------------


class InProcessApp(WSGIHandler):
    """The project's WSGI application, called in-process by schemathesis' WSGI transport.

    As with Django's test client, every response is scanned for personal numbers shown in
    full (tests/pii_guard.py), except an error that only quotes the request's own input back
    (generated numbers look like phones and ID numbers: `?month=100000000000000000` is "not
    a valid choice"). The fixture that makes one also disconnects `close_old_connections`
    from the request signals for the test's duration, as the test client does, so that the
    requests run inside the test's transaction."""

    def get_response(self, request):
        response = super().get_response(request)
        if not (response.status_code >= 400 and _quotes_its_input_only(request, response)):
            scan(request, response)
        return response


def _quotes_its_input_only(request, response) -> bool:
    if getattr(response, "streaming", False):
        return False
    text = response.content.decode("utf-8", errors="replace")
    found = set(MOBILE.findall(text) + ID_NUMBER.findall(text))
    if not found:
        return False
    sent = unquote(request.get_full_path())
    try:
        sent += request.body.decode("utf-8", errors="replace")
    except RawPostDataException:  # read as a stream (multipart): its fields were parsed
        sent += repr(dict(request.POST.lists()))
    return all(number in sent for number in found)


# --- The world ---------------------------------------------------------------------------

APPLICANT = PartyData(
    side=PartySide.APPLICANT,
    name="李秀兰",
    phone="13907101234",
    id_number="420602198503152541",
    address="襄城区檀溪路12号",
)
RESPONDENT = PartyData(
    side=PartySide.RESPONDENT, name="王建军", phone="13807105678", id_number="420602197911230014"
)
OTHER_APPLICANT = PartyData(
    side=PartySide.APPLICANT, name="赵明", phone="13607106543", address="樊城区高庄街8号"
)
OTHER_RESPONDENT = PartyData(side=PartySide.RESPONDENT, name="周强", phone="13507104321")


@dataclass
class World:
    """What the generated requests meet. `a` and `b` are directors of the sibling counties
    襄城区 and 樊城区, each with an API token (`key_a`, `key_b`)."""

    tree: SimpleNamespace
    a: object
    b: object
    key_a: str
    key_b: str
    open311_key: str
    cases: dict[str, Dispute]  # name → case
    access_codes: dict[str, str]  # tracking number → the resident's access code
    departments: list[Department]
    grids: list[Grid]
    categories: list[Category]

    @property
    def tracking_numbers(self) -> list[str]:
        return sorted(case.tracking_number for case in self.cases.values())

    @property
    def center_codes(self) -> list[str]:
        return sorted(Center.objects.values_list("code", flat=True))

    def ids(self, model) -> list[int]:
        return sorted(model.objects.values_list("pk", flat=True))


def _walk(case, mediator, *steps):
    """Take a registered case through `steps` (names of the usual workflow) as `mediator`."""
    for step in steps:
        if step == "accept":
            dispute_accept(dispute_id=case.pk, actor=mediator)
        elif step == "mediate":
            dispute_start_mediation(dispute_id=case.pk, actor=mediator)
        elif step == "agree":
            dispute_agree(
                dispute_id=case.pk, actor=mediator, content="双方达成协议", signed_on=date.today()
            )
        elif step == "close":
            dispute_close(dispute_id=case.pk, actor=mediator)
        elif step == "follow_up":
            dispute_start_follow_up(dispute_id=case.pk, actor=None)
        else:  # pragma: no cover - a typo in the world below
            raise ValueError(step)
    case.refresh_from_db()
    return case


# The other settings modules want their own environment (production: SECRET_KEY …).
SETTINGS_PACKAGE = "governance.settings."


def import_the_project() -> None:
    """Import every module of the project's apps. Now and then Hypothesis draws a constant
    of the code under test: a string or a number found in any module imported so far (but
    the tests' own). So what it drew depended on what earlier tests had imported (a key
    drawn as `filter_q` in this file alone was `filter_mode` after other tests); with every
    module imported, the constants are the same whatever ran before."""
    root = Path(settings.BASE_DIR).resolve()
    # The virtualenv may lie inside the project (`make install` puts it in .venv): its
    # packages are not the project's.
    environment = Path(sys.prefix).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if root not in path.parents or environment in path.parents:
            continue
        for module in pkgutil.walk_packages([str(path)], prefix=f"{config.name}."):
            if not module.name.startswith(SETTINGS_PACKAGE):
                importlib.import_module(module.name)


def restart_ids() -> None:
    """Every table's ids go on from its highest id, as in a fresh database, whatever earlier
    tests did: PostgreSQL's sequences are not rolled back with the tests' transactions, and
    SQLite's AUTOINCREMENT keeps the highest id ever used (by a transactional test's rows,
    which are deleted, not rolled back). The world's ids (users, departments, parties,
    attachments, notifications) are drawn into the requests: so they are the same on every
    run."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence")  # then: the highest rowid
        elif connection.vendor == "postgresql":
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        else:  # pragma: no cover - the project runs on these two
            raise NotImplementedError(connection.vendor)


def build_world(center_tree, member) -> World:
    """The data of the run, made through the services as the other tests do, with the same
    ids on every run (`restart_ids`)."""
    restart_ids()
    t = center_tree
    neighbour = Category.objects.get_or_create(code="neighbour", defaults={"name": "邻里纠纷"})[0]
    family = Category.objects.get_or_create(code="marriage_family", defaults={"name": "婚姻家庭"})[
        0
    ]

    a = member(t.county, Role.DIRECTOR, username="fuzz_a", first_name="建国", last_name="刘")
    b = member(t.other_county, Role.DIRECTOR, username="fuzz_b", first_name="卫东", last_name="陈")
    # People who work the cases, so that the cases are at every stage.
    mediators = {
        "village": member(t.village, Role.MEDIATOR, username="fuzz_v1"),
        "village2": member(t.village2, Role.MEDIATOR, username="fuzz_v2"),
        "sibling_village": member(t.sibling_village, Role.MEDIATOR, username="fuzz_v3"),
        "other_village": member(t.other_village, Role.MEDIATOR, username="fuzz_v4"),
    }
    township_staff = member(t.township, Role.STAFF, username="fuzz_t1")
    member(t.other_township, Role.STAFF, username="fuzz_t2")

    departments = [
        DepartmentFactory(center=t.county, name="襄城区司法局", kind=DepartmentKind.JUSTICE),
        DepartmentFactory(center=t.township, name="真武山司法所", kind=DepartmentKind.JUSTICE),
        DepartmentFactory(center=t.other_county, name="樊城区信访局", kind=DepartmentKind.PETITION),
    ]
    other_grid = GridFactory(village=t.other_village, code="420606001001001", name="高庄第一网格")
    for grid, username in ((t.grid, "fuzz_g1"), (other_grid, "fuzz_g2")):
        worker = GridWorkerFactory(
            village=grid.village, user=member(grid.village, Role.GRID_WORKER, username=username)
        )
        worker.grids.add(grid)

    cases: dict[str, Dispute] = {}
    codes: dict[str, str] = {}

    def register(name, *, village, actor, receiving=None, parties=(APPLICANT, RESPONDENT), **kw):
        result = dispute_register(
            actor=actor,
            receiving_center=receiving or village,
            channel=kw.pop("channel", Channel.WALK_IN),
            category=kw.pop("category", neighbour),
            summary=kw.pop("summary", "邻里排水纠纷"),
            description="雨水从邻居院墙排入申请人院内。",
            village=village,
            parties=list(parties),
            **kw,
        )
        cases[name] = result.dispute
        codes[result.dispute.tracking_number] = result.access_code
        return result.dispute

    # 襄城区 (A's county): every stage.
    register("a_registered", village=t.village, actor=mediators["village"])
    accepted = register(
        "a_accepted", village=t.village2, actor=mediators["village2"], category=family
    )
    _walk(accepted, mediators["village2"], "accept")
    attachment_add(
        dispute_id=accepted.pk,
        actor=mediators["village2"],
        file=SimpleUploadedFile("现场照片.png", minimal_png()),
        description="排水口照片",
    )
    mediating = register(
        "a_mediating", village=t.sibling_village, actor=mediators["sibling_village"]
    )
    _walk(mediating, mediators["sibling_village"], "accept", "mediate")
    follow_up = register("a_follow_up", village=t.village, actor=mediators["village"])
    _walk(follow_up, mediators["village"], "accept", "mediate", "agree", "close", "follow_up")
    dispatched = register(
        "a_dispatched",
        village=t.village2,
        actor=a,
        receiving=t.county,
        channel=Channel.HOTLINE_12345,
        summary="宅基地边界纠纷",
    )
    _walk(dispatched, a, "accept")
    dispute_dispatch(dispute_id=dispatched.pk, actor=a, center=t.township, note="请街道办理")
    escalated = register("a_escalated", village=t.village, actor=mediators["village"])
    _walk(escalated, mediators["village"], "accept")
    dispute_escalate(dispute_id=escalated.pk, actor=township_staff, reason="村级调处不了")
    register(
        "a_confidential",
        village=t.village,
        actor=mediators["village"],
        is_confidential=True,
        risk_level=RiskLevel.SERIOUS,
        summary="家庭暴力求助",
    )

    # 樊城区 (B's county).
    other = {"village": t.other_village, "actor": mediators["other_village"]}
    parties = (OTHER_APPLICANT, OTHER_RESPONDENT)
    register("b_registered", parties=parties, **other)
    b_accepted = register("b_accepted", parties=parties, **other)
    _walk(b_accepted, mediators["other_village"], "accept")
    attachment_add(
        dispute_id=b_accepted.pk,
        actor=mediators["other_village"],
        file=SimpleUploadedFile("协议.png", minimal_png()),
    )
    b_mediating = register("b_mediating", parties=parties, **other)
    _walk(b_mediating, mediators["other_village"], "accept", "mediate")
    b_follow_up = register("b_follow_up", parties=parties, **other)
    _walk(b_follow_up, mediators["other_village"], "accept", "mediate", "agree", "close")
    _walk(b_follow_up, mediators["other_village"], "follow_up")

    for user, case in ((a, cases["a_registered"]), (b, cases["b_registered"])):
        notify(
            [user],
            kind="reminder",
            title=f"请关注案件 {case.tracking_number}",
            body="该案件已登记，请尽快受理。",
            dispute=case,
            url=f"/disputes/{case.tracking_number}/",
        )

    _, key_a = api_token_create(user=a, name="fuzz A")
    _, key_b = api_token_create(user=b, name="fuzz B")
    _, open311_key = api_client_create(
        name="襄城区12345热线", center=t.county, channel=Channel.HOTLINE_12345
    )
    for case in cases.values():
        case.refresh_from_db()
    return World(
        tree=t,
        a=a,
        b=b,
        key_a=key_a,
        key_b=key_b,
        open311_key=open311_key,
        cases=cases,
        access_codes=codes,
        departments=departments,
        grids=[t.grid, t.sibling_grid, other_grid],
        categories=[neighbour, family],
    )


# --- The cross-user check ----------------------------------------------------------------

TRACKING_NUMBER = re.compile(r"(?<![0-9])\d{12}-\d{4}-\d{5,}(?![0-9])")
CENTER_CODE = re.compile(r"(?<![0-9-])\d{12}(?![0-9-])")
GRID_CODE = re.compile(r"(?<![0-9-])\d{15}(?![0-9-])")
# The keys whose value echoes the request (pagination links carry its query string).
ECHOES = ("next", "previous")
# Objects identified by an integer `id`, by the key of the list (or object) holding them.
NESTED_IDS = {
    "parties": "party",
    "department": "department",
    "assisting_departments": "department",
    "follow_ups": "follow_up",
}
# The objects an operation returns (its list's items, or itself), by operation id.
TOP_LEVEL_IDS = {
    "notifications_list": "notification",
    "notifications_read_create": "notification",
    "follow_ups_list": "follow_up",
    "departments_list": "department",
    "departments_retrieve": "department",
    "cases_attachments_list": "attachment",
}


def forbidden_for(user, *, seen_by) -> dict[str, set]:
    """The identifiers `user` may not see, by kind, computed from the scoping selectors (what
    `seen_by` may see and `user` may not, for centers and grids; everything out of `user`'s
    scope for the rest)."""
    cases = Dispute.objects.visible_to(user)
    return {
        "tracking_number": set(
            Dispute.objects.exclude(pk__in=cases.values("pk")).values_list(
                "tracking_number", flat=True
            )
        ),
        "center": set(Center.objects.visible_to(seen_by).values_list("code", flat=True))
        - set(Center.objects.visible_to(user).values_list("code", flat=True)),
        "grid": set(Grid.objects.visible_to(seen_by).values_list("code", flat=True))
        - set(Grid.objects.visible_to(user).values_list("code", flat=True)),
        "party": set(
            Party.objects.exclude(dispute__in=cases.values("pk")).values_list("pk", flat=True)
        ),
        "department": set(
            Department.objects.exclude(
                pk__in=Department.objects.visible_to(user).values("pk")
            ).values_list("pk", flat=True)
        ),
        "follow_up": set(
            FollowUp.objects.exclude(dispute__in=cases.values("pk")).values_list("pk", flat=True)
        ),
        "attachment": set(
            Attachment.objects.exclude(dispute__in=cases.values("pk")).values_list("pk", flat=True)
        ),
        "notification": set(
            Notification.objects.exclude(recipient=user).values_list("pk", flat=True)
        ),
    }


def _identifiers(data, operation_id: str) -> dict[str, set]:
    """The identifiers in a JSON body, by kind (pagination links left out)."""
    found: dict[str, set] = defaultdict(set)

    def visit(value, kind=None):
        if isinstance(value, dict):
            if kind is not None and isinstance(value.get("id"), int):
                found[kind].add(value["id"])
            for key, item in value.items():
                if key in ECHOES:
                    continue
                visit(item, NESTED_IDS.get(key))
        elif isinstance(value, list):
            for item in value:
                visit(item, kind)
        elif isinstance(value, str):
            found["tracking_number"].update(TRACKING_NUMBER.findall(value))
            found["center"].update(CENTER_CODE.findall(value))
            found["grid"].update(GRID_CODE.findall(value))

    top = TOP_LEVEL_IDS.get(operation_id)
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        visit({key: value for key, value in data.items() if key != "results"})
        visit(data["results"], top)
    else:
        visit(data, top)
    return found


class CrossUserLeak(AssertionError):
    """B's answer to A's request shows something out of B's scope."""


def leaks_for(body: bytes, content_type: str, operation_id: str, user, *, seen_by) -> dict:
    """The identifiers in `body` that `user` may not see (empty: no leak)."""
    text = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        found = _identifiers(json.loads(text) if text else None, operation_id)
    else:  # any other text: the codes and numbers in it
        found = {
            "tracking_number": set(TRACKING_NUMBER.findall(text)),
            "center": set(CENTER_CODE.findall(text)),
            "grid": set(GRID_CODE.findall(text)),
        }
    forbidden = forbidden_for(user, seen_by=seen_by)
    return {
        kind: sorted(found[kind] & forbidden[kind])
        for kind in forbidden
        if found.get(kind, set()) & forbidden[kind]
    }


def cross_user_check(world: World, tally: Tally):
    """A schemathesis check: after a 2xx GET as A, the same request as B must not show B
    anything out of B's scope, nor answer 403 (that would confirm that what A reached
    exists: outside the scope is a 404)."""

    def cross_user_scope(ctx, response, case):
        if case.method.upper() != "GET" or not 200 <= response.status_code < 300:
            return None
        if not uses_token(case):
            return None  # the resident API and Open311 answer the same to anyone
        replay = case.call(headers={"Authorization": f"Token {world.key_b}"})
        tally.replayed(case, replay)
        if replay.status_code == 403:
            raise CrossUserLeak(
                f"{case.method} {case.formatted_path}: 403 for B where A had "
                f"{response.status_code}; out of scope must be a 404"
            )
        if not 200 <= replay.status_code < 300:
            return True  # refused (404): nothing shown
        leaks = leaks_for(
            replay.content,
            replay.headers.get("content-type", [""])[0],
            case.operation.definition.raw.get("operationId", ""),
            world.b,
            seen_by=world.a,
        )
        if leaks:
            raise CrossUserLeak(
                f"{case.method} {case.formatted_path} as B ({replay.status_code}) shows "
                f"what B may not see: {leaks}"
            )
        return True

    return cross_user_scope


def uses_token(case) -> bool:
    security = case.operation.definition.raw.get("security") or []
    return any("apiToken" in requirement for requirement in security)


# --- The language of 400 answers ---------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
# What a message quotes of the input (“…”, "…", '…'): the input may be in any language.
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|'[^']*'|«[^»]*»")


def messages_of(body) -> list[str]:
    """The messages of a 400 body: DRF's field → messages (nested for lists and objects), a
    `detail`, or Open311's [{code, description}] (the description, less its `param: `)."""
    found: list[str] = []

    def visit(value):
        if isinstance(value, dict):
            if set(value) == {"code", "description"}:
                found.append(str(value["description"]).split(": ", 1)[-1])
                return
            for key, item in value.items():
                if key not in ("current_version", "code"):
                    visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, str):
            found.append(value)

    visit(body)
    return found


def language_problem(messages: list[str], *, english: bool) -> str | None:
    """Why these messages are not in the language asked for (None: they are)."""
    if not messages:
        return "no message"
    for message in messages:
        own_words = QUOTED.sub("", message)
        has_cjk = bool(CJK.search(own_words))
        if english and has_cjk:
            return f"Chinese in an English answer: {message!r}"
        if not english and not has_cjk:
            return f"not in Chinese: {message!r}"
    return None


# --- The tally ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of the run, printed in the terminal summary (tests/api/conftest.py)."""

    generated: int = 0
    sent: int = 0
    language_samples: int = 0
    failures: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_phase: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    successes: Counter = field(default_factory=Counter)
    replays: Counter = field(default_factory=Counter)
    language_by_operation: Counter = field(default_factory=Counter)
    # Successes of the examples phase (the schema's own examples), by operation.
    example_successes: Counter = field(default_factory=Counter)
    labels: dict = field(default_factory=dict)  # operation id → label
    # Of every generated case in order: equal digests, equal requests.
    digest: object = field(default_factory=hashlib.sha256)

    def case(self, case) -> None:
        self.generated += 1
        self.by_operation[case.operation.label] += 1
        self.labels[case.operation.definition.raw.get("operationId")] = case.operation.label
        meta = case.meta
        if meta is not None:
            self.by_phase[f"{meta.phase.name.value} {meta.generation.mode.value}"] += 1
        self.digest.update(request_key(case).encode())

    def answered(self, case, response) -> None:
        """A's answer to a generated case."""
        self.sent += 1
        self.by_status[f"{response.status_code // 100}xx"] += 1
        if 200 <= response.status_code < 300:
            self.successes[case.operation.label] += 1
            if case.meta is not None and case.meta.phase.name.value == "examples":
                self.example_successes[case.operation.label] += 1

    def replayed(self, case, response) -> None:
        """B's answer to the same request."""
        self.sent += 1
        self.replays[f"{response.status_code // 100}xx"] += 1

    def asked_in_english(self) -> None:
        self.sent += 1
        self.language_samples += 1

    def lines(self) -> list[str]:
        def counts(counter: Counter) -> str:
            return ", ".join(f"{key} {value}" for key, value in sorted(counter.items()))

        never = sorted(set(self.by_operation) - set(self.successes))
        return [
            f"schemathesis: {self.generated} cases generated over {len(self.by_operation)} "
            f"operations, {self.failures} failures",
            f"  {self.sent} requests: as A {counts(self.by_status)}; replayed as B (after A's "
            f"2xx GETs) {counts(self.replays)}; 400s asked again in English "
            f"{self.language_samples} (on {len(self.language_by_operation)} operations)",
            f"  cases by phase: {counts(self.by_phase)}",
            f"  operations A never got a 2xx from ({len(never)}): " + (", ".join(never) or "none"),
            f"  examples answered 2xx: {counts(self.example_successes) or 'none'}",
            f"  digest of the generated requests: {self.digest.hexdigest()[:16]}",
        ]


def request_key(case) -> str:
    """What a generated case sends, as text: its operation, phase, path, query, headers,
    cookies and body (as generated: before the world's keys and access codes, new on every
    run, are put in)."""
    body = case.body
    return json.dumps(
        [
            case.operation.label,
            case.meta.phase.name.value if case.meta is not None else None,
            case.path_parameters,
            case.query,
            case.headers,
            case.cookies,
            None if isinstance(body, NotSet) else body,
            case.media_type,
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=repr,
    )


TALLY = Tally()
