"""Django admin of grids and grid workers, scoped like the rest of the admin."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from governance.admin import ScopedAdminMixin
from governance.masking import mask_phone
from governance.people import person_name

from .models import Grid, GridWorker


@admin.register(Grid)
class GridAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "village", "worker_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "village__name", "village__code"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(worker_total=Count("workers"))

    @admin.display(description=_("网格员人数"), ordering="worker_total")
    def worker_count(self, obj):
        return obj.worker_total


class GridWorkerAdminForm(forms.ModelForm):
    class Meta:
        model = GridWorker
        fields = ["user", "village", "phone", "grids", "is_active"]

    def clean(self):
        cleaned = super().clean()
        village, grids = cleaned.get("village"), cleaned.get("grids")
        if village and grids:
            foreign = [grid.name for grid in grids if grid.village_id != village.pk]
            if foreign:
                self.add_error(
                    "grids",
                    _("以下网格不属于所选村/社区：%(names)s") % {"names": "、".join(foreign)},
                )
        return cleaned


@admin.register(GridWorker)
class GridWorkerAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = GridWorkerAdminForm
    list_display = ["name", "village", "masked_phone", "is_active"]
    list_filter = ["is_active"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "village__name",
        "village__code",
    ]
    autocomplete_fields = ["user", "village", "grids"]
    list_select_related = ["user", "village"]

    @admin.display(description=_("姓名"), ordering="user__last_name")
    def name(self, obj):
        return person_name(obj.user)

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)
