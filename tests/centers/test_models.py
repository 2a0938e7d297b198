import pytest
from django.core.exceptions import ValidationError

from centers.choices import CenterKind, CenterLevel
from centers.models import Center
from tests.factories import CenterFactory


def test_kind_is_derived_from_the_code_on_save(center_tree):
    assert center_tree.township.kind == CenterKind.SUBDISTRICT
    assert center_tree.village.kind == CenterKind.RESIDENTS_COMMITTEE


def test_parent_must_be_higher_level(center_tree):
    center = Center(
        code="420602001099", name="坏社区", level=CenterLevel.VILLAGE, parent=center_tree.village
    )
    with pytest.raises(ValidationError) as err:
        center.full_clean()
    assert "parent" in err.value.message_dict


def test_parent_code_must_be_a_prefix(center_tree):
    center = Center(
        code="420606001099", name="串门社区", level=CenterLevel.VILLAGE, parent=center_tree.township
    )
    with pytest.raises(ValidationError) as err:
        center.full_clean()
    assert "parent" in err.value.message_dict


def test_level_must_match_the_code(center_tree):
    center = Center(
        code="420602001099", name="错层", level=CenterLevel.TOWNSHIP, parent=center_tree.county
    )
    with pytest.raises(ValidationError) as err:
        center.full_clean()
    assert "level" in err.value.message_dict


def test_cannot_move_under_own_descendant(center_tree):
    county = Center.objects.get(pk=center_tree.county.pk)
    county.parent = Center.objects.get(pk=center_tree.township.pk)
    with pytest.raises(ValidationError):
        county.full_clean()


@pytest.mark.django_db
def test_a_level_may_be_skipped_as_in_dongguan():
    """东莞's townships sit directly under the city in the official data."""
    dongguan = CenterFactory(code="441900000000", name="东莞市", level=CenterLevel.CITY)
    town = Center(code="441900003000", name="东城街道", level=CenterLevel.TOWNSHIP, parent=dongguan)
    town.full_clean()
    town.save()
    assert town.get_ancestors().get() == dongguan


@pytest.mark.django_db
def test_each_root_is_its_own_tree():
    a = CenterFactory(code="420600000000", name="襄阳市", level=CenterLevel.CITY)
    b = CenterFactory(code="430200000000", name="株洲市", level=CenterLevel.CITY)
    assert a.tree_id != b.tree_id
