"""The admin site's frame: the service has no public site to link to."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_offers_no_view_site_link(recruiter_client):
    response = recruiter_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "View site" not in response.content.decode()
