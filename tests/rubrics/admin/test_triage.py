"""Triage in the admin: the posting page's "Generate rubric" button, the warnings and the
posting beside the criteria on a rubric's page, and the one-click triage of a draft (make
a criterion a must-have, a bonus or a screening question, drop it, add one from a span of
the posting), driven through the test client as a recruiter, a reviewer and a visitor."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from rubrics.models import Criterion, Rubric
from rubrics.parsing import PostingParseError, parse_posting
from tests.factories import (
    CriterionFactory,
    JobPostingFactory,
    RecruiterFactory,
    RubricFactory,
    rubric_with_criteria,
)
from tests.support import change_url, form_data, messages_of

pytestmark = pytest.mark.django_db
D = Decimal

# Our own posting: a requirement list with a bonus, prose that reads like a requirement
# but sits in no list, a non-ASCII title (offsets count characters, not bytes or UTF-16).
POSTING = (
    "Bakery Shift Lead 🥐\n"
    "\n"
    "About us\n"
    "We bake bread for twelve cafés across the city.\n"
    "\n"
    "Requirements\n"
    "- Baking: Two years in a commercial bakery.\n"
    "- Food safety: A Level 2 food hygiene certificate.\n"
    "- Nice to have: Experience with sourdough starters.\n"
    "\n"
    "You will need to start at 4 a.m. on weekends.\n"
)
NO_REQUIREMENTS = "We are a friendly team.\n\nBenefits\n- Free lunch.\n"
NOT_EDITABLE = (
    "This rubric is no longer a draft, so it cannot be changed. "
    "Clone it to a new draft version to edit it."
)
UNCOVERED_MESSAGE = "Requirement-like prose that no criterion covers."


# --- Helpers ----------------------------------------------------------------


def span_of(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def generate_url(posting) -> str:
    return reverse("admin:rubrics_jobposting_generate", args=[posting.pk])


def kind_url(criterion) -> str:
    return reverse("admin:rubrics_rubric_criterion_kind", args=[criterion.rubric_id, criterion.pk])


def drop_url(criterion) -> str:
    return reverse("admin:rubrics_rubric_criterion_drop", args=[criterion.rubric_id, criterion.pk])


def add_url(rubric) -> str:
    return reverse("admin:rubrics_rubric_add_from_posting", args=[rubric.pk])


def weights(rubric) -> list[tuple[str, str, Decimal]]:
    return list(rubric.criteria.order_by("order", "id").values_list("title", "kind", "weight"))


def total_weight(rubric) -> Decimal:
    return sum((w for _, _, w in weights(rubric)), D(0))


def bakery_rubric(*, raw_text: str = POSTING, state: str = Rubric.State.DRAFT) -> Rubric:
    """A draft as generation would leave it: two must-haves and a bonus with their source
    spans, and a note about the prose no criterion covers."""
    rubric = RubricFactory(posting=JobPostingFactory(title="Bakery Shift Lead", raw_text=raw_text))
    for order, (kind, title, phrase, weight) in enumerate(
        [
            ("must_have", "Baking", "Baking: Two years in a commercial bakery.", D("37.50")),
            (
                "must_have",
                "Food safety",
                "Food safety: A Level 2 food hygiene certificate.",
                D("37.50"),
            ),
            ("bonus", "Sourdough", "Experience with sourdough starters.", D("25.00")),
        ],
        start=1,
    ):
        start, end = span_of(raw_text, phrase)
        CriterionFactory(
            rubric=rubric,
            kind=kind,
            title=title,
            description=phrase,
            weight=weight,
            order=order,
            source_start=start,
            source_end=end,
        )
    rubric.generation_notes = [
        {
            "code": "uncovered_requirement",
            "message": UNCOVERED_MESSAGE,
            "span": list(span_of(raw_text, "You will need to start at 4 a.m. on weekends.")),
        }
    ]
    rubric.save(update_fields=["generation_notes"])
    if state != Rubric.State.DRAFT:
        Rubric.objects.filter(pk=rubric.pk).update(state=state)
        rubric.refresh_from_db()
    return rubric


def criterion(rubric, title: str) -> Criterion:
    return rubric.criteria.get(title=title)


class _PostingPanel(HTMLParser):
    """The segments of the posting panel (#posting-text): tag, attributes, text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.segments: list[dict] = []
        self.stray_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0 and attrs.get("id") == "posting-text":
            self.depth = 1
            self.length = int(attrs["data-length"])
        elif self.depth:
            self.depth += 1
            self.segments.append({"tag": tag, **attrs, "text": ""})

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth == 2:
            self.segments[-1]["text"] += data
        elif self.depth == 1:
            self.stray_text += data


def posting_panel(response) -> _PostingPanel:
    parser = _PostingPanel()
    parser.feed(response.content.decode())
    assert parser.segments or parser.length == 0, "No posting panel on the page."
    return parser


# --- The posting page: "Generate rubric" ------------------------------------


def test_posting_page_offers_the_generate_button(recruiter_client):
    posting = JobPostingFactory()

    response = recruiter_client.get(change_url(posting))

    assertContains(
        response, f'<form method="post" action="{generate_url(posting)}" class="generate-rubric">'
    )
    assertContains(response, "Generate rubric</button>")


def test_posting_page_offers_no_generate_button_to_a_reviewer(reviewer_client):
    posting = JobPostingFactory()

    response = reviewer_client.get(change_url(posting))

    assert response.status_code == 200
    assertNotContains(response, generate_url(posting))


def test_generate_button_creates_a_draft_and_opens_it(recruiter_client, recruiter):
    posting = JobPostingFactory()

    response = recruiter_client.post(generate_url(posting))

    rubric = Rubric.objects.get(posting=posting)
    assert (rubric.state, rubric.version, rubric.created_by) == ("draft", 1, recruiter)
    assert response.status_code == 302
    assert response["Location"] == change_url(rubric)
    assert messages_of(response) == [
        (
            "success",
            f'Generated <a href="{change_url(rubric)}">draft v1</a>. '
            "Triage its criteria beside the posting, then publish.",
        )
    ]
    assert rubric.criteria.exists()


def test_generate_button_on_a_posting_without_requirements_says_why(recruiter_client):
    posting = JobPostingFactory(raw_text=NO_REQUIREMENTS)
    with pytest.raises(PostingParseError) as parse_error:
        parse_posting(NO_REQUIREMENTS)

    response = recruiter_client.post(generate_url(posting))

    assert response.status_code == 302
    assert response["Location"] == change_url(posting)
    assert messages_of(response) == [("error", f"No rubric generated: {parse_error.value}")]
    assert not Rubric.objects.exists()


def test_generate_url_answers_get_with_405(recruiter_client):
    posting = JobPostingFactory()

    response = recruiter_client.get(generate_url(posting))

    assert response.status_code == 405
    assert not Rubric.objects.exists()


def test_generate_button_is_forbidden_to_a_reviewer(reviewer_client):
    posting = JobPostingFactory()

    response = reviewer_client.post(generate_url(posting))

    assert response.status_code == 403
    assert not Rubric.objects.exists()


def test_generate_url_of_an_unknown_posting_is_404(recruiter_client):
    assert (
        recruiter_client.post(reverse("admin:rubrics_jobposting_generate", args=[999])).status_code
        == 404
    )


def test_generate_url_sends_a_visitor_to_the_login_page(client):
    posting = JobPostingFactory()

    response = client.post(generate_url(posting))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not Rubric.objects.exists()


def test_generate_action_links_the_new_draft(recruiter_client):
    posting = JobPostingFactory(title="Night Baker")

    response = recruiter_client.post(
        reverse("admin:rubrics_jobposting_changelist"),
        {"action": "generate_rubric", "_selected_action": [posting.pk]},
    )

    rubric = Rubric.objects.get()
    assert messages_of(response) == [
        (
            "success",
            "Generated 1 draft rubric. Review the criteria, then publish: "
            f'<a href="{change_url(rubric)}">Night Baker — v1 (draft)</a>',
        )
    ]


def test_clone_action_links_the_new_draft(recruiter_client):
    source = rubric_with_criteria(
        state=Rubric.State.PUBLISHED, version=3, posting=JobPostingFactory(title="Night Baker")
    )

    response = recruiter_client.post(
        reverse("admin:rubrics_rubric_changelist"),
        {"action": "clone", "_selected_action": [source.pk]},
    )

    clone = Rubric.objects.exclude(pk=source.pk).get()
    assert messages_of(response) == [
        (
            "success",
            f'Cloned to a new draft: <a href="{change_url(clone)}">Night Baker — v4 (draft)</a>',
        )
    ]


# --- The rubric page: warnings ------------------------------------------------


def test_rubric_page_lists_the_warnings_with_criterion_and_span(recruiter_client):
    rubric = bakery_rubric()
    baking = criterion(rubric, "Baking")
    uncovered = span_of(POSTING, "You will need to start at 4 a.m. on weekends.")
    rubric.generation_notes += [
        {"code": "low_confidence", "message": "Read with low confidence.", "criterion": baking.pk}
    ]
    rubric.save(update_fields=["generation_notes"])

    response = recruiter_client.get(change_url(rubric))

    assertContains(response, "Check before publishing (2)")
    assertContains(
        response,
        f"{UNCOVERED_MESSAGE}\n        "
        f'<a class="show-in-posting" href="#posting-at-{uncovered[0]}" '
        f'data-start="{uncovered[0]}">show in posting</a>',
        html=False,
    )
    assertContains(
        response,
        f'<a class="warning-criterion" href="#criterion-card-{baking.pk}">Baking</a>: '
        "Read with low confidence.",
    )
    # The link's target: the segment that starts where the prose starts.
    segments = {s["data-start"]: s for s in posting_panel(response).segments}
    assert segments[str(uncovered[0])]["id"] == f"posting-at-{uncovered[0]}"


def test_rubric_page_drops_a_note_about_a_criterion_that_was_dropped(recruiter_client):
    rubric = bakery_rubric()
    sourdough = criterion(rubric, "Sourdough")
    rubric.generation_notes = [
        {
            "code": "low_confidence",
            "message": "Read with low confidence.",
            "criterion": sourdough.pk,
        }
    ]
    rubric.save(update_fields=["generation_notes"])
    recruiter_client.post(drop_url(sourdough))

    response = recruiter_client.get(change_url(rubric))

    assertNotContains(response, "Read with low confidence.")
    assertNotContains(response, 'id="rubric-warnings"')


def test_rubric_page_shows_no_warnings_to_a_reviewer(reviewer_client):
    rubric = bakery_rubric()

    response = reviewer_client.get(change_url(rubric))

    assert response.status_code == 200
    assertNotContains(response, 'id="rubric-warnings"')
    assertNotContains(response, UNCOVERED_MESSAGE)


# --- The rubric page: the posting beside its criteria -------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_posting_panel_segments_index_the_raw_text_exactly(recruiter_client, newline):
    raw_text = POSTING.replace("\n", newline)
    rubric = bakery_rubric(raw_text=raw_text)

    response = recruiter_client.get(change_url(rubric))

    panel = posting_panel(response)
    assert panel.length == len(raw_text)
    assert panel.stray_text == ""
    assert "".join(s["text"] for s in panel.segments) == raw_text
    offset = 0
    for segment in panel.segments:
        assert int(segment["data-start"]) == offset
        offset += len(segment["text"])
    if newline == "\r\n":
        # A raw CR would be folded into the LF by the browser's parser: it is a reference.
        assert "&#13;\n" in response.content.decode()


def test_posting_panel_marks_each_criterion_source_span(recruiter_client):
    rubric = bakery_rubric()

    response = recruiter_client.get(change_url(rubric))

    marks = [s for s in posting_panel(response).segments if s["tag"] == "mark"]
    found = [
        (int(m["data-criterion"]), int(m["data-start"]), int(m["data-start"]) + len(m["text"]))
        for m in marks
    ]
    assert found == [
        (c.pk, c.source_start, c.source_end) for c in rubric.criteria.order_by("source_start")
    ]
    assert [m["class"] for m in marks] == [
        "source kind-must_have",
        "source kind-must_have",
        "source kind-bonus",
    ]
    assert marks[0]["title"] == "Must-have: Baking"


def test_posting_panel_marks_uncovered_prose_and_says_why(recruiter_client):
    rubric = bakery_rubric()
    start, end = span_of(POSTING, "You will need to start at 4 a.m. on weekends.")

    response = recruiter_client.get(change_url(rubric))

    [uncovered] = [s for s in posting_panel(response).segments if "uncovered" in s.get("class", "")]
    assert (uncovered["tag"], int(uncovered["data-start"]), uncovered["text"]) == (
        "span",
        start,
        POSTING[start:end],
    )
    assert uncovered["title"] == (
        f"Reads like a requirement, but no criterion covers it: {UNCOVERED_MESSAGE}"
    )


def test_posting_panel_escapes_the_posting_text(recruiter_client):
    raw_text = POSTING + '<script>alert("x")</script> & more\n'
    rubric = bakery_rubric(raw_text=raw_text)

    response = recruiter_client.get(change_url(rubric))

    assertNotContains(response, '<script>alert("x")</script>')
    assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more")
    assert "".join(s["text"] for s in posting_panel(response).segments) == raw_text


def test_overlapping_sources_name_both_criteria(recruiter_client):
    rubric = bakery_rubric()
    baking = criterion(rubric, "Baking")
    start, end = span_of(POSTING, "Two years")
    extra = CriterionFactory(rubric=rubric, title="Years", source_start=start, source_end=end)

    response = recruiter_client.get(change_url(rubric))

    [both] = [s for s in posting_panel(response).segments if s.get("data-criterion", "").count(" ")]
    assert (both["data-criterion"], both["text"]) == (f"{baking.pk} {extra.pk}", "Two years")


def test_draft_page_has_the_triage_buttons_for_each_criterion(recruiter_client):
    rubric = bakery_rubric()
    baking = criterion(rubric, "Baking")

    response = recruiter_client.get(change_url(rubric))

    assertContains(
        response, f'<form method="post" action="{kind_url(baking)}" class="card-actions">'
    )
    assertContains(
        response,
        '<button type="submit" name="kind" value="must_have" disabled aria-pressed="true">'
        "Must-have</button>",
    )
    assertContains(response, '<button type="submit" name="kind" value="bonus">Bonus</button>', 2)
    assertContains(
        response,
        f'<button type="submit" formaction="{drop_url(baking)}" class="drop">Drop</button>',
    )
    assertContains(response, f'action="{add_url(rubric)}" hidden>')
    assertContains(response, "Add as screening question</button>")
    # The inline editing is still there, below.
    assertContains(response, 'name="criteria-0-title"')


def test_draft_page_groups_the_cards_by_kind(recruiter_client):
    rubric = bakery_rubric()

    response = recruiter_client.get(change_url(rubric))

    groups = {
        kind: [c.title for c in members]
        for kind, _, members in response.context["triage"]["groups"]
    }
    assert groups == {
        "must_have": ["Baking", "Food safety"],
        "bonus": ["Sourdough"],
        "screening": [],
    }


@pytest.mark.parametrize("state", [Rubric.State.PUBLISHED, Rubric.State.RETIRED])
def test_locked_rubric_page_shows_the_highlights_without_triage(recruiter_client, state):
    rubric = bakery_rubric(state=state)

    response = recruiter_client.get(change_url(rubric))

    assert response.status_code == 200
    assert [s["tag"] for s in posting_panel(response).segments].count("mark") == 3
    assertNotContains(response, 'class="card-actions"')
    assertNotContains(response, 'id="add-from-posting"')
    assertNotContains(response, "/criteria/")


def test_reviewer_sees_the_highlights_without_triage(reviewer_client):
    rubric = bakery_rubric()

    response = reviewer_client.get(change_url(rubric))

    assert [s["tag"] for s in posting_panel(response).segments].count("mark") == 3
    assertNotContains(response, 'class="card-actions"')
    assertNotContains(response, 'id="add-from-posting"')


# --- Triage: set kind, drop, add from a span ----------------------------------


def test_bonus_button_makes_a_must_have_a_bonus_and_resets_the_weights(recruiter_client):
    rubric = bakery_rubric()
    food = criterion(rubric, "Food safety")

    response = recruiter_client.post(kind_url(food), {"kind": "bonus"})

    assert response.status_code == 302
    assert response["Location"] == change_url(rubric)
    assert messages_of(response) == [("success", "“Food safety” is now a bonus; weights reset.")]
    food.refresh_from_db()
    assert (food.kind, food.knockout_level) == ("bonus", None)
    assert weights(rubric) == [
        ("Baking", "must_have", D("75.00")),
        ("Food safety", "bonus", D("12.50")),
        ("Sourdough", "bonus", D("12.50")),
    ]
    assert total_weight(rubric) == D("100.00")


def test_must_have_button_makes_a_bonus_a_must_have_with_a_knockout_level(recruiter_client):
    rubric = bakery_rubric()
    sourdough = criterion(rubric, "Sourdough")

    response = recruiter_client.post(kind_url(sourdough), {"kind": "must_have"})

    assert messages_of(response) == [("success", "“Sourdough” is now a must-have; weights reset.")]
    sourdough.refresh_from_db()
    assert sourdough.kind == "must_have"
    assert sourdough.knockout_level is not None
    assert [w for _, _, w in weights(rubric)] == [D("33.34"), D("33.33"), D("33.33")]


def test_screening_button_makes_an_unweighted_yes_no_question(recruiter_client):
    rubric = bakery_rubric()
    food = criterion(rubric, "Food safety")

    response = recruiter_client.post(kind_url(food), {"kind": "screening"})

    assert messages_of(response) == [
        ("success", "“Food safety” is now a screening question; weights reset.")
    ]
    food.refresh_from_db()
    assert (food.kind, food.weight, food.knockout_level) == ("screening", D("0.00"), None)
    assert weights(rubric) == [
        ("Baking", "must_have", D("75.00")),
        ("Food safety", "screening", D("0.00")),
        ("Sourdough", "bonus", D("25.00")),
    ]
    assert total_weight(rubric) == D("100.00")


def test_kind_button_of_the_current_kind_changes_nothing(recruiter_client):
    rubric = bakery_rubric()
    baking = criterion(rubric, "Baking")
    before = weights(rubric)

    response = recruiter_client.post(kind_url(baking), {"kind": "must_have"})

    assert messages_of(response) == [("success", "“Baking” is already a must-have.")]
    assert weights(rubric) == before


def test_unknown_kind_is_an_error_message(recruiter_client):
    rubric = bakery_rubric()
    baking = criterion(rubric, "Baking")

    response = recruiter_client.post(kind_url(baking), {"kind": "nice_to_have"})

    assert response.status_code == 302
    assert messages_of(response) == [("error", "Choose one of must_have, bonus, screening.")]
    baking.refresh_from_db()
    assert baking.kind == "must_have"


def test_drop_button_removes_the_criterion_and_resets_the_weights(recruiter_client):
    rubric = bakery_rubric()
    food = criterion(rubric, "Food safety")

    response = recruiter_client.post(drop_url(food))

    assert response["Location"] == change_url(rubric)
    assert messages_of(response) == [("success", "Dropped “Food safety”; weights reset.")]
    assert weights(rubric) == [
        ("Baking", "must_have", D("75.00")),
        ("Sourdough", "bonus", D("25.00")),
    ]


def test_add_from_the_posting_adds_the_selected_text_and_resets_the_weights(recruiter_client):
    rubric = bakery_rubric()
    start, end = span_of(POSTING, "You will need to start at 4 a.m. on weekends.")

    response = recruiter_client.post(
        add_url(rubric), {"start": start, "end": end, "kind": "must_have"}
    )

    added = rubric.criteria.get(source_start=start)
    assert response["Location"] == change_url(rubric)
    assert messages_of(response) == [
        ("success", f"Added “{added.title}” as a must-have; weights reset.")
    ]
    assert (added.kind, added.source_end, added.description) == (
        "must_have",
        end,
        "You will need to start at 4 a.m. on weekends.",
    )
    # Three must-haves and a bonus: the bonus is capped at half the lightest must-have.
    assert weights(rubric) == [
        ("Baking", "must_have", D("28.58")),
        ("Food safety", "must_have", D("28.57")),
        ("Sourdough", "bonus", D("14.28")),
        (added.title, "must_have", D("28.57")),
    ]
    # Now covered, the prose is no longer flagged.
    page = recruiter_client.get(change_url(rubric))
    assertNotContains(page, UNCOVERED_MESSAGE)


def test_add_from_the_posting_as_a_screening_question(recruiter_client):
    rubric = bakery_rubric()
    start, end = span_of(POSTING, "You will need to start at 4 a.m. on weekends.")

    recruiter_client.post(add_url(rubric), {"start": start, "end": end, "kind": "screening"})

    added = rubric.criteria.get(source_start=start)
    assert (added.kind, added.weight, added.knockout_level) == ("screening", D("0.00"), None)
    assert total_weight(rubric) == D("100.00")


def test_add_from_the_posting_trims_the_selection_to_its_words(recruiter_client):
    rubric = bakery_rubric()
    start, end = span_of(POSTING, "\nYou will need to start at 4 a.m. on weekends.\n")

    recruiter_client.post(add_url(rubric), {"start": start, "end": end, "kind": "bonus"})

    added = rubric.criteria.get(order=4)
    assert (added.source_start, added.source_end) == span_of(
        POSTING, "You will need to start at 4 a.m. on weekends."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"start": "40", "end": "40"},
            f"Select some of the posting's text (0 to {len(POSTING)} characters).",
        ),
        (
            {"start": "0", "end": str(len(POSTING) + 5)},
            f"Select some of the posting's text (0 to {len(POSTING)} characters).",
        ),
        ({"start": "", "end": "12"}, "Select some of the posting's text first."),
        ({"end": "12"}, "Select some of the posting's text first."),
        ({"start": "0", "end": "1"}, "The selected text has no words to make a criterion of."),
    ],
    ids=["empty", "past-the-end", "blank", "missing", "no-words"],
)
def test_add_from_a_bad_span_is_an_error_message(recruiter_client, data, message):
    rubric = bakery_rubric()

    response = recruiter_client.post(add_url(rubric), {**data, "kind": "must_have"})

    assert response.status_code == 302
    assert messages_of(response) == [("error", message)]
    assert rubric.criteria.count() == 3


