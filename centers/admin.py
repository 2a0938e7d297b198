"""Django admin of centers, stationed departments and memberships.

The center tree is shown indented (MPTTModelAdmin), never drag-and-drop: MPTT's fields are
computed, read-only here, and every tree write goes through Center.save() under the tree lock.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from mptt.admin import MPTTModelAdmin

from governance.admin import ScopedAdminMixin

from .models import Center, Department, Membership

# MPTT's own fields, shown read-only under Chinese labels (the model gives them none).
TREE_FIELDS = ["tree_number", "tree_left", "tree_right", "tree_depth_shown"]


@admin.register(Center)
class CenterAdmin(ScopedAdminMixin, MPTTModelAdmin):
    list_display = ["name", "code", "level", "kind", "is_active"]
    list_display_links = ["name"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "^code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["kind", *TREE_FIELDS, "created_at", "updated_at"]
    list_per_page = 200
    mptt_level_indent = 18
    show_full_result_count = False
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "kind", "parent", "is_active"]}),
        (
            _("树结构（系统维护，只读）"),
            {"classes": ["collapse"], "fields": [*TREE_FIELDS, "created_at", "updated_at"]},
        ),
    ]

    @admin.display(description=_("树编号"))
    def tree_number(self, obj):
        return obj.tree_id

    @admin.display(description=_("左值"))
    def tree_left(self, obj):
        return obj.lft

    @admin.display(description=_("右值"))
    def tree_right(self, obj):
        return obj.rght

    @admin.display(description=_("树深度"))
    def tree_depth_shown(self, obj):
        return obj.tree_depth

    def get_actions(self, request):
        # No bulk delete: MPTT's bulk delete rebuilds the tree outside the tree lock.
        # A center is deleted from its own page, one at a time (and only when it has no
        # children or grids: those are protected).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # The autocomplete shows one chosen center: no "---" depth prefix on its label.
            kwargs.setdefault("level_indicator", "")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if not request.user.is_superuser and "parent" in form.base_fields:
            # Only a superuser may create or keep a root: anyone else would lose sight of it.
            form.base_fields["parent"].required = True
        return form


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "center", "phone", "is_active"]
    list_filter = ["kind", "is_active", "center__level"]
    search_fields = ["name", "center__name", "center__code"]
    autocomplete_fields = ["center"]
    list_select_related = ["center"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "role", "center", "created_at"]
    list_filter = ["role", "center__level"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "center__name",
        "center__code",
    ]
    autocomplete_fields = ["user", "center"]
    list_select_related = ["user", "center"]
    readonly_fields = ["created_at"]
