"""bench_case_list, small: every page it times is a valid filtered list, and it leaves
nothing behind."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from centers.models import Membership

pytestmark = pytest.mark.django_db


def bench(**options) -> str:
    out = StringIO()
    call_command("bench_case_list", runs=1, stdout=out, **options)
    return out.getvalue()


def test_it_times_every_page_and_leaves_nothing_behind(register, center_tree):
    register()
    users, memberships = get_user_model().objects.count(), Membership.objects.count()
    output = bench()
    assert f"{center_tree.city.name} {center_tree.city.code} holds 1 of them" in output
    for page in ("first page", "status 调解中", "category + open + 12345", "search number"):
        assert page in output
    assert "every page under 300 ms" in output
    assert get_user_model().objects.count() == users
    assert Membership.objects.count() == memberships


def test_it_refuses_a_page_whose_filters_are_invalid(register, monkeypatch):
    from disputes.management.commands import bench_case_list

    register()
    pages = bench_case_list.Command._pages
    monkeypatch.setattr(
        bench_case_list.Command,
        "_pages",
        lambda self, city: [*pages(self, city), ("bad", {"status": "mediating"})],
    )
    with pytest.raises(CommandError, match="bad: the filters refuse"):
        bench()


def test_it_needs_cases():
    with pytest.raises(CommandError, match="no cases"):
        bench()


def test_it_compares_with_the_list_as_it_was(register):
    register()
    output = bench(naive_runs=1)
    assert "naive median" in output and "ratio" in output
    assert "scope matched by MPTT range" in output
    assert "共 1 件" in output  # the count each page showed


def test_it_refuses_negative_naive_runs(register):
    register()
    with pytest.raises(CommandError, match="--naive-runs"):
        bench(naive_runs=-1)