def _kind_to_bonus(client, rubric):
    return client.post(kind_url(criterion(rubric, "Food safety")), {"kind": "bonus"})


def _drop(client, rubric):
    return client.post(drop_url(criterion(rubric, "Food safety")))


def _add(client, rubric):
    start, end = span_of(POSTING, "You will need to start at 4 a.m. on weekends.")
    return client.post(add_url(rubric), {"start": start, "end": end, "kind": "bonus"})


@pytest.mark.parametrize("state", [Rubric.State.PUBLISHED, Rubric.State.RETIRED])
@pytest.mark.parametrize("triage", [_kind_to_bonus, _drop, _add], ids=["kind", "drop", "add"])
def test_triage_of_a_locked_rubric_is_refused_with_a_message(recruiter_client, state, triage):
    rubric = bakery_rubric(state=state)
    before = weights(rubric)

    response = triage(recruiter_client, rubric)

    assert response.status_code == 302
    assert response["Location"] == change_url(rubric)
    assert messages_of(response) == [("error", NOT_EDITABLE)]
    assert weights(rubric) == before


def test_triage_of_a_criterion_of_another_rubric_is_404(recruiter_client):
    rubric = bakery_rubric()
    other = criterion(bakery_rubric(), "Baking")
    url = reverse("admin:rubrics_rubric_criterion_kind", args=[rubric.pk, other.pk])

    assert recruiter_client.post(url, {"kind": "bonus"}).status_code == 404
    other.refresh_from_db()
    assert other.kind == "must_have"


