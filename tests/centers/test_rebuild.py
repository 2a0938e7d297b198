import pytest
from django.core.management import CommandError, call_command

from centers.models import Center


def layout():
    return list(Center.objects.order_by("code").values_list("code", "lft", "rght", "tree_depth"))


def test_rebuild_repairs_a_corrupted_tree(center_tree):
    good = layout()
    # Simulate the damage concurrent unlocked writers do: overlapping lft/rght values.
    Center.objects.filter(tree_id=center_tree.city.tree_id).update(lft=1, rght=2)
    assert layout() != good

    call_command("rebuild_center_tree", "--code", center_tree.village.code)

    assert layout() == good
    city = Center.objects.get(pk=center_tree.city.pk)
    assert city.get_descendant_count() == 9


def test_rebuild_of_everything_and_unknown_code(center_tree):
    good = layout()
    call_command("rebuild_center_tree")
    assert layout() == good
    with pytest.raises(CommandError):
        call_command("rebuild_center_tree", "--code", "999999999999")
