"""Posting text rendered as HTML (rubrics/markdown.py): CommonMark, with the
posting treated as untrusted, and excerpts cut where a sentence ends."""

import pytest

from rubrics.markdown import excerpt, markdown_styles, render_markdown, render_markdown_inline

# (name, posting text, HTML it must give)
RENDER_CASES = [
    ("emphasis", "**Python** and _Go_", "<p><strong>Python</strong> and <em>Go</em></p>\n"),
    ("list", "- Baking\n- Leadership", "<ul>\n<li>Baking</li>\n<li>Leadership</li>\n</ul>\n"),
    ("heading", "## Requirements", "<h2>Requirements</h2>\n"),
    ("plain lines keep their breaks", "• one\n• two", "<p>• one<br />\n• two</p>\n"),
    (
        "script tag is text",
        "<script>alert(1)</script>",
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
    ),
    (
        "inline html is text",
        'Hi <img src=x onerror="alert(1)">',
        "<p>Hi &lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>\n",
    ),
    (
        "javascript link stays text",
        "[apply](javascript:alert(1))",
        "<p>[apply](javascript:alert(1))</p>\n",
    ),
    (
        "javascript link in any case stays text",
        "[apply](JaVaScRiPt:alert(1))",
        "<p>[apply](JaVaScRiPt:alert(1))</p>\n",
    ),
    (
        "javascript autolink stays text",
        "<javascript:alert(1)>",
        "<p>&lt;javascript:alert(1)&gt;</p>\n",
    ),
    (
        "data link stays text",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n",
    ),
    (
        "https link opens apart",
        "[our site](https://example.org/jobs)",
        '<p><a href="https://example.org/jobs" rel="nofollow noopener noreferrer" '
        'target="_blank">our site</a></p>\n',
    ),
    (
        "image shows its alt text only",
        "![team <photo>](https://tracker.example/pixel.png)",
        "<p>team &lt;photo&gt;</p>\n",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in RENDER_CASES], ids=[c[0] for c in RENDER_CASES]
)
def test_render_markdown(text, expected):
    assert render_markdown(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "[a](javascript:alert(1))",
        "[a](  javascript:alert(1))",
        "[a](java\tscript:alert(1))",
        "<a href='javascript:alert(1)'>a</a>",
        '<div onclick="alert(1)">x</div>',
        "[a]: javascript:alert(1)\n\n[a]",
    ],
)
def test_nothing_in_a_posting_becomes_live_markup(text):
    html = render_markdown(text)
    assert "<script" not in html
    assert 'href="javascript' not in html.lower()
    assert "<a href='" not in html
    assert "<div" not in html


def test_render_markdown_of_nothing_is_empty():
    assert render_markdown("") == ""


def test_short_text_is_not_cut():
    assert excerpt("Two years in a bakery.", limit=40) == ("Two years in a bakery.", False)


def test_excerpt_ends_where_a_sentence_ends():
    text = "Two years in a bakery. Laminated doughs a plus! Weekend shifts from 4 a.m. onwards."
    assert excerpt(text, limit=60) == ("Two years in a bakery. Laminated doughs a plus! …", True)


def test_excerpt_ends_where_a_line_ends():
    text = "Baking: two years in a commercial bakery\nFood safety: a Level 2 certificate"
    assert excerpt(text, limit=50) == ("Baking: two years in a commercial bakery …", True)


def test_excerpt_without_a_sentence_end_cuts_between_words():
    text = "laminated doughs sourdough starters long fermentation night shifts"
    cut, was_cut = excerpt(text, limit=30)
    assert (cut, was_cut) == ("laminated doughs sourdough …", True)


def test_render_markdown_inline_has_no_paragraph_and_escapes_html():
    assert render_markdown_inline("**Forklift**: <b>x</b>") == (
        "<strong>Forklift</strong>: &lt;b&gt;x&lt;/b&gt;"
    )


def styled(text: str) -> list[tuple[str, str]]:
    return [(text[start:end], style) for start, end, style in markdown_styles(text)]


def test_markdown_styles_name_markers_and_what_they_mark():
    text = "## Requirements\n- **Forklift**: a *valid* licence, see [site](https://x.org) or `SAP`"
    assert styled(text) == [
        ("## ", "md-marker"),
        ("Requirements", "md-h2"),
        ("**", "md-marker"),
        ("Forklift", "md-strong"),
        ("**", "md-marker"),
        ("*", "md-marker"),
        ("valid", "md-em"),
        ("*", "md-marker"),
        ("[", "md-marker"),
        ("site", "md-link"),
        ("](https://x.org)", "md-marker"),
        ("`", "md-marker"),
        ("SAP", "md-code"),
        ("`", "md-marker"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "snake_case_name and file_name",
        "2*3*4 = 24",
        "**unclosed bold",
        "a list:\n- one\n- two",
        "#hashtag is not a heading",
        "price in `backticks",
    ],
)
def test_markdown_styles_leave_plain_text_alone(text):
    assert markdown_styles(text) == []


def test_markdown_styles_read_crlf_headings_without_the_carriage_return():
    text = "# Title #\r\nBody"
    assert styled(text) == [("# ", "md-marker"), ("Title", "md-h1"), (" #", "md-marker")]


def test_code_is_not_read_again_as_emphasis():
    assert styled("`a*b*c`") == [("`", "md-marker"), ("a*b*c", "md-code"), ("`", "md-marker")]