# --- Who may triage -----------------------------------------------------------


def _triage_urls(rubric) -> list[str]:
    baking = criterion(rubric, "Baking")
    return [kind_url(baking), drop_url(baking), add_url(rubric)]


def test_reviewer_triage_posts_are_forbidden(reviewer_client):
    rubric = bakery_rubric()
    before = weights(rubric)

    statuses = [
        reviewer_client.post(url, {"kind": "bonus", "start": "0", "end": "20"}).status_code
        for url in _triage_urls(rubric)
    ]

    assert statuses == [403, 403, 403]
    assert weights(rubric) == before


def test_triage_urls_answer_get_with_405(recruiter_client):
    rubric = bakery_rubric()

    assert [recruiter_client.get(url).status_code for url in _triage_urls(rubric)] == [405] * 3


def test_triage_posts_send_a_visitor_to_the_login_page(client):
    rubric = bakery_rubric()
    before = weights(rubric)

    for url in _triage_urls(rubric):
        response = client.post(url, {"kind": "bonus"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert weights(rubric) == before


def test_superuser_may_triage(client):
    client.force_login(RecruiterFactory(is_superuser=True, role=None))
    rubric = bakery_rubric()

    response = client.post(kind_url(criterion(rubric, "Sourdough")), {"kind": "must_have"})

    assert messages_of(response) == [("success", "“Sourdough” is now a must-have; weights reset.")]


# --- The inline, still editable -------------------------------------------------


def test_inline_edit_with_the_type_column_is_saved(recruiter_client):
    rubric = bakery_rubric()
    page = recruiter_client.get(change_url(rubric))
    data = form_data(page, "rubric_form")
    assert data["criteria-0-type"] == "general"
    data["criteria-0-type"] = "years"
    data["criteria-0-title"] = "Bakery years"

    response = recruiter_client.post(change_url(rubric), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    baking = rubric.criteria.get(order=1)
    assert (baking.title, baking.type) == ("Bakery years", "years")


# --- Query budget ---------------------------------------------------------------


def _rubric_with(n: int) -> Rubric:
    rubric = RubricFactory(posting=JobPostingFactory(raw_text=POSTING * 3))
    size = len(POSTING)
    for i in range(n):
        kind = Criterion.Kind.BONUS if i % 3 == 2 else Criterion.Kind.MUST_HAVE
        CriterionFactory(
            rubric=rubric,
            kind=kind,
            keywords=["sourdough", "proofing"],
            source_start=(i * 7) % size,
            source_end=(i * 7) % size + 5,
        )
    rubric.generation_notes = [
        {"code": "uncovered_requirement", "message": UNCOVERED_MESSAGE, "span": [size, size + 20]}
    ]
    rubric.save(update_fields=["generation_notes"])
    return rubric


def test_rubric_page_query_count_does_not_grow_with_criteria(
    recruiter_client, django_assert_max_num_queries
):
    def count(rubric) -> int:
        url = change_url(rubric)
        recruiter_client.get(url)  # fills the process-wide content-type cache
        # session, user, the user's and the groups' permissions, the rubric with its posting,
        # its criteria (panel, warnings, "ready to publish?"), the inline's criteria.
        with django_assert_max_num_queries(7) as captured:
            response = recruiter_client.get(url)
        assert response.status_code == 200
        assert posting_panel(response).segments
        return len(captured)

    assert count(_rubric_with(3)) == count(_rubric_with(30))


def test_locked_rubric_page_shows_no_warnings_and_readable_lists(recruiter_client):
    rubric = bakery_rubric(state=Rubric.State.PUBLISHED)

    response = recruiter_client.get(change_url(rubric))

    assertNotContains(response, 'id="rubric-warnings"')
    assertNotContains(response, 'class="uncovered"')
    baking = criterion(rubric, "Baking")
    labels = ["Does not meet", "Partially meets", "Meets", "Exceeds"]
    assertContains(
        response,
        '<ol class="anchor-list">'
        + "".join(
            f'<li><span class="level">{n} {label}</span> {escape(a)}</li>'
            for n, (label, a) in enumerate(zip(labels, baking.anchors, strict=True), start=1)
        )
        + "</ol>",
    )
    assertNotContains(response, "[&quot;")
    assertNotContains(response, "[&#x27;")


def test_posting_panel_styles_markdown_in_place_and_keeps_every_character(recruiter_client):
    raw_text = "## Requirements\n- **Baking**: Two years in a *commercial* bakery.\n"
    rubric = RubricFactory(posting=JobPostingFactory(raw_text=raw_text))
    start, end = span_of(raw_text, "**Baking**: Two years")
    CriterionFactory(rubric=rubric, title="Baking", source_start=start, source_end=end)

    response = recruiter_client.get(change_url(rubric))

    segments = posting_panel(response).segments
    assert "".join(s["text"] for s in segments) == raw_text
    styled = [(s["text"], s.get("class", "")) for s in segments if "md-" in s.get("class", "")]
    assert styled == [
        ("## ", "md-marker"),
        ("Requirements", "md-h2"),
        ("**", "source kind-must_have md-marker"),
        ("Baking", "source kind-must_have md-strong"),
        ("**", "source kind-must_have md-marker"),
        ("*", "md-marker"),
        ("commercial", "md-em"),
        ("*", "md-marker"),
    ]
