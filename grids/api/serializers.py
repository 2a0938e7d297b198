from rest_framework import serializers

from governance.masking import mask_phone
from governance.people import person_name

from ..models import Grid, GridWorker


class GridWorkerSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = GridWorker
        fields = ["id", "name", "phone", "is_active"]
        read_only_fields = fields

    def get_name(self, obj) -> str:
        return person_name(obj.user)

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone)


class GridSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    workers = GridWorkerSerializer(many=True, read_only=True)

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "description",
            "village_code",
            "village_name",
            "is_active",
            "workers",
        ]
        read_only_fields = fields
