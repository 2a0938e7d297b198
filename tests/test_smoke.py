from centers.models import Center


def test_center_tree_fixture_builds_a_consistent_tree(center_tree):
    city = center_tree.city
    city.refresh_from_db()
    assert city.get_descendant_count() == 9
    assert list(
        Center.objects.filter(parent=center_tree.county).values_list("code", flat=True)
    ) == [
        "420602001000",
        "420602002000",
    ]
