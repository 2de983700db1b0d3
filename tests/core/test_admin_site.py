"""The admin site's frame: the service has no public site to link to."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_offers_no_view_site_link(recruiter_client):
    response = recruiter_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "View site" not in response.content.decode()


def _index_apps(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.context["app_list"]


def test_the_project_apps_come_first_in_the_order_of_the_day(superuser, client):
    client.force_login(superuser)

    labels = [app["app_label"] for app in _index_apps(client)]

    assert labels[:5] == ["rubrics", "screening", "calibration", "reports", "core"]
    assert labels.index("django_celery_beat") > labels.index("reports")


def test_recruiters_find_the_ranking_on_the_index_before_the_applications(recruiter_client):
    screening = next(a for a in _index_apps(recruiter_client) if a["app_label"] == "screening")
    names = [m["name"] for m in screening["models"]]

    assert names.index("Ranking") == names.index("Applications") - 1
    ranking = screening["models"][names.index("Ranking")]
    assert ranking["admin_url"] == reverse("admin:screening_application_ranking")
    page = recruiter_client.get(reverse("admin:index")).content.decode()
    assert f'href="{ranking["admin_url"]}"' in page


def test_reviewers_are_not_shown_the_ranking(reviewer_client):
    apps = _index_apps(reviewer_client)
    names = [m["name"] for app in apps for m in app["models"]]

    assert "Ranking" not in names
    assert "My reviews" in names
