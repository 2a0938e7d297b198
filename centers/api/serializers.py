from rest_framework import serializers

from ..models import Center, Department


class CenterSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    children_count = serializers.IntegerField(source="children_total", read_only=True)

    class Meta:
        model = Center
        fields = [
            "code",
            "name",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "parent_code",
            "is_active",
            "children_count",
        ]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    center_code = serializers.CharField(source="center.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "center_code", "name", "kind", "kind_display", "phone", "is_active"]
        read_only_fields = fields
