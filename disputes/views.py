"""The mediator workspace (调解工作台): inbox, intake desk, receipt, case page and its actions.

Every read starts from `dispute_queryset(user=...)` (a case outside the user's scope is a
404); every write is one call of a disputes.services function, whose DisputeError becomes a
message on the page."""

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.masking import mask_id_number, mask_phone
from governance.pagination import CappedPaginator

from . import forms, selectors, services
from .choices import OPEN_STATUSES, Action, PartySide, Status
from .filtersets import DisputeFilterSet, Tab
from .models import Agreement
from .selectors import dispute_queryset, verify_event_chain
from .services.attachments import FORMATS
from .services.lifecycle import REVEALABLE_FIELDS

INBOX_PAGE_SIZE = 25
VILLAGE_OPTIONS_MAX = 300
PARTY_ERROR_KEY = re.compile(r"^parties\[(\d+)\]\.(\w+)$")

logger = logging.getLogger(__name__)


def receipt_session_key(tracking_number: str) -> str:
    return f"disputes:access_code:{tracking_number}"


def _with_flags(dispute):
    """The status badge colour and whether the level's deadline has passed, for display."""
    dispute.status_badge = Status(dispute.status).badge
    dispute.past_deadline = bool(
        dispute.status in OPEN_STATUSES
        and dispute.level_deadline
        and dispute.level_deadline < timezone.localdate()
    )
    return dispute


# --- Inbox ------------------------------------------------------------------------------


