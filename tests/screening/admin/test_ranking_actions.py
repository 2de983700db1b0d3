"""The ranking's sorting (Django's convention, arrows, a rank that stays with its
application) and the bulk actions on applications — "Move to stage…", "Reject" and
"Assign reviewers…" — from the applications list and from the ranking."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertTemplateUsed

from core.models import AuditEvent
from screening.models import Application, ReviewAssignment
from tests.factories import ApplicationFactory, CandidateFactory, ReviewerFactory
from tests.support import messages_of, table_rows

pytestmark = pytest.mark.django_db

RANKING = reverse("admin:screening_application_ranking")
CHANGELIST = reverse("admin:screening_application_changelist")


def names_and_ranks(response) -> list[tuple[str, str]]:
    return [(row[1], row[0]) for row in table_rows(response, "ranking")]


def stages(ranking) -> dict[str, str]:
    return {
        name: Application.objects.get(candidate__full_name=name).stage
        for name in ("Ada Lovelace", "Charles Babbage", "Dorothy Vaughan")
    }


# --- Sorting ----------------------------------------------------------------------------


def test_ranking_is_best_first_by_default_with_the_score_column_marked(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert names_and_ranks(response) == [
        ("Charles Babbage", "1"),
        ("Ada Lovelace", "2"),
        ("Dorothy Vaughan", "3"),
    ]
    headers = response.context["headers"]
    assert headers["score"]["sorted"] == "descending"
    # Clicking the sorted column reverses it; the others start at their natural direction.
    assert headers["score"]["href"].endswith("order=score")
    assert headers["adjusted"]["href"].endswith("order=-adjusted")
    assert headers["submitted"]["href"].endswith("order=-submitted")
    assert headers["name"]["href"].endswith("order=name")
    assertContains(
        response,
        f'<th class="num sorted descending" aria-sort="descending"><a href="?posting='
        f'{ranking.posting.pk}&amp;stage=&amp;must_haves=&amp;order=score">Score</a></th>',
        html=True,
    )


def test_ranking_by_score_ascending_keeps_each_rank(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"order": "score"})

    assert names_and_ranks(response) == [
        ("Ada Lovelace", "2"),
        ("Charles Babbage", "1"),
        ("Dorothy Vaughan", "3"),
    ]
    assert response.context["headers"]["score"]["sorted"] == "ascending"
    assert response.context["headers"]["score"]["href"].endswith("order=-score")


def test_ranking_by_name_keeps_each_rank(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"order": "name"})

    assert names_and_ranks(response) == [
        ("Ada Lovelace", "2"),
        ("Charles Babbage", "1"),
        ("Dorothy Vaughan", "3"),
    ]
    assert response.context["headers"]["name"]["sorted"] == "ascending"
    assert response.context["headers"]["score"]["sorted"] is None


def test_ranking_by_name_descending(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"order": "-name"})

    assert [name for name, _ in names_and_ranks(response)] == [
        "Dorothy Vaughan",
        "Charles Babbage",
        "Ada Lovelace",
    ]


@pytest.mark.parametrize("order", ["best", "--score", "score;drop"])
def test_ranking_with_an_unknown_order_is_best_first(recruiter_client, ranking, order):
    response = recruiter_client.get(RANKING, {"order": order})

    assert response.status_code == 200
    assert response.context["order"] == "-score"
    assert names_and_ranks(response)[0] == ("Charles Babbage", "1")


def test_ranking_csv_is_best_first_whatever_the_pages_sort(recruiter_client, ranking):
    response = recruiter_client.get(RANKING, {"order": "name", "format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [(row[0], row[3]) for row in rows[1:]] == [
        ("1", "Charles Babbage"),
        ("2", "Ada Lovelace"),
        ("3", "Dorothy Vaughan"),
    ]


def test_ranking_legend_explains_the_rank_and_the_arrows(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    legend = response.content.decode().split('id="ranking-legend"')[1]
    assert "stays with the" in legend
    assert "▼ marks highest" in legend


# --- Bulk actions on the applications list ---------------------------------------------------


def run(client, action, applications, url=CHANGELIST, **extra):
    return client.post(
        url,
        {"action": action, "_selected_action": [a.pk for a in applications], **extra},
    )


def test_move_to_stage_first_asks_for_the_stage(recruiter_client, ranking):
    response = run(recruiter_client, "move_to_stage", [ranking.ada, ranking.dorothy])

    assert response.status_code == 200
    assertTemplateUsed(response, "admin/screening/application/stage.html")
    assert [a.candidate.full_name for a in response.context["applications"]] == [
        "Ada Lovelace",
        "Dorothy Vaughan",
    ]
    assert Application.objects.filter(stage="interview").count() == 1  # Charles only


def test_move_to_stage_moves_every_chosen_application_with_an_audit_event(
    recruiter_client, recruiter, ranking
):
    response = run(
        recruiter_client,
        "move_to_stage",
        [ranking.ada, ranking.dorothy],
        stage="offer",
        _move="Move",
    )

    assert response.status_code == 302
    assert stages(ranking) == {
        "Ada Lovelace": "offer",
        "Charles Babbage": "interview",
        "Dorothy Vaughan": "offer",
    }
    events = AuditEvent.objects.filter(event="application.stage_changed")
    assert sorted((e.object_id, e.changes["stage"][1], e.actor_id) for e in events) == sorted(
        [
            (str(ranking.ada.pk), "offer", recruiter.pk),
            (str(ranking.dorothy.pk), "offer", recruiter.pk),
        ]
    )
    response = recruiter_client.get(CHANGELIST)
    assert messages_of(response) == [
        ("success", "Moved 2 applications to Offer: Ada Lovelace and Dorothy Vaughan.")
    ]


def test_move_to_stage_says_which_were_already_there(recruiter_client, ranking):
    run(
        recruiter_client,
        "move_to_stage",
        [ranking.ada, ranking.charles],
        stage="interview",
        _move="Move",
    )

    response = recruiter_client.get(CHANGELIST)
    assert messages_of(response) == [
        ("success", "Moved 1 application to Interview: Ada Lovelace."),
        ("info", "1 application already at Interview: left as it was."),
    ]


def test_move_to_stage_without_a_stage_shows_the_form_again(recruiter_client, ranking):
    response = run(recruiter_client, "move_to_stage", [ranking.ada], _move="Move")

    assert response.status_code == 200
    assert response.context["form"].errors == {"stage": ["This field is required."]}
    assertContains(response, "Please correct the error below.")


def test_move_to_stage_with_an_unknown_stage_is_a_form_error(recruiter_client, ranking):
    response = run(recruiter_client, "move_to_stage", [ranking.ada], stage="archived", _move="1")

    assert response.status_code == 200
    assert "stage" in response.context["form"].errors
    assert ranking.ada.stage == Application.objects.get(pk=ranking.ada.pk).stage


def test_move_to_stage_is_all_or_nothing(recruiter_client, ranking, monkeypatch):
    from screening import services

    real = services.application_set_stage
    calls = []

    def fails_on_the_second(**kwargs):
        calls.append(kwargs["application"].pk)
        if len(calls) == 2:
            raise services.ValidationError({"stage": "The database refused."})
        return real(**kwargs)

    monkeypatch.setattr(services, "application_set_stage", fails_on_the_second)

    run(
        recruiter_client,
        "move_to_stage",
        [ranking.ada, ranking.dorothy],
        stage="offer",
        _move="Move",
    )

    assert len(calls) == 2
    assert stages(ranking)["Ada Lovelace"] == "screening"
    assert stages(ranking)["Dorothy Vaughan"] == "screening"
    assert not AuditEvent.objects.filter(event="application.stage_changed").exists()
    response = recruiter_client.get(CHANGELIST)
    assert messages_of(response) == [("error", "Nothing was moved: The database refused.")]


def test_reject_rejects_at_once(recruiter_client, ranking):
    response = run(recruiter_client, "reject", [ranking.ada, ranking.charles])

    assert response.status_code == 302
    assert stages(ranking) == {
        "Ada Lovelace": "rejected",
        "Charles Babbage": "rejected",
        "Dorothy Vaughan": "screening",
    }
    assert messages_of(recruiter_client.get(CHANGELIST)) == [
        ("success", "Moved 2 applications to Rejected: Ada Lovelace and Charles Babbage.")
    ]


def test_changelist_offers_the_three_actions(recruiter_client, ranking):
    response = recruiter_client.get(CHANGELIST)

    offered = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert {"assign_reviewers", "move_to_stage", "reject"} <= set(offered)


def test_assign_form_looks_like_an_admin_form(recruiter_client, ranking):
    ReviewerFactory(username="alan", first_name="Alan", last_name="Turing")

    response = run(recruiter_client, "assign_reviewers", [ranking.ada])

    assertContains(response, '<fieldset class="module aligned">', html=False)
    assertContains(response, 'type="checkbox" name="reviewers"', html=False)
    assertContains(response, 'class="vDateField"', html=False)
    assertContains(response, "admin/js/admin/DateTimeShortcuts.js", html=False)
    assertContains(
        response, '<input type="submit" name="_assign" value="Assign reviewers"', html=False
    )
    assertContains(
        response, f'<a href="{CHANGELIST}" class="button cancel-link">Cancel</a>', html=True
    )


# --- Bulk actions from the ranking -----------------------------------------------------------


def ranking_url(ranking, **params):
    query = "&".join(f"{k}={v}" for k, v in {"posting": ranking.posting.pk, **params}.items())
    return f"{RANKING}?{query}"


def test_ranking_offers_the_three_actions_and_a_checkbox_per_row(recruiter_client, ranking):
    response = recruiter_client.get(RANKING)

    assert [name for name, _ in response.context["actions"]] == [
        "assign_reviewers",
        "move_to_stage",
        "reject",
    ]
    for application in (ranking.ada, ranking.charles, ranking.dorothy):
        assertContains(
            response, f'name="_selected_action" value="{application.pk}"', count=1, html=False
        )
    assertContains(response, 'name="csrfmiddlewaretoken"', html=False)


def test_reject_from_the_ranking_comes_back_to_the_ranking(recruiter_client, ranking):
    url = ranking_url(ranking, order="name")

    response = run(recruiter_client, "reject", [ranking.dorothy], url=url)

    assert (response.status_code, response["Location"]) == (302, url)
    assert stages(ranking)["Dorothy Vaughan"] == "rejected"
    assert messages_of(recruiter_client.get(url)) == [
        ("success", "Moved 1 application to Rejected: Dorothy Vaughan.")
    ]


def test_move_to_stage_from_the_ranking_asks_then_comes_back(recruiter_client, ranking):
    url = ranking_url(ranking)

    page = run(recruiter_client, "move_to_stage", [ranking.ada, ranking.dorothy], url=url)
    assert page.status_code == 200
    assertContains(page, f'<a href="{url}" class="button cancel-link">Cancel</a>', html=True)
    # The form has no action: it posts back to the ranking's URL, filters and all.
    assertContains(page, '<form method="post" novalidate>', html=False)
    response = run(
        recruiter_client,
        "move_to_stage",
        [ranking.ada, ranking.dorothy],
        url=url,
        stage="interview",
        _move="Move",
    )

    assert (response.status_code, response["Location"]) == (302, url)
    assert stages(ranking) == {
        "Ada Lovelace": "interview",
        "Charles Babbage": "interview",
        "Dorothy Vaughan": "interview",
    }


def test_assign_reviewers_from_the_ranking(recruiter_client, ranking):
    alan = ReviewerFactory(username="alan", first_name="Alan", last_name="Turing")
    url = ranking_url(ranking)

    response = run(
        recruiter_client,
        "assign_reviewers",
        [ranking.dorothy],
        url=url,
        reviewers=[alan.pk],
        _assign="Assign reviewers",
    )

    assert (response.status_code, response["Location"]) == (302, url)
    assert ReviewAssignment.objects.filter(application=ranking.dorothy, reviewer=alan).exists()


def test_ranking_action_without_a_tick_changes_nothing(recruiter_client, ranking):
    url = ranking_url(ranking)

    response = recruiter_client.post(url, {"action": "reject"})

    assert (response.status_code, response["Location"]) == (302, url)
    assert set(stages(ranking).values()) == {"screening", "interview"}
    assert messages_of(recruiter_client.get(url)) == [
        ("warning", "Tick the applications to act on first; nothing was changed.")
    ]


def test_ranking_action_unknown_is_refused_with_a_message(recruiter_client, ranking):
    url = ranking_url(ranking)

    response = run(recruiter_client, "delete_selected", [ranking.ada], url=url)

    assert response.status_code == 302
    assert Application.objects.filter(pk=ranking.ada.pk).exists()
    assert messages_of(recruiter_client.get(url)) == [("warning", "Choose an action.")]


def test_ranking_action_ignores_applications_of_another_posting(recruiter_client, ranking):
    other = ApplicationFactory(candidate=CandidateFactory(full_name="Mary Jackson"))

    run(recruiter_client, "reject", [ranking.ada, other], url=ranking_url(ranking))

    assert Application.objects.get(pk=other.pk).stage == "screening"
    assert Application.objects.get(pk=ranking.ada.pk).stage == "rejected"


def test_ranking_action_is_refused_to_a_reviewer(client, ranking):
    client.force_login(ReviewerFactory())

    response = run(client, "reject", [ranking.ada], url=ranking_url(ranking))

    assert response.status_code == 403
    assert Application.objects.get(pk=ranking.ada.pk).stage == "screening"


def test_ranking_action_needs_the_csrf_token(recruiter, ranking):
    client = Client(enforce_csrf_checks=True)
    client.force_login(recruiter)

    response = run(client, "reject", [ranking.ada], url=ranking_url(ranking))

    assert response.status_code == 403
    assert Application.objects.get(pk=ranking.ada.pk).stage == "screening"
