"""Item titles are short whole phrases: a cut never leaves a phrase open behind it."""

import pytest

from rubrics.anchors import default_anchors
from rubrics.drafting import draft_rubric
from rubrics.parsing import ParsedItem, ParsedPosting
from rubrics.parsing.titles import _dangles, _derive_title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # An adjective cut from its noun: read on to the noun.
        (
            "Able to work calmly in a high-volume, time-critical kitchen.",
            "Able to work calmly in a high-volume, time-critical kitchen",
        ),
        (
            "Complete a pre-trip and post-trip inspection of your van every shift and log it.",
            "Complete a pre-trip and post-trip inspection of your van",
        ),
        (
            "Ability to make quick as well as careful judgements and recommendations under "
            "pressure from several managers.",
            "Ability to make quick as well as careful judgements",
        ),
        # A cut after a determiner or "both" reads on too.
        (
            "Seek a highly motivated, practical individual with good record keeping; a calm "
            "manner.",
            "Seek a highly motivated, practical individual",
        ),
        (
            "Working both independently with little supervision and alongside other fitters "
            "on site;",
            "Working both independently with little supervision and alongside other fitters",
        ),
        # A second conjunct begun with a determiner is not cut in half.
        (
            "Strong experience writing Rust or the ability and wish to learn new languages fast.",
            "Strong experience writing Rust",
        ),
        # A bare gerund needs its complement.
        (
            "Experience of working in a nursery, school or youth club setting with children.",
            "Experience of working in a nursery",
        ),
        # Lead-ins that carry no meaning are dropped.
        (
            "For the senior grade you must have two years of supervisory experience in retail.",
            "Two years of supervisory experience in retail",
        ),
        (
            "You will be required to wear safety boots and a hard hat on every site visit.",
            "Wear safety boots and a hard hat",
        ),
        ("There is no dress code but candidates must be neat and tidy.", "There is no dress code"),
    ],
)
def test_titles_are_whole_phrases(text, title):
    assert _derive_title(text) == title


@pytest.mark.parametrize(
    ("words", "open_"),
    [
        ("Experience in a fast-paced", True),
        ("Commitment to deliver consistent", True),
        ("Working both individually", True),
        ("Someone who enjoys working", True),
        ("Highly organised and detail-oriented", False),
        ("Process improver, idea maker, innovative", False),
        ("Excellent communication skills", False),
        ("Experience with distributed teams", False),
    ],
)
def test_a_title_that_leaves_a_phrase_open_is_recognised(words, open_):
    assert _dangles(words.split()) is open_


def test_a_short_labelled_item_keeps_its_label_in_the_criterion_text():
    item = ParsedItem(title="Forklift", text="2 years", keywords=(), span=(0, 16))
    parsed = ParsedPosting(title="Driver", must_haves=(item,), bonuses=(), responsibilities=())

    [criterion] = draft_rubric(parsed).criteria

    assert (criterion.title, criterion.text) == ("Forklift", "Forklift: 2 years")
    assert "Forklift" in criterion.anchors[2]


def test_skills_anchors_follow_an_at_least_one_of_list():
    anchors = default_anchors(
        title="Scripting",
        text="Writes scripts in at least one language (Bash, Perl, Ruby).",
        keywords=("Bash", "Perl", "Ruby"),
        scale_max=4,
        type="skills",
    )

    assert anchors[2] == (
        "At least one of Bash, Perl or Ruby, backed by concrete work, as the posting asks."
    )
    assert not any(anchor.startswith(("Most of", "All of")) for anchor in anchors)


@pytest.mark.parametrize(
    ("text", "keywords"),
    [
        ("Significant experience writing Golang or Rust services.", ("Golang", "Rust")),
        ("Comfortable with PostgreSQL and Redis in production.", ("PostgreSQL", "Redis")),
        ("You have shipped C++ and C# code to customers.", ("C++", "C#")),
        ("Strong written communication with customers.", ()),
        # A capital that only opens the sentence is not a name.
        ("Careful record keeping and tidy habits.", ()),
    ],
)
def test_an_item_without_a_list_takes_the_names_it_mentions_as_keywords(text, keywords):
    item = ParsedItem(title="Item", text=text, keywords=(), span=(0, len(text)))
    parsed = ParsedPosting(title="Job", must_haves=(item,), bonuses=(), responsibilities=())

    [criterion] = draft_rubric(parsed).criteria

    assert criterion.keywords == keywords


def test_names_do_not_add_to_keywords_a_list_already_gave():
    text = "Mastery of one language (Java, Go) and AI-assisted tooling."
    item = ParsedItem(title="Skills", text=text, keywords=("Java", "Go"), span=(0, len(text)))
    parsed = ParsedPosting(title="Job", must_haves=(item,), bonuses=(), responsibilities=())

    [criterion] = draft_rubric(parsed).criteria

    assert criterion.keywords == ("Java", "Go")


def test_skills_anchors_ask_one_of_each_group_when_the_posting_does():
    text = "At least one database (Postgres, MySQL) and one queue (Kafka, RabbitMQ)."
    anchors = default_anchors(
        title="Back-end tools",
        text=text,
        keywords=("Postgres", "MySQL", "Kafka", "RabbitMQ"),
        scale_max=4,
        type="skills",
    )

    assert anchors[2] == (
        "One of Postgres or MySQL and one of Kafka or RabbitMQ, each backed by concrete work, "
        "as the posting asks."
    )


def test_a_name_in_the_possessive_is_an_owner_not_a_keyword():
    text = "Research on Acme’s products with Python."
    item = ParsedItem(title="Research", text=text, keywords=(), span=(0, len(text)))
    parsed = ParsedPosting(title="Job", must_haves=(item,), bonuses=(), responsibilities=())

    [criterion] = draft_rubric(parsed).criteria

    assert criterion.keywords == ("Python",)
