import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import TrialRequest
from tests.community.conftest import next_weekday, run_at_once
from tests.factories import MemberFactory, SpaceFactory


def trial_data(**changes) -> dict:
    return {
        "name": "Sophie Lambert",
        "email": "sophie@example.org",
        "date": next_weekday(0).isoformat(),
        "message": "Graphiste, je travaille seule chez moi.",
        **changes,
    }


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_never_exceed_the_daily_capacity():
    space = SpaceFactory(trial_capacity=2)
    monday = next_weekday(0)

    def ask(n: int):
        return lambda: services.trial_request_create(
            space=space, name=f"Visitor {n}", email=f"v{n}@example.org", date=monday, ip=f"10.0.0.{n}"
        )

    results = run_at_once([ask(n) for n in range(6)])

    created = [r for r in results if isinstance(r, TrialRequest)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 2
    assert len(refused) == 4, results
    assert all(error.error_dict["date"][0].code == "full" for error in refused)
    assert TrialRequest.objects.filter(space=space, date=monday).count() == 2
