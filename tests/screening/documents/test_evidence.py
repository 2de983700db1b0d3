"""Evidence per criterion: which passages of a document speak to it, and where."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.evidence import (
    CriterionEvidence,
    EvidenceCriterion,
    Passage,
    compile_criteria,
    find_evidence,
    key_phrases,
    search_terms,
    term_pattern,
)


def found(term: str, text: str) -> list[str]:
    """What ``term`` matches in ``text``, as written there."""
    return [m.group() for m in re.finditer(term_pattern(term), text, re.IGNORECASE)]


# --- Tolerances ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "text", "matches"),
    [
        # Case and inflection.
        ("python", "PYTHON, Python and python", ["PYTHON", "Python", "python"]),
        ("analysis", "analyses; analysis; analysing", ["analyses", "analysis", "analysing"]),
        ("analyses", "a statistical analysis", ["analysis"]),
        ("study", "studies, studied, studying", ["studies", "studied", "studying"]),
        ("authorised to work", "Authorized to work in the EU", ["Authorized to work"]),
        ("driving licence", "a clean driver's license", ["driver's license"]),
        ("developer", "Senior Developers", ["Developers"]),
        ("model", "modelling and modeling", ["modelling", "modeling"]),
        # Names and their punctuation.
        ("C++", "C++17 aside, C++ and c++", ["C++", "c++"]),
        ("C#", "C#, c # and CSharp", ["C#", "c #", "CSharp"]),
        (".NET", ".NET 8, ASP.NET and DotNet", [".NET", "ASP.NET", "DotNet"]),
        ("Node.js", "Node.js, NodeJS, node js", ["Node.js", "NodeJS", "node js"]),
        ("NodeJS", "Node.js", ["Node.js"]),
        ("PhD", "PhD, Ph.D., Ph. D. and PhDs", ["PhD", "Ph.D.", "Ph. D.", "PhDs"]),
        ("Ph.D.", "a PhD in physics", ["PhD"]),
        ("phd", "a Ph.D. in physics", ["Ph.D."]),
        ("MSc", "M.Sc. in Statistics, an MSc", ["M.Sc.", "MSc"]),
        ("M.Sc.", "an MSc", ["MSc"]),
        ("MBA", "MBA, M.B.A.", ["MBA", "M.B.A."]),
        ("LLMs", "an LLM, two LLMs", ["LLM", "LLMs"]),
        ("CI/CD", "CI/CD, CI-CD, CICD", ["CI/CD", "CI-CD", "CICD"]),
        ("Python", "Python3 and Python 3.12", ["Python3", "Python 3.12"]),
        ("Java", "Java 17", ["Java 17"]),
    ],
)
def test_a_term_matches_its_other_forms(term, text, matches):
    assert found(term, text) == matches


def test_machine_learning_matches_across_a_line_break_and_a_hyphen():
    assert found("machine learning", "Machine-Learning and machine\nlearning") == [
        "Machine-Learning",
        "machine\nlearning",
    ]


def test_pytorch_matches_however_it_is_spelt():
    assert found("PyTorch", "PyTorch, Pytorch, pytorch, Py Torch") == [
        "PyTorch",
        "Pytorch",
        "pytorch",
        "Py Torch",
    ]


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("C", "C++ and C# and Objective-C"),
        ("C", "R&D, C-suite, C.V."),
        ("C", "c is lower case"),
        ("C++", "C and C#"),
        ("C#", "C and C++"),
        ("Java", "JavaScript"),
        ("Java", "Javanese"),
        (".NET", "me@example.net and www.example.net/page"),
        ("AWS", "aws in lower case is not the name"),
        ("study", "a student"),
        ("analysis", "an analyst"),
        ("Go", "Google and Golang"),
        ("R", "R&D"),
    ],
)
def test_a_term_does_not_match_inside_another_name(term, text):
    assert found(term, text) == []


def test_c_matches_alone_and_beside_its_cousins():
    assert found("C", "C, C++ and C/C++; also C.") == ["C", "C", "C"]


# --- Key phrases -----------------------------------------------------------------------------


def test_a_phrase_inside_a_keyword_is_not_searched_for_apart():
    criterion = EvidenceCriterion(
        id=2,
        title="Experience",
        text="A focus on Computer Vision, User Understanding or Search.",
        keywords=["Computer Vision", "User Understanding"],
    )

    assert search_terms(criterion) == ["Computer Vision", "User Understanding", "Search"]


def test_key_phrases_are_runs_of_content_words():
    text = "Currently pursuing a PhD in Computer Science, Machine Learning, or a related field"

    assert key_phrases(text) == ["PhD", "Computer Science", "Machine Learning"]


def test_key_phrases_keep_names_and_split_lists_of_names():
    text = "Experience with Python/Java, C++ and Node.js (e.g. PyTorch); strong CI/CD skills."

    assert key_phrases(text) == ["Python", "Java", "C++", "Node.js", "PyTorch", "CI/CD"]


def test_a_long_run_is_cut_into_phrases_of_three_words():
    assert key_phrases("large scale distributed stream processing systems") == [
        "large scale distributed",
        "stream processing systems",
    ]


def test_a_generic_title_gives_no_phrase():
    assert key_phrases("Skills") == []
    assert key_phrases("Background") == []
    assert key_phrases("3+ years of experience") == []


def test_search_terms_are_keywords_then_phrases_each_once_however_spelt():
    criterion = EvidenceCriterion(
        id=1,
        title="Skills",
        text="Fluent in Python and PyTorch; NodeJS a plus",
        keywords=["Python", "Pytorch", "Node.js"],
    )

    assert search_terms(criterion) == ["Python", "Pytorch", "Node.js", "Fluent"]


def test_a_screening_question_also_searches_its_topics_terms():
    question = EvidenceCriterion(
        id=7, kind="screening", title="Work authorisation", text="Do you need a visa?"
    )

    terms = search_terms(question)

    assert terms[:2] == ["authorisation", "visa"]
    assert {"authorized to work", "citizen", "permanent resident", "sponsorship"} <= set(terms)


def test_a_must_have_does_not_get_the_screening_topics():
    criterion = EvidenceCriterion(id=1, kind="must_have", title="Visa processing")

    assert search_terms(criterion) == ["Visa processing"]


# --- Passages --------------------------------------------------------------------------------

SKILLS = EvidenceCriterion(
    id="skills", title="Skills", keywords=["Python", "C++", "PyTorch", "Java", "C"]
)
EDUCATION = EvidenceCriterion(
    id="education",
    title="Background",
    text="Currently pursuing a PhD in Computer Science, Machine Learning, or a related field",
)


def test_a_passage_has_its_page_its_span_a_snippet_and_the_term():
    pages = ["Ada Lovelace", "Education\nPh.D. candidate in Computer Science, 2027."]

    (evidence,) = find_evidence([EDUCATION], pages)

    (passage,) = evidence.passages
    assert passage.page == 2
    assert pages[1][passage.start : passage.end] == "Ph.D. candidate in Computer Science"
    assert passage.snippet == "Education Ph.D. candidate in Computer Science, 2027."
    assert passage.snippet[slice(*passage.highlight)] == "Ph.D. candidate in Computer Science"
    assert passage.terms == ("PhD", "Computer Science")
    assert passage.term == "PhD"
    assert evidence.match_count == 2


def test_the_snippet_is_about_120_characters_cut_at_words():
    before = " ".join(f"word{n}" for n in range(40))
    after = " ".join(f"tail{n}" for n in range(40))
    page = f"{before} PyTorch {after}"

    (evidence,) = find_evidence([SKILLS], [page])

    snippet = evidence.passages[0].snippet
    assert snippet.startswith("…word") and snippet.endswith("…")
    assert 100 <= len(snippet) <= 122
    assert snippet == "…" + page[page.index(snippet[1:-1]) :][: len(snippet) - 2] + "…"
    assert " PyTorch " in snippet
    words = snippet[1:-1].split()
    assert all(word in page.split() for word in words)  # no word cut in two


def test_nearby_matches_merge_into_one_passage_far_ones_do_not():
    page = "Python and C++ daily. " + "x " * 200 + "Java at work."

    (evidence,) = find_evidence([SKILLS], [page])

    assert [p.terms for p in evidence.passages] == [("Python", "C++"), ("Java",)]
    assert evidence.match_count == 3


def test_passages_are_in_page_order_at_most_n_with_every_match_counted():
    pages = ["Java.\n" + "filler " * 30 + "Python."] * 4

    (evidence,) = find_evidence([SKILLS], pages, max_passages=5)

    assert [(p.page, p.terms) for p in evidence.passages] == [
        (1, ("Java",)),
        (1, ("Python",)),
        (2, ("Java",)),
        (2, ("Python",)),
        (3, ("Java",)),
    ]
    assert evidence.match_count == 8


def test_a_criterion_with_nothing_to_find_has_no_passages():
    nothing = EvidenceCriterion(id=3, title="Skills", text="Strong skills.")

    (evidence,) = find_evidence([nothing], ["Python and C++"])

    assert evidence == CriterionEvidence(3, (), (), 0)


def test_each_criterion_gets_its_own_evidence_in_the_order_given():
    pages = ["PhD in Computer Science. Skills: C++, PyTorch."]

    education, skills = find_evidence([EDUCATION, SKILLS], pages)

    assert education.criterion_id == "education"
    assert {t for p in education.passages for t in p.terms} == {"PhD", "Computer Science"}
    assert skills.criterion_id == "skills"
    assert {t for p in skills.passages for t in p.terms} == {"C++", "PyTorch"}


def test_c_in_a_cplusplus_only_resume_is_no_evidence_for_c():
    only_c = EvidenceCriterion(id="c", title="C", keywords=["C"])

    (evidence,) = find_evidence([only_c], ["Languages: C++, C#, Objective-C."])

    assert evidence.passages == ()


def test_screening_questions_find_the_passages_that_answer_them():
    authorisation = EvidenceCriterion(
        id="auth",
        kind="screening",
        title="Work authorisation",
        text="Are you authorised to work in the United Kingdom?",
    )
    relocation = EvidenceCriterion(
        id="move", kind="screening", title="Relocation", text="Can you relocate to Dublin?"
    )
    pages = [
        "Ada Lovelace, London. British citizen.",
        "Open to relocation; no visa sponsorship needed.",
    ]

    auth, move = find_evidence([authorisation, relocation], pages)

    assert [(p.page, p.terms) for p in auth.passages] == [
        (1, ("citizen",)),
        (2, ("visa", "sponsorship")),
    ]
    assert [(p.page, p.terms) for p in move.passages] == [(2, ("Relocation",))]


def test_compiled_criteria_are_reused_across_documents():
    compiled = compile_criteria([SKILLS])

    first = find_evidence(compiled, ["Python"])
    second = find_evidence(compiled, ["nothing here"])

    assert (first[0].match_count, second[0].match_count) == (1, 0)


def test_evidence_is_plain_data_for_a_json_field():
    (evidence,) = find_evidence([SKILLS], ["I write Python."])

    assert evidence.to_dict() == {
        "criterion_id": "skills",
        "terms": ["Python", "C++", "PyTorch", "Java", "C"],
        "passages": [
            {
                "page": 1,
                "start": 8,
                "end": 14,
                "snippet": "I write Python.",
                "highlight": [8, 14],
                "terms": ["Python"],
            }
        ],
        "match_count": 1,
    }
    assert isinstance(evidence.passages[0], Passage)


# --- Whatever the text ------------------------------------------------------------------------

TERMS = ["C++", "C#", ".NET", "C", "R", "PhD", "M.Sc.", "Node.js", "CI/CD", "LLMs", "AWS"]
TERMS += ["machine learning", "driver's licence", "authorised to work", "analysis", "Python3"]


@pytest.mark.parametrize("term", TERMS)
def test_a_term_pattern_captures_nothing_so_the_criterion_knows_which_term_matched(term):
    assert re.compile(term_pattern(term), re.IGNORECASE).groups == 0


@given(
    pages=st.lists(
        st.text(
            alphabet=st.sampled_from(list("abcCPhDS+#./- \n\tyJjavPTorchMLs'’")),
            max_size=300,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_passages_always_point_inside_their_page_and_show_their_match(pages):
    criteria = [
        SKILLS,
        EDUCATION,
        EvidenceCriterion(id="n", title="Names", keywords=["C#", ".NET", "CI/CD", "Node.js"]),
    ]

    for evidence in find_evidence(criteria, pages, max_passages=3):
        assert len(evidence.passages) <= min(3, evidence.match_count)
        for passage in evidence.passages:
            text = pages[passage.page - 1]
            assert 0 <= passage.start < passage.end <= len(text)
            shown = passage.snippet[slice(*passage.highlight)]
            assert shown == re.sub(r"\s+", " ", text[passage.start : passage.end])
            assert not shown[:1].isspace() and not shown[-1:].isspace()
