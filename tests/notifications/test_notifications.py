"""The staff inbox and its unread count, e-mail and SMS delivery from the outbox (each
message sent once, failures retried, then left with their error), and dead letters."""

import json

import pytest
from celery import shared_task
from django.core import mail
from django.urls import reverse

from governance.models import TaskFailure
from governance.tasks import ReliableTask
from notifications.models import Notification, SmsMessage
from notifications.services import (
    SMS_MAX_ATTEMPTS,
    emails_deliver,
    notify,
    sms_deliver,
    sms_queue,
)
from notifications.sms import BaseSmsBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class BrokenGateway(BaseSmsBackend):
    def send(self, *, phone, body):
        raise ConnectionError("gateway down")


def test_unread_count_in_the_header_and_opening_marks_read(client):
    user = UserFactory(email="")
    other = UserFactory()
    [mine] = notify([user], kind="test", title="到期预警：测试", url="/disputes/")
    notify([other], kind="test", title="别人的消息")
    client.force_login(user)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="unread-count"' in page and "到期预警：测试" in page
    assert "别人的消息" not in page
    response = client.post(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response.url == "/disputes/"
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert 'data-testid="unread-count"' not in page
    theirs = Notification.objects.get(recipient=other)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404


def test_an_outside_link_is_never_followed(client):
    user = UserFactory()
    [item] = notify([user], kind="test", title="t", url="https://evil.example/")
    client.force_login(user)
    response = client.post(reverse("notifications:open", args=[item.pk]))
    assert response.url == reverse("notifications:inbox")


def test_mark_all_read(client):
    user = UserFactory()
    notify([user], kind="a", title="一")
    notify([user], kind="b", title="二")
    client.force_login(user)
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_each_recipient_once_and_inactive_people_skipped():
    user = UserFactory()
    gone = UserFactory(is_active=False)
    rows = notify([user, user, gone, None], kind="x", title="t")
    assert [row.recipient for row in rows] == [user]


def test_emails_are_sent_once_to_those_with_an_address():
    with_mail = UserFactory(email="staff@example.cn")
    without = UserFactory(email="")
    notify([with_mail, without], kind="x", title="超期：420602001008-2026-00001", url="/d/")
    assert emails_deliver() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["staff@example.cn"]
    assert "/d/" in mail.outbox[0].body
    assert emails_deliver() == 0  # nothing sent twice
    assert Notification.objects.get(recipient=with_mail).emailed_at is not None


def test_sms_through_the_file_backend(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    sms_queue(phone="13907101234", body="【檀溪社区】请评价", kind="follow_up")
    assert sms_queue(phone="", body="x", kind="x") is None
    assert sms_deliver() == 1
    [written] = tmp_path.iterdir()
    assert json.loads(written.read_text(encoding="utf-8")) == {
        "phone": "13907101234",
        "body": "【檀溪社区】请评价",
    }
    assert sms_deliver() == 0


def test_sms_failures_are_retried_then_left_with_their_error(settings):
    settings.SMS_BACKEND = f"{__name__}.BrokenGateway"
    message = sms_queue(phone="13907101234", body="x", kind="follow_up")
    for _ in range(SMS_MAX_ATTEMPTS + 2):
        assert sms_deliver() == 0
    message.refresh_from_db()
    assert message.attempts == SMS_MAX_ATTEMPTS and message.sent_at is None
    assert message.last_error == "gateway down"
    assert SmsMessage.objects.filter(sent_at__isnull=True).count() == 1


@shared_task(base=ReliableTask, name="tests.always_fails", max_retries=0)
def always_fails(case_id):
    raise ValueError(f"case {case_id} is broken")


def test_a_task_that_keeps_failing_leaves_a_dead_letter():
    result = always_fails.apply(args=[42])
    assert result.failed()
    failure = TaskFailure.objects.get()
    assert failure.task_name == "tests.always_fails"
    assert failure.args == [42]
    assert "case 42 is broken" in failure.error and "ValueError" in failure.traceback