@require_GET
@login_required
def inbox(request):
    """The cases in the user's scope, by tab, filters and text, 25 a page."""
    queryset = selectors.dispute_list_queryset(user=request.user)
    filterset = DisputeFilterSet(request.GET, queryset=queryset, request=request)
    paginator = CappedPaginator(filterset.qs, INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = [_with_flags(case) for case in page.object_list]
    for case in page.object_list:
        if not selectors.reporter_identity_visible(case, request.user):
            case.applicants = []
            case.reporter_protected = True
    context = {
        "filterset": filterset,
        "page": page,
        "tabs": Tab.choices,
        "active_tab": filterset.active_tab,
    }
    return render(request, "disputes/inbox.html", context)


# --- Intake -----------------------------------------------------------------------------


def _party_data(party_forms) -> list[services.PartyData]:
    return [services.PartyData(**form.cleaned_data) for form in party_forms]


def _add_error(form, field: str | None, messages_: list[str] | str) -> None:
    form.add_error(field if field in form.fields else None, messages_)


def _map_intake_errors(error: Exception, form, party_forms) -> None:
    """Put the service's errors next to the fields they concern."""
    if isinstance(error, services.DisputeError):
        _add_error(form, error.field, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, field_messages in error.message_dict.items():
        match = PARTY_ERROR_KEY.match(key)
        if match and int(match.group(1)) < len(party_forms):
            _add_error(party_forms[int(match.group(1))], match.group(2), field_messages)
        elif key == NON_FIELD_ERRORS:
            form.add_error(None, field_messages)
        else:
            _add_error(form, key, field_messages)


@require_http_methods(["GET", "POST"])
@login_required
def intake(request):
    """登记受理 at a walk-in desk: the case, its parties, then the receipt."""
    if request.method == "POST":
        form = forms.IntakeForm(request.POST, user=request.user)
        formset = forms.PartyFormSet(request.POST, prefix="parties")
        if form.is_valid() and formset.is_valid():
            party_forms = formset.filled_forms()
            data = form.cleaned_data
            try:
                result = services.dispute_register(
                    actor=request.user,
                    receiving_center=data["receiving_center"],
                    channel=data["channel"],
                    category=data["category"],
                    summary=data["summary"],
                    village=data["village"],
                    parties=_party_data(party_forms),
                    description=data["description"],
                    risk_level=data["risk_level"],
                    request_type=data["request_type"],
                    address=data["address"],
                    occurred_at=data["occurred_at"],
                    is_confidential=data["is_confidential"],
                )
            except (ValidationError, services.DisputeError) as error:
                _map_intake_errors(error, form, party_forms)
            else:
                tracking_number = result.dispute.tracking_number
                request.session[receipt_session_key(tracking_number)] = result.access_code
                messages.success(
                    request, _("已登记，受理编号 %(number)s。") % {"number": tracking_number}
                )
                return redirect("disputes:receipt", tracking_number=tracking_number)
        messages.error(request, _("登记未保存，请按提示修改后再提交。"))
    else:
        form = forms.IntakeForm(user=request.user)
        formset = forms.PartyFormSet(prefix="parties")
    villages = form.fields["village"].queryset.order_by("tree_id", "lft")
    village_options = list(villages.only("code", "name")[: VILLAGE_OPTIONS_MAX + 1])
    context = {
        "form": form,
        "formset": formset,
        "village_options": village_options if len(village_options) <= VILLAGE_OPTIONS_MAX else [],
    }
    return render(request, "disputes/intake.html", context)


@require_GET
@login_required
def receipt(request, tracking_number):
    """受理回执: printable; the access code is shown once, right after intake."""
    dispute = get_object_or_404(
        dispute_queryset(user=request.user).select_related("receiving_center", "category"),
        tracking_number=tracking_number,
    )
    access_code = request.session.pop(receipt_session_key(tracking_number), None)
    applicants = dispute.parties.filter(side=PartySide.APPLICANT).order_by("pk")
    if not selectors.reporter_identity_visible(dispute, request.user):
        applicants = applicants.none()
    context = {
        "dispute": dispute,
        "access_code": access_code,
        "applicants": applicants,
        "reissue_form": forms.ReissueAccessCodeForm(),
        "may_reissue": services.can_take(dispute, request.user, Action.REISSUE_ACCESS_CODE),
    }
    return render(request, "disputes/receipt.html", context)


@require_POST
@login_required
def reissue_access_code(request, tracking_number):
    """重新发放查询码: a new code replaces the lost one and is shown once on the receipt."""
    dispute = get_object_or_404(
        dispute_queryset(user=request.user), tracking_number=tracking_number
    )
    form = forms.ReissueAccessCodeForm(request.POST)
    if form.is_valid():
        try:
            code = services.dispute_reissue_access_code(
                dispute_id=dispute.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except services.DisputeError as error:
            messages.error(request, error.message)
        else:
            request.session[receipt_session_key(tracking_number)] = code
            messages.success(request, _("已重新生成查询码，原查询码作废。"))
    else:
        messages.error(request, _("请填写核实申请人身份的情况。"))
    return redirect("disputes:receipt", tracking_number=tracking_number)


# --- Case page and actions --------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One case action of the UI: its table entry, its form and the service call (which gets
    the form's `version` as expected_version and refuses a stale form under the row lock)."""

    action: Action
    form_class: type
    call: Any
    button_class: str = "button-primary"
    label: Any = None  # the button's text, when not the action's own label


def _reason(data) -> str:
    return data.get("reason", "")


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        Action.ACCEPT,
        forms.ActionForm,
        lambda d, u, c: services.dispute_accept(
            dispute_id=d.pk, actor=u, expected_version=c["version"]
        ),
    ),
    "not-accept": ActionSpec(
        Action.NOT_ACCEPT,
        forms.NotAcceptForm,
        lambda d, u, c: services.dispute_not_accept(
            dispute_id=d.pk, actor=u, route=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
    "assign": ActionSpec(
        Action.ASSIGN,
        forms.AssignForm,
        lambda d, u, c: services.dispute_assign(
            dispute_id=d.pk, actor=u, mediator=c["mediator"], expected_version=c["version"]
        ),
    ),
    "dispatch": ActionSpec(
        Action.DISPATCH,
        forms.DispatchForm,
        lambda d, u, c: services.dispute_dispatch(
            dispute_id=d.pk,
            actor=u,
            center=c["center"],
            department=c["department"],
            assisting=c["assisting"],
            designated=c["designated"],
            note=_reason(c),
            expected_version=c["version"],
        ),
    ),
    "sign": ActionSpec(
        Action.SIGN,
        forms.ActionForm,
        lambda d, u, c: services.dispute_sign(
            dispute_id=d.pk, actor=u, expected_version=c["version"]
        ),
    ),
    "return": ActionSpec(
        Action.RETURN,
        forms.ReturnForm,
        lambda d, u, c: services.dispute_return(
            dispute_id=d.pk, actor=u, reason=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
    "start-mediation": ActionSpec(
        Action.START_MEDIATION,
        forms.ActionForm,
        lambda d, u, c: services.dispute_start_mediation(
            dispute_id=d.pk, actor=u, expected_version=c["version"]
        ),
    ),
    "record-session": ActionSpec(
        Action.RECORD_SESSION,
        forms.RecordSessionForm,
        lambda d, u, c: services.dispute_record_session(
            dispute_id=d.pk,
            actor=u,
            held_at=c["held_at"],
            mediators=[d.mediator or u],
            notes=c["notes"],
            attendees=c["attendees"],
            outcome=c["outcome"],
            expected_version=c["version"],
        ),
    ),
    "agree": ActionSpec(
        Action.AGREE,
        forms.AgreeForm,
        lambda d, u, c: services.dispute_agree(
            dispute_id=d.pk,
            actor=u,
            content=c["content"],
            signed_on=c["signed_on"],
            is_written=c["is_written"],
            expected_version=c["version"],
        ),
    ),
    "performance": ActionSpec(
        Action.RECORD_PERFORMANCE,
        forms.PerformanceForm,
        lambda d, u, c: services.agreement_record_performance(
            dispute_id=d.pk,
            actor=u,
            performance_notes=c["performance_notes"],
            judicial_confirmation_applied=c["judicial_confirmation_applied"],
            judicial_confirmation_granted=c["judicial_confirmation_granted"],
        ),
        button_class="button-secondary",
    ),
    "fail": ActionSpec(
        Action.FAIL,
        forms.FailForm,
        lambda d, u, c: services.dispute_fail(
            dispute_id=d.pk, actor=u, routes=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
    "close": ActionSpec(
        Action.CLOSE,
        forms.CloseForm,
        lambda d, u, c: services.dispute_close(
            dispute_id=d.pk, actor=u, note=_reason(c), expected_version=c["version"]
        ),
    ),
    "follow-up": ActionSpec(
        Action.START_FOLLOW_UP,
        forms.ActionForm,
        lambda d, u, c: services.dispute_start_follow_up(
            dispute_id=d.pk, actor=u, expected_version=c["version"]
        ),
    ),
    "rate": ActionSpec(
        Action.RATE_SATISFIED,
        forms.RateForm,
        lambda d, u, c: services.follow_up_record(
            dispute_id=d.pk,
            actor=u,
            rating=c["rating"],
            comment=_reason(c),
            expected_version=c["version"],
        ),
        label=_lazy("记录群众评价"),
    ),
    "reopen": ActionSpec(
        Action.REOPEN,
        forms.ReopenForm,
        lambda d, u, c: services.dispute_reopen(
            dispute_id=d.pk, actor=u, reason=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
    "archive": ActionSpec(
        Action.ARCHIVE,
        forms.ActionForm,
        lambda d, u, c: services.dispute_archive(
            dispute_id=d.pk, actor=u, expected_version=c["version"]
        ),
    ),
    "escalate": ActionSpec(
        Action.ESCALATE,
        forms.EscalateForm,
        lambda d, u, c: services.dispute_escalate(
            dispute_id=d.pk, actor=u, reason=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
    "assign-down": ActionSpec(
        Action.ASSIGN_DOWN,
        forms.AssignDownForm,
        lambda d, u, c: services.dispute_assign_down(
            dispute_id=d.pk,
            actor=u,
            center=c["center"],
            note=_reason(c),
            expected_version=c["version"],
        ),
        button_class="button-secondary",
    ),
    "extend": ActionSpec(
        Action.EXTEND,
        forms.ExtendForm,
        lambda d, u, c: services.dispute_extend(
            dispute_id=d.pk,
            actor=u,
            workdays=c["workdays"],
            reason=_reason(c),
            expected_version=c["version"],
        ),
        button_class="button-secondary",
    ),
    "supervise": ActionSpec(
        Action.SUPERVISE,
        forms.SuperviseForm,
        lambda d, u, c: services.dispute_supervise(
            dispute_id=d.pk, actor=u, reason=_reason(c), expected_version=c["version"]
        ),
        button_class="button-secondary",
    ),
}
SLUGS = {spec.action: slug for slug, spec in ACTIONS.items()}


def _get_case(request, tracking_number):
    return get_object_or_404(
        selectors.dispute_detail_queryset(user=request.user), tracking_number=tracking_number
    )


def _action_label(value: str) -> str:
    try:
        return Action(value).label
    except ValueError:
        return value


def _parties_for(dispute, user) -> list:
    """The parties as this user may see them: a protected reporter (举报人) is shown without
    name, phone, ID number or address to those who may not know who reported."""
    parties = list(dispute.parties.order_by("side", "pk"))
    if not selectors.reporter_identity_visible(dispute, user):
        for party in parties:
            if party.side == PartySide.APPLICANT:
                party.identity_protected = True
                party.name = _("举报人（信息保密）")
                party.phone = party.id_number = party.address = ""
    return parties


def _auto_id(slug: str) -> str:
    """The case page holds one form per action: ids (and the labels pointing at them) must
    not collide, so each form's ids carry its action (id_dispatch-reason …)."""
    return f"id_{slug}-%s"


def _render_detail(
    request,
    dispute,
    *,
    bound_slug=None,
    bound_form=None,
    status=200,
    attachment_form=None,
    extra=None,
):
    sessions = selectors.case_sessions(dispute)
    events = selectors.case_events(dispute)
    try:
        agreement = dispute.agreement
    except Agreement.DoesNotExist:
        agreement = None
    action_forms = []
    for action in services.allowed_actions(dispute, request.user):
        slug = SLUGS.get(action)
        if slug is None or (action == Action.RECORD_PERFORMANCE and agreement is None):
            continue
        spec = ACTIONS[slug]
        form = (
            bound_form
            if slug == bound_slug
            else spec.form_class(dispute=dispute, user=request.user, auto_id=_auto_id(slug))
        )
        action_forms.append(
            {
                "slug": slug,
                "label": spec.label or action.label,
                "form": form,
                "button": spec.button_class,
            }
        )
    context = {
        "dispute": _with_flags(dispute),
        "past_deadline": dispute.past_deadline,
        "parties": _parties_for(dispute, request.user),
        "sessions": sessions.order_by("held_at"),
        "follow_ups": selectors.case_follow_ups(dispute),
        "agreement": agreement,
        "timeline": [(event, _action_label(event.action)) for event in events.order_by("seq")],
        "chain": verify_event_chain(dispute),
        "action_forms": action_forms,
        **_attachments_context(request, dispute, attachment_form),
        **_case_page_extras(request, dispute),
        **(extra or {}),
    }
    return render(request, "disputes/detail.html", context, status=status)


@require_GET
@login_required
def detail(request, tracking_number):
    """The case page: where it stands, who is involved, its history, and what the user may do
    now."""
    return _render_detail(request, _get_case(request, tracking_number))


@require_POST
@login_required
def act(request, tracking_number, action_slug):
    """One case action: the matching service with the version the user saw."""
    spec = ACTIONS.get(action_slug)
    if spec is None:
        raise Http404
    label = spec.label or spec.action.label
    dispute = _get_case(request, tracking_number)
    form = spec.form_class(
        request.POST, dispute=dispute, user=request.user, auto_id=_auto_id(action_slug)
    )
    if not form.is_valid():
        messages.error(
            request,
            _("“%(action)s”未执行，请按提示修改。") % {"action": label},
        )
        return _render_detail(request, dispute, bound_slug=action_slug, bound_form=form)
    data = form.cleaned_data
    try:
        spec.call(dispute, request.user, data)
    except services.DisputeError as error:
        messages.error(request, error.message)
        if error.field and error.field in form.fields and error.field != "version":
            form.add_error(error.field, error.message)
            return _render_detail(request, dispute, bound_slug=action_slug, bound_form=form)
    except ValidationError as error:
        for field, field_messages in getattr(error, "message_dict", {}).items():
            _add_error(form, field, field_messages)
        if not hasattr(error, "error_dict"):
            form.add_error(None, error.messages)
        messages.error(
            request,
            _("“%(action)s”未执行，请按提示修改。") % {"action": label},
        )
        return _render_detail(request, dispute, bound_slug=action_slug, bound_form=form)
    else:
        messages.success(request, _("已完成“%(action)s”。") % {"action": label})
    return redirect(dispute.get_absolute_url())


# --- Attachments ------------------------------------------------------------------------


def _attachments_context(request, dispute, form=None) -> dict:
    """The case page's attachments panel: the files, and the upload form when the user may
    attach one now (`form` is the rejected upload, with its errors)."""
    attachments = list(selectors.case_attachments(dispute))
    for attachment in attachments:
        known = FORMATS.get(attachment.content_type)
        attachment.type_label = known.label if known else attachment.content_type
    if not services.can_take(dispute, request.user, Action.ATTACH):
        form = None
    elif form is None:
        form = forms.AttachmentForm()
    return {"attachments": attachments, "attachment_form": form}


@require_POST
@login_required
def attachment_upload(request, tracking_number):
    """上传附件: the file goes to services.attachment_add; what is wrong with it is shown at the
    field, on the case page."""
    dispute = _get_case(request, tracking_number)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            attachment = services.attachment_add(
                dispute_id=dispute.pk,
                actor=request.user,
                file=data["file"],
                description=data["description"],
            )
        except services.DisputeError as error:
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect(dispute.get_absolute_url())
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request, _("已上传附件“%(name)s”。") % {"name": attachment.original_name}
            )
            return redirect(f"{dispute.get_absolute_url()}#attachments")
    messages.error(request, _("附件未上传，请按提示修改。"))
    return _render_detail(request, dispute, attachment_form=form)


# --- Printable agreement, revealing personal data, repeat petitions ---------------------

MASKS = {"phone": mask_phone, "id_number": mask_id_number}


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _case_page_extras(request, dispute) -> dict:
    """What the case page shows besides the case itself: whether the user may reveal full
    personal data (and print the agreement), and the applicant's other cases (重复信访)."""
    if selectors.reporter_identity_visible(dispute, request.user):
        warning = selectors.case_repeat_warning(user=request.user, dispute=dispute)
    else:  # the reporter's other cases would point at who reported
        warning = selectors.RepeatWarning(0, [])
    for case in warning.cases:
        _with_flags(case)
    return {
        "can_reveal_pii": services.can_take(dispute, request.user, Action.REVEAL_PII),
        "repeats": warning,
        "revealed": None,
        "reveal_error": None,
    }


def _refused(request, message: str, *, dispute=None) -> HttpResponse:
    """403 with the reason, on a page of its own (the case is in scope: no 404)."""
    context = {"message": message, "dispute": dispute}
    return render(request, "disputes/refused.html", context, status=403)


@require_GET
@login_required
@never_cache
def attachment_download(request, tracking_number, attachment_id):
    """附件下载, from a case the user may see (any other is a 404, like a missing file). Always
    a download, of the type recognised at upload: the browser must not sniff it, and should it
    be opened anyway it runs sandboxed (no scripts, no cookies of this site)."""
    attachment = get_object_or_404(
        selectors.attachment_queryset(user=request.user),
        dispute__tracking_number=tracking_number,
        pk=attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s: stored file %s is missing", attachment.pk, attachment.file)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@require_GET
@login_required
@never_cache
def agreement(request, tracking_number):
    """调解协议书 (or the record of an oral agreement) laid out for printing on A4. It names
    the parties in full, so only roles that may reveal personal data open it, and each
    opening is an audited event (the case's version is untouched)."""
    dispute = _get_case(request, tracking_number)
    if selectors.case_agreement(dispute=dispute) is None:
        raise Http404
    try:
        opened = services.agreement_print(dispute_id=dispute.pk, actor=request.user)
    except services.DisputePermissionError as error:
        return _refused(request, error.message, dispute=dispute)
    except services.DisputeTransitionError as error:
        raise Http404 from error
    parties = _parties_for(dispute, request.user)
    context = {
        "dispute": dispute,
        "agreement": opened,
        "number": services.agreement_number(tracking_number=dispute.tracking_number),
        "parties": parties,
        # One copy for each party and one kept by the committee [TJ 29].
        "copies": len(parties) + 1,
    }
    return render(request, "disputes/agreement.html", context)


@require_POST
@login_required
@never_cache
def reveal(request, tracking_number, party_id, field):
    """显示: a party's full phone or ID number, for this response only, with a reason (the
    service writes the audit event). htmx gets the table cell back; a plain POST gets the
    case page with the value shown. Nothing is kept: a reload shows the masked value."""
    if field not in REVEALABLE_FIELDS:
        raise Http404
    dispute = _get_case(request, tracking_number)
    party = get_object_or_404(dispute.parties, pk=party_id)
    form = forms.RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            value = services.party_reveal(
                party_id=party.pk,
                actor=request.user,
                field=field,
                reason=form.cleaned_data["reason"],
            )
        except services.DisputePermissionError as error:
            return _reveal_refused(request, dispute, party, field, error.message)
        except services.DisputeError as error:
            form.add_error("reason", error.message)
        else:
            revealed = {"party_id": party.pk, "field": field, "value": value}
    elif not services.can_take(dispute, request.user, Action.REVEAL_PII):
        message = _("您的岗位无权对该案件执行“%(action)s”。") % {"action": Action.REVEAL_PII.label}
        return _reveal_refused(request, dispute, party, field, message)
    reveal_error = None if revealed else {"party_id": party.pk, "field": field, "form": form}
    if _is_htmx(request):
        context = {
            **_pii_cell(dispute, party, field),
            "can_reveal_pii": True,
            "revealed": revealed,
            "reveal_error": reveal_error,
        }
        response = render(request, "disputes/_party_pii.html", context)
    else:
        extra = {"revealed": revealed, "reveal_error": reveal_error}
        response = _render_detail(request, dispute, extra=extra)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _pii_cell(dispute, party, field: str) -> dict:
    value = getattr(party, field)
    return {
        "dispute": dispute,
        "party": party,
        "field": field,
        "masked": MASKS[field](value),
        "has_value": bool(value),
    }


def _reveal_refused(request, dispute, party, field: str, message: str) -> HttpResponse:
    if _is_htmx(request):
        context = {**_pii_cell(dispute, party, field), "refusal": message}
        response = render(request, "disputes/_party_pii.html", context, status=403)
    else:
        response = _refused(request, message, dispute=dispute)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@login_required
def intake_repeats(request):
    """The intake desk's repeat-petition warning (htmx, as the applicant's phone or ID number
    is typed): the applicant's cases in the user's scope that are open or from the last 90
    days. Empty when there are none or nothing well-formed was typed (then nothing is
    queried). A POST, so that phones and ID numbers stay out of URLs and access logs."""
    if not forms.intake_centers(request.user).exists():
        return _refused(request, _("您在任何中心都没有可登记纠纷的岗位，请联系管理员。"))
    phones, id_numbers = forms.applicant_identifiers(request.POST)
    if not phones and not id_numbers:
        return HttpResponse("")
    warning = selectors.repeat_warning(user=request.user, phones=phones, id_numbers=id_numbers)
    for case in warning.cases:
        _with_flags(case)
    return render(request, "disputes/_repeat_warning.html", {"repeats": warning})
