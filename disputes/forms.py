"""Forms of the mediator workspace: the walk-in intake desk (登记受理) with its parties, and one
small form per case action. The forms only collect input; disputes.services decides."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from centers.choices import CenterLevel, Role
from centers.models import Center, Department, subtree_q
from governance.people import person_name
from governance.validators import validate_id_number, validate_phone

from .choices import Channel, PartyKind, PartySide, RequestType, RiskLevel, Satisfaction
from .models import Agreement, Category
from .services.attachments import accepted_formats, attachment_max_bytes
from .services.intake import INTAKE_ROLES

__all__ = [
    "IntakeForm",
    "PartyForm",
    "PartyFormSet",
    "intake_centers",
    "ActionForm",
    "ReasonForm",
    "NotAcceptForm",
    "ReturnForm",
    "FailForm",
    "CloseForm",
    "EscalateForm",
    "SuperviseForm",
    "ReopenForm",
    "RateForm",
    "AssignForm",
    "DispatchForm",
    "AssignDownForm",
    "RecordSessionForm",
    "AgreeForm",
    "ExtendForm",
    "PerformanceForm",
    "ReissueAccessCodeForm",
    "AttachmentForm",
    "RevealForm",
    "applicant_identifiers",
]

MEDIATOR_ROLES = [Role.MEDIATOR, Role.STAFF, Role.DIRECTOR]


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def intake_centers(user):
    """The active centers where the user holds a role that may register cases, in tree
    order (the first is the form's default)."""
    roles = [role for role in INTAKE_ROLES if role in Role.values]
    return (
        Center.objects.filter(is_active=True, memberships__user=user, memberships__role__in=roles)
        .distinct()
        .order_by("tree_id", "lft")
    )


class VillageField(forms.ModelChoiceField):
    """A village typed in by its official code (a select of every village of a county would
    be thousands of options); checked against the user's own subtrees."""

    widget = forms.TextInput

    def label_from_instance(self, obj):
        return f"{obj.name} {obj.code}"


class IntakeForm(forms.Form):
    receiving_center = forms.ModelChoiceField(
        label=_("受理中心"), queryset=Center.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(
        label=_("受理渠道"), choices=Channel.choices, initial=Channel.WALK_IN
    )
    category = forms.ModelChoiceField(
        label=_("纠纷类别"), queryset=Category.objects.filter(is_active=True)
    )
    risk_level = forms.ChoiceField(
        label=_("风险等级"), choices=RiskLevel.choices, initial=RiskLevel.ORDINARY
    )
    request_type = forms.ChoiceField(
        label=_("诉求类型"), choices=RequestType.choices, initial=RequestType.HELP
    )
    summary = forms.CharField(label=_("纠纷概要"), max_length=200)
    description = forms.CharField(
        label=_("详细情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间"),
        required=False,
        widget=DateTimeLocalInput,
        input_formats=DATETIME_LOCAL_FORMATS,
    )
    village = VillageField(
        label=_("发生地（村/社区区划代码）"),
        queryset=Center.objects.none(),
        to_field_name="code",
        error_messages={"invalid_choice": _("请填写本中心辖区内村/社区的12位区划代码。")},
    )
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    is_confidential = forms.BooleanField(label=_("保密（当事人要求不公开）"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        centers = list(intake_centers(user))
        self.fields["receiving_center"].queryset = intake_centers(user)
        if centers:
            self.fields["receiving_center"].initial = centers[0].pk
            if centers[0].level == CenterLevel.VILLAGE:
                self.fields["village"].initial = centers[0].code
        self.fields["village"].queryset = Center.objects.filter(
            subtree_q(centers), level=CenterLevel.VILLAGE, is_active=True
        )
        self.fields["village"].widget.attrs.update(
            {"inputmode": "numeric", "maxlength": 12, "list": "village-options"}
        )
        self.has_centers = bool(centers)


class PartyForm(forms.Form):
    side = forms.ChoiceField(label=_("当事人类型"), choices=PartySide.choices)
    kind = forms.ChoiceField(label=_("主体"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    name = forms.CharField(label=_("姓名/名称"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)


class BasePartyFormSet(forms.BaseFormSet):
    """Applicant first, then a respondent, then spare rows; rows left blank are ignored."""

    SIDES = [PartySide.APPLICANT, PartySide.RESPONDENT]

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        side = self.SIDES[index % 2] if index is not None else PartySide.RESPONDENT
        kwargs["initial"] = {"side": side, "kind": PartyKind.PERSON}
        return kwargs

    def filled_forms(self) -> list[PartyForm]:
        """The rows that hold a party, in order (their index is the service's party index)."""
        return [
            form
            for form in self.forms
            if form.has_changed() and form.is_valid() and form.cleaned_data.get("name")
        ]

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not any(
            form.cleaned_data["side"] == PartySide.APPLICANT for form in self.filled_forms()
        ):
            raise forms.ValidationError(_("至少需要一名申请人。"))


PartyFormSet = formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=10,
    validate_max=True,
)


# --- Case actions -----------------------------------------------------------------------


class ActionForm(forms.Form):
    """Every action form carries the case version the user saw (stale-form detection)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, dispute, user, **kwargs):
        kwargs.setdefault("initial", {})["version"] = dispute.version
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        self.user = user


class ReasonForm(ActionForm):
    reason_label = _("理由")
    reason_required = True

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = self.reason_label
        self.fields["reason"].required = self.reason_required


class NotAcceptForm(ReasonForm):
    reason_label = _("不予受理理由及告知的途径（诉讼、仲裁、复议、信访等）")


class ReturnForm(ReasonForm):
    reason_label = _("退单理由")


class FailForm(ReasonForm):
    reason_label = _("已告知当事人的途径（仲裁、行政、诉讼等）")


class CloseForm(ReasonForm):
    reason_label = _("结案说明")
    reason_required = False


class EscalateForm(ReasonForm):
    reason_label = _("上报理由")


class SuperviseForm(ReasonForm):
    reason_label = _("督办事由")


class ReopenForm(ReasonForm):
    reason_label = _("重办理由")


class RateForm(ReasonForm):
    """群众评单 recorded by staff after the follow-up call."""

    reason_label = _("回访意见")
    reason_required = False

    rating = forms.ChoiceField(
        label=_("群众评价"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        help_text=_("“不满意”将退回重办，并在再次办结后二次回访"),
    )
    field_order = ["version", "rating", "reason"]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


class AssignForm(ActionForm):
    mediator = UserChoiceField(label=_("调解员"), queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        centers = self.dispute.current_center.get_ancestors(include_self=True)
        self.fields["mediator"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True,
                memberships__role__in=MEDIATOR_ROLES,
                memberships__center__in=centers,
            )
            .distinct()
            .order_by("last_name", "first_name", "username")
        )


class CenterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_level_display()}）"


class SubtreeCenterField(CenterChoiceField):
    """A center of one subtree, chosen from an indented list (deeper levels indented under
    their parents), or typed in by its 12-digit code when the subtree is too large for a
    list (a city has thousands of villages)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)
        self.root_depth = 0

    def label_from_instance(self, obj):
        indent = "\u3000" * max(obj.tree_depth - self.root_depth, 0)
        return f"{indent}{obj.name}（{obj.get_level_display()}）"


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.center.name} · {obj.name}"


class DepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.center.name} · {obj.name}"


# Above this many centers in the subtree, the target is typed in by its code.
DISPATCH_SELECT_MAX = 300


class DispatchForm(ActionForm):
    center = SubtreeCenterField(
        label=_("派往中心"),
        queryset=Center.objects.none(),
        error_messages={"invalid_choice": _("请选择本中心或其下级中心（可填写12位区划代码）。")},
    )
    department = DepartmentChoiceField(
        label=_("承办部门"), queryset=Department.objects.none(), required=False
    )
    assisting = DepartmentMultipleChoiceField(
        label=_("协办部门"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("涉及多个部门时选择；按住 Ctrl 可多选"),
    )
    designated = forms.BooleanField(label=_("指定承办（不得再退单）"), required=False)
    reason = forms.CharField(
        label=_("派单说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.dispute.current_center
        centers = current.get_descendants(include_self=True).filter(is_active=True)
        field = self.fields["center"]
        field.queryset = centers.order_by("lft")
        field.root_depth = current.tree_depth
        departments = Department.objects.filter(is_active=True, center__in=centers)
        if current.get_descendant_count() + 1 > DISPATCH_SELECT_MAX:
            field.widget = forms.TextInput(
                attrs={"inputmode": "numeric", "pattern": "[0-9]{12}", "maxlength": 12}
            )
            field.help_text = _("本中心下级单位较多，请填写派往中心的12位区划代码。")
            # Departments are listed for this center and the level below it only.
            departments = departments.filter(center__tree_depth__lte=current.tree_depth + 1)
        departments = departments.select_related("center").order_by("center__lft", "kind", "name")
        self.fields["department"].queryset = departments
        self.fields["assisting"].queryset = departments


class AssignDownForm(ActionForm):
    center = CenterChoiceField(label=_("下派至"), queryset=Center.objects.none())
    reason = forms.CharField(
        label=_("下派说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = self.dispute.current_center.get_children().filter(
            is_active=True
        )


class RecordSessionForm(ActionForm):
    held_at = forms.DateTimeField(
        label=_("调解时间"), widget=DateTimeLocalInput, input_formats=DATETIME_LOCAL_FORMATS
    )
    attendees = forms.CharField(
        label=_("参加人员"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(label=_("调解经过"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label=_("本次结果"), max_length=200, required=False)


class AgreeForm(ActionForm):
    content = forms.CharField(label=_("协议内容"), widget=forms.Textarea(attrs={"rows": 3}))
    signed_on = forms.DateField(label=_("签订日期"), widget=DateInput)
    is_written = forms.BooleanField(label=_("书面协议（否则为口头协议）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_written"].initial = True


class PerformanceForm(ActionForm):
    """履行情况 and 司法确认 of the case's agreement (prefilled with the current values)."""

    performance_notes = forms.CharField(
        label=_("履行情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    judicial_confirmation_applied = forms.BooleanField(label=_("已申请司法确认"), required=False)
    judicial_confirmation_granted = forms.BooleanField(label=_("已获司法确认"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agreement = Agreement.objects.filter(dispute=self.dispute).first()
        if agreement is not None and not self.is_bound:
            self.initial.update(
                {
                    "performance_notes": agreement.performance_notes,
                    "judicial_confirmation_applied": agreement.judicial_confirmation_applied,
                    "judicial_confirmation_granted": agreement.judicial_confirmation_granted,
                }
            )


class ExtendForm(ActionForm):
    workdays = forms.IntegerField(label=_("延期工作日数"), min_value=1)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ReissueAccessCodeForm(forms.Form):
    reason = forms.CharField(
        label=_("身份核实情况"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：申请人本人持身份证到场核实"),
    )


# --- Attachments ------------------------------------------------------------------------


class AttachmentForm(forms.Form):
    """上传附件: a file and what it is. Whether the file is accepted (its type recognised from
    its bytes, its size, the case's cap) is decided by services.attachment_add, so an empty
    file reaches it too."""

    file = forms.FileField(label=_("文件"), allow_empty_file=True)
    description = forms.CharField(label=_("附件说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formats = accepted_formats()
        # Only a hint for the file picker; the service checks the bytes.
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{extension}" for fmt in formats for extension in fmt.extensions
        )
        self.fields["file"].help_text = _("可上传 %(formats)s 文件，每个不超过 %(limit)s。") % {
            "formats": "/".join(fmt.label for fmt in formats),
            "limit": filesizeformat(attachment_max_bytes()),
        }


# --- Revealing personal data, repeat petitions --------------------------------------------


class RevealForm(forms.Form):
    """Why the user needs to see a party's full phone or ID number (kept in the audit)."""

    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        error_messages={"required": _("请填写查看理由。")},
    )


PARTY_ROW_SIDE = re.compile(r"^parties-(\d+)-side$")
IDENTIFIERS_MAX = 10


def _valid(value: str, validator) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def applicant_identifiers(data) -> tuple[list[str], list[str]]:
    """The applicants' well-formed phones and ID numbers in a request: `phone` and
    `id_number` (possibly repeated), and the rows of the intake form's parties formset whose
    side is 申请人. A value still being typed, or mistyped, is left out without an error."""
    phones = list(data.getlist("phone"))
    id_numbers = list(data.getlist("id_number"))
    for key in data:
        match = PARTY_ROW_SIDE.match(key)
        if match and data.get(key) == PartySide.APPLICANT:
            phones.append(data.get(f"parties-{match.group(1)}-phone", ""))
            id_numbers.append(data.get(f"parties-{match.group(1)}-id_number", ""))
    phones = [p.strip() for p in phones[: 2 * IDENTIFIERS_MAX]]
    id_numbers = [i.strip().upper() for i in id_numbers[: 2 * IDENTIFIERS_MAX]]
    phones = [p for p in phones if _valid(p, validate_phone)]
    id_numbers = [i for i in id_numbers if _valid(i, validate_id_number)]
    return (
        list(dict.fromkeys(phones))[:IDENTIFIERS_MAX],
        list(dict.fromkeys(id_numbers))[:IDENTIFIERS_MAX],
    )
