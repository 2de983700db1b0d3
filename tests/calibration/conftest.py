"""The world the calibration API and admin tests share: a published rubric scored
by three reviewers, one of them lenient, and a calibration run over it."""

from types import SimpleNamespace

import pytest

from calibration.services import calibration_run
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    ReviewerFactory,
    assign_and_submit,
    published_rubric,
)


@pytest.fixture
def world():
    """A published 1–4 rubric scored by three reviewers on 30 applications:
    Ada scores each application's quality (1–3) on every criterion, Ben now
    and then one level nearer the middle, Cleo one level higher than Ada
    (flagged lenient). Xavier (3s from Ada and Ben) and Yusuf (3s from Ada,
    4s from Cleo) are equally good; only Yusuf drew the lenient reviewer."""
    rubric = published_rubric()
    criteria = list(rubric.criteria.order_by("order", "id"))
    ada, ben, cleo = (
        ReviewerFactory(username=name, first_name=name.title(), last_name="Tester")
        for name in ("ada", "ben", "cleo")
    )
    for i in range(30):
        application = ApplicationFactory(rubric=rubric)
        base = [1 + i % 3] * 3
        assign_and_submit(application, ada, criteria, base)
        nearer_middle = 2 if i % 2 == 0 and base[0] != 2 else base[0]
        assign_and_submit(application, ben, criteria, [nearer_middle, *base[1:]])
        assign_and_submit(application, cleo, criteria, [v + 1 for v in base])
    xavier = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Xavier"))
    yusuf = ApplicationFactory(rubric=rubric, candidate=CandidateFactory(full_name="Yusuf"))
    assign_and_submit(xavier, ada, criteria, [3, 3, 3])
    assign_and_submit(xavier, ben, criteria, [3, 3, 3])
    assign_and_submit(yusuf, ada, criteria, [3, 3, 3])
    assign_and_submit(yusuf, cleo, criteria, [4, 4, 4])
    return SimpleNamespace(
        rubric=rubric,
        criteria=criteria,
        ada=ada,
        ben=ben,
        cleo=cleo,
        xavier=xavier,
        yusuf=yusuf,
    )


@pytest.fixture
def run(world):
    return calibration_run(rubric_id=world.rubric.pk)
