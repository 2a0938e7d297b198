"""Two people act on one case at the same moment: exactly one wins, the other gets a clear
conflict. Needs real row locks, so it runs on PostgreSQL."""

import threading

import pytest
from django.db import connection, connections

from disputes.choices import Status
from disputes.models import CaseEvent, Dispute
from disputes.selectors import verify_event_chain
from disputes.services import DisputeError, dispute_accept, dispute_not_accept

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter here"
)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_actions_one_wins(register, people):
    case = register().dispute
    barrier = threading.Barrier(2)
    outcomes = []

    def act(fn, **kwargs):
        try:
            barrier.wait(timeout=10)
            fn(dispute_id=case.pk, **kwargs)
            outcomes.append("won")
        except DisputeError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=act, args=(dispute_accept,), kwargs={"actor": people.village_mediator}
        ),
        threading.Thread(
            target=act,
            args=(dispute_not_accept,),
            kwargs={"actor": people.township_staff, "route": "属劳动仲裁范围"},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("won") == 1, outcomes
    loser = next(o for o in outcomes if o != "won")
    assert "不能执行" in loser
    final = Dispute.objects.get(pk=case.pk)
    assert final.status in {Status.ACCEPTED, Status.NOT_ACCEPTED}
    assert CaseEvent.objects.filter(dispute=case).count() == 2
    assert verify_event_chain(final).ok
