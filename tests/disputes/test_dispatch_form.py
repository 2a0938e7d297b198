"""The dispatch form (派单) offers every center of the handling center's subtree, deepest
levels included, and the departments stationed there; a large subtree takes a typed code."""

import pytest
from django import forms as django_forms
from django.urls import reverse

from disputes import forms
from disputes.choices import RiskLevel, Status
from disputes.models import Dispute
from disputes.services import dispute_accept
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_case(people, register):
    """A 重大 case: at intake it goes straight to the county, which accepts it."""
    case = register(risk_level=RiskLevel.MAJOR).dispute
    dispute_accept(dispute_id=case.pk, actor=people.county_staff)
    return Dispute.objects.get(pk=case.pk)


def dispatch(client, user, case, **data):
    client.force_login(user)
    payload = {"version": case.version, "department": "", "reason": "", **data}
    return client.post(reverse("disputes:act", args=[case.tracking_number, "dispatch"]), payload)


def test_county_may_dispatch_to_any_center_below_it_indented_by_depth(
    center_tree, people, county_case
):
    form = forms.DispatchForm(dispute=county_case, user=people.county_staff)
    field = form.fields["center"]
    assert isinstance(field.widget, django_forms.Select)
    labels = {value: label for value, label in field.choices if value}
    codes = [str(value) for value in labels]
    t = center_tree
    assert codes == [
        t.county.code,
        t.township.code,
        t.village.code,
        t.village2.code,
        t.sibling_township.code,
        t.sibling_village.code,
    ]
    assert labels[t.county.code].startswith("襄城区")
    assert labels[t.township.code].startswith("\u3000真武山街道")
    assert labels[t.village.code].startswith("\u3000\u3000檀溪社区")


def test_dispatch_straight_to_a_village_two_levels_down(client, center_tree, people, county_case):
    response = dispatch(client, people.county_staff, county_case, center=center_tree.village.code)
    assert response.status_code == 302
    county_case.refresh_from_db()
    assert county_case.status == Status.DISPATCHED
    assert county_case.current_center == center_tree.village
    assert county_case.dispatched_by_center == center_tree.county


def test_a_center_outside_the_subtree_is_refused_at_the_field(
    client, center_tree, people, county_case
):
    response = dispatch(
        client, people.county_staff, county_case, center=center_tree.other_village.code
    )
    assert response.status_code == 200
    form = next(
        item["form"] for item in response.context["action_forms"] if item["slug"] == "dispatch"
    )
    assert "center" in form.errors
    county_case.refresh_from_db()
    assert county_case.status == Status.ACCEPTED
    assert county_case.current_center == center_tree.county


def test_departments_of_the_subtree_are_offered_and_must_match_the_center(
    client, center_tree, people, county_case
):
    station = DepartmentFactory(center=center_tree.township, name="真武山司法所")
    elsewhere = DepartmentFactory(center=center_tree.other_township, name="汉江司法所")
    form = forms.DispatchForm(dispute=county_case, user=people.county_staff)
    offered = list(form.fields["department"].queryset)
    assert station in offered and elsewhere not in offered

    response = dispatch(
        client,
        people.county_staff,
        county_case,
        center=center_tree.village.code,
        department=station.pk,
    )
    assert response.status_code == 200
    assert "所选部门不在目标中心" in response.content.decode()
    county_case.refresh_from_db()
    assert county_case.status == Status.ACCEPTED

    dispatch(
        client,
        people.county_staff,
        county_case,
        center=center_tree.township.code,
        department=station.pk,
    )
    county_case.refresh_from_db()
    assert county_case.department == station
    assert county_case.current_center == center_tree.township


def test_a_large_subtree_takes_the_target_by_code(
    client, center_tree, people, county_case, monkeypatch
):
    monkeypatch.setattr(forms, "DISPATCH_SELECT_MAX", 3)
    form = forms.DispatchForm(dispute=county_case, user=people.county_staff)
    assert isinstance(form.fields["center"].widget, django_forms.TextInput)
    response = dispatch(client, people.county_staff, county_case, center=center_tree.village2.code)
    assert response.status_code == 302
    county_case.refresh_from_db()
    assert county_case.current_center == center_tree.village2

    page = client.get(reverse("disputes:detail", args=[county_case.tracking_number]))
    assert page.status_code == 200


def test_a_joint_matter_gets_one_lead_and_assisting_departments(
    client, center_tree, people, county_case
):
    lead = DepartmentFactory(center=center_tree.township, name="真武山司法所")
    police = DepartmentFactory(center=center_tree.township, name="真武山派出所", kind="police")
    land = DepartmentFactory(
        center=center_tree.county, name="区自然资源局", kind="natural_resources"
    )
    outside = DepartmentFactory(center=center_tree.other_county, name="樊城区信访局")

    response = dispatch(
        client,
        people.county_staff,
        county_case,
        center=center_tree.township.code,
        department=lead.pk,
        assisting=[outside.pk],
    )
    assert response.status_code == 200  # not offered: refused at the field
    county_case.refresh_from_db()
    assert county_case.status == Status.ACCEPTED

    response = dispatch(
        client,
        people.county_staff,
        county_case,
        center=center_tree.township.code,
        department=lead.pk,
        assisting=[lead.pk],
    )
    assert "主办部门不能同时作为协办部门" in response.content.decode()
    county_case.refresh_from_db()
    assert county_case.status == Status.ACCEPTED
    assert not county_case.assisting_departments.exists()

    dispatch(
        client,
        people.county_staff,
        county_case,
        center=center_tree.township.code,
        department=lead.pk,
        assisting=[police.pk, land.pk],
    )
    county_case.refresh_from_db()
    assert county_case.department == lead
    assert set(county_case.assisting_departments.all()) == {police, land}
    event = county_case.events.order_by("-seq").first()
    assert sorted(event.data["assisting"]) == sorted([police.pk, land.pk])
    page = client.get(reverse("disputes:detail", args=[county_case.tracking_number]))
    assert "真武山派出所" in page.content.decode() and "区自然资源局" in page.content.decode()
