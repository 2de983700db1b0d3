"""The world the rubrics API tests share: a posting with a published v1 and a
draft v2, and a posting with no rubric."""

from types import SimpleNamespace

import pytest

from rubrics.models import Rubric
from tests.factories import JobPostingFactory, rubric_with_criteria


@pytest.fixture
def world():
    """A posting with a published v1 and a draft v2, and a posting with no rubric."""
    posting = JobPostingFactory(title="Field Service Technician")
    return SimpleNamespace(
        posting=posting,
        bare_posting=JobPostingFactory(title="Biomedical Engineer"),
        published=rubric_with_criteria(posting=posting, version=1, state=Rubric.State.PUBLISHED),
        draft=rubric_with_criteria(posting=posting, version=2),
    )
