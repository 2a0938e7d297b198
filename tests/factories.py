"""factory_boy factories for the whole project."""

import factory
from django.contrib.auth import get_user_model

from centers.choices import CenterLevel, DepartmentKind, Role
from centers.codes import code_kind
from centers.models import Center, Department, Membership
from grids.models import Grid, GridWorker

__all__ = [
    "UserFactory",
    "CenterFactory",
    "DepartmentFactory",
    "MembershipFactory",
    "GridFactory",
    "GridWorkerFactory",
]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "三"
    last_name = "张"
    password = factory.django.Password("pass-for-tests")


class CenterFactory(factory.django.DjangoModelFactory):
    """A center; pass a real code and level (see tests/conftest.py's center_tree)."""

    class Meta:
        model = Center
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"42{n % 100:02d}00000000")
    name = factory.LazyAttribute(lambda o: f"中心{o.code}")
    level = CenterLevel.CITY
    kind = factory.LazyAttribute(lambda o: code_kind(o.code, o.level))
    parent = None


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"司法所{n}")
    kind = DepartmentKind.JUSTICE
    phone = "0710-3456789"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    center = factory.SubFactory(CenterFactory)
    role = Role.STAFF


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    village = None  # a village-level Center
    code = factory.Sequence(lambda n: f"G{n:06d}")
    name = factory.Sequence(lambda n: f"第{n}网格")


class GridWorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GridWorker

    user = factory.SubFactory(UserFactory)
    village = None
    phone = factory.Sequence(lambda n: f"139{n:08d}")
