"""The demo candidates' résumés: invented text, written as PDF or Word by seed_demo.

A résumé follows the candidate's hidden quality, so the evidence the scorecard page shows
agrees with the demo's scores: a strong candidate lists Python, Go, SQL and Elasticsearch,
information-retrieval coursework and an open-source contribution; a middling one a general
language and statistics but no search work; a weak one unrelated skills only (none of the
Programming or Information Retrieval criteria's terms appear in it). Everything is chosen
from the candidate's index and quality: the same résumé on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

from screening.documents.samples import resume_docx, resume_pdf

STRONG, MIDDLING, WEAK = "strong", "middling", "weak"

UNIVERSITIES = [
    "University of Lisbon",
    "University of Toronto",
    "Porto Polytechnic",
    "McGill University",
    "University of Waterloo",
]


@dataclass(frozen=True)
class DemoResume:
    name: str  # the file's name as the candidate sent it
    data: bytes
    kind: str  # "pdf" or "docx"
    tier: str


def tier_for(quality: float) -> str:
    """The résumé's strength from the candidate's hidden quality (1.2–3.9 in the demo)."""
    if quality >= 2.9:
        return STRONG
    if quality >= 2.0:
        return MIDDLING
    return WEAK


def kind_for(index: int) -> str:
    """Most résumés are PDFs; every fifth one (from the third) is a Word document."""
    return "docx" if index % 5 == 2 else "pdf"


def _sections(index: int, tier: str, authorised: bool) -> list[tuple[str, list[str]]]:
    university = UNIVERSITIES[index % len(UNIVERSITIES)]
    year = 2 + index % 3
    if tier == STRONG:
        sections = [
            (
                "Education",
                [
                    f"{university} - BSc in Computer Science, year {year} of 4",
                    "Coursework: Information Retrieval, Databases, Machine Learning, Statistics",
                ],
            ),
            (
                "Experience",
                [
                    "Teaching assistant, Information Retrieval course: marked assignments "
                    "on BM25 ranking and offline evaluation with NDCG.",
                    "Summer intern, a local news site: built a search index in Elasticsearch "
                    "and wrote the Python service that queries it.",
                ],
            ),
            (
                "Skills",
                [
                    "Languages: Python, Go, SQL, some Java",
                    "Tools: Elasticsearch, Spark, PostgreSQL, Git",
                ],
            ),
            (
                "Open source",
                [
                    "Contributor to an open-source search library: fixed a tokenizer bug "
                    "and added a relevance test suite.",
                ],
            ),
        ]
    elif tier == MIDDLING:
        sections = [
            (
                "Education",
                [
                    f"{university} - BSc in Statistics, year {year} of 4",
                    "Coursework: Probability, Linear Models, Data Structures",
                ],
            ),
            (
                "Experience",
                [
                    "Research assistant, public health lab: cleaned survey data "
                    "and wrote reports in R and Java.",
                ],
            ),
            ("Skills", ["Languages: Java, R", "Tools: Excel, Tableau"]),
        ]
    else:
        sections = [
            (
                "Education",
                [
                    f"{university} - BA in Art History, year {year} of 3",
                ],
            ),
            (
                "Experience",
                [
                    "Gallery assistant: hung exhibitions and guided school visits.",
                    "Barista: opened the cafe on weekends and trained new staff.",
                ],
            ),
            (
                "Skills",
                [
                    "Adobe Illustrator, photography, event planning, customer service",
                    "Spanish (fluent), French (basic)",
                ],
            ),
        ]
    if index % 8 == 0:
        # A longer résumé that runs onto a second page (the demo's multi-page PDFs).
        sections.append(
            (
                "Volunteering",
                [
                    f"Volunteer, city library reading club, season {n}: "
                    "chose the books, hosted the evenings and kept the minutes."
                    for n in range(1, 41)
                ],
            )
        )
    sections.append(
        (
            "Other",
            [
                "Authorised to work in Portugal and Canada."
                if authorised
                else "Would need a visa sponsorship to work in Portugal or Canada."
            ],
        )
    )
    return sections


def demo_resume(index: int, full_name: str, email: str, quality: float) -> DemoResume:
    """The résumé of the demo's candidate number ``index``."""
    tier = tier_for(quality)
    kind = kind_for(index)
    sections = _sections(index, tier, authorised=index % 17 != 3)
    subtitle = f"{email} - Lisbon / Toronto"
    stem = full_name.lower().replace(" ", "-")
    if kind == "docx":
        data = resume_docx(full_name, sections, subtitle=subtitle)
    else:
        data = resume_pdf(full_name, sections, subtitle=subtitle)
    return DemoResume(name=f"{stem}-resume.{kind}", data=data, kind=kind, tier=tier)
