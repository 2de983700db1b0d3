"""Criterion types, boilerplate and duties, on sentences written for these tests."""

import pytest

from rubrics.criterion_types import (
    CriterionType,
    boilerplate_reason,
    classify,
    lead_sentence,
    looks_like_duty,
)

T = CriterionType

CLASSIFIED = [
    # education
    ("Bachelor's degree in mechanical engineering or a related field", T.EDUCATION),
    ("Currently enrolled in a master's programme in statistics", T.EDUCATION),
    ("Pursuing a PhD in chemistry, biology or a related discipline", T.EDUCATION),
    ("An MSc in data science, or equivalent", T.EDUCATION),
    ("High school diploma or GED", T.EDUCATION),
    ("Graduate of an accredited dental hygiene program", T.EDUCATION),
    ("A degree in journalism and 2 years in a newsroom", T.EDUCATION),
    # years
    ("3+ years of experience as a line cook", T.YEARS),
    ("At least five years of professional bookkeeping experience", T.YEARS),
    ("Minimum of 2 years working in a warehouse", T.YEARS),
    ("4-6 years of experience leading maintenance crews", T.YEARS),
    ("7 years of hands-on Kotlin development, and a degree in computing", T.YEARS),
    # skills
    ("Proficiency in Rust, Go and TypeScript", T.SKILLS),
    ("Working knowledge of QuickBooks and Excel", T.SKILLS),
    ("Familiarity with Kubernetes, Terraform and Helm", T.SKILLS),
    ("Strong SQL skills", T.SKILLS),
    ("Solid understanding of double-entry accounting", T.SKILLS),
    # experience
    ("Experience running a small retail team", T.EXPERIENCE),
    ("Proven experience organising trade shows", T.EXPERIENCE),
    ("Track record of shipping mobile apps to the store", T.EXPERIENCE),
    ("A background in veterinary practice management", T.EXPERIENCE),
    ("Prior experience in a busy café", T.EXPERIENCE),
    # licence
    ("Valid Class B commercial licence with air brake endorsement", T.LICENCE),
    ("Current CPR and first aid certification", T.LICENCE),
    ("Licensed electrician in the state of Ohio", T.LICENCE),
    ("Certified Public Accountant (CPA) designation", T.LICENCE),
    # language
    ("Fluent in German and English", T.LANGUAGE),
    ("Conversational Portuguese is required", T.LANGUAGE),
    ("Bilingual English/Vietnamese speaker", T.LANGUAGE),
    ("Native-level written Japanese", T.LANGUAGE),
    # portfolio
    ("A portfolio showing at least three branding projects", T.PORTFOLIO),
    ("Publications in peer-reviewed journals on soil science", T.PORTFOLIO),
    ("Writing samples from published feature stories", T.PORTFOLIO),
    ("Link to a showreel of recent motion graphics", T.PORTFOLIO),
    # eligibility
    ("Must be authorised to work in the UK without sponsorship", T.ELIGIBILITY),
    ("Must pass a background check and drug screen", T.ELIGIBILITY),
    ("Available to work weekends and public holidays", T.ELIGIBILITY),
    ("Willing to travel up to 40% of the time", T.ELIGIBILITY),
    ("Able to lift 30 kg unassisted", T.ELIGIBILITY),
    ("Must be at least 18 years of age", T.ELIGIBILITY),
    ("Valid driver's license and a clean driving record", T.ELIGIBILITY),
    ("Willing to relocate to Lyon", T.ELIGIBILITY),
    ("Must work on-site in our Denver office four days a week", T.ELIGIBILITY),
    ("Participation in an on-call rotation", T.ELIGIBILITY),
    ("Eligible for a government security clearance", T.ELIGIBILITY),
    # trait
    ("Excellent communication skills", T.TRAIT),
    ("Detail-oriented and highly organised", T.TRAIT),
    ("A team player with a positive attitude", T.TRAIT),
    ("Self-motivated and able to work independently", T.TRAIT),
    ("Comfortable with ambiguity", T.TRAIT),
    ("Strong interpersonal and problem-solving skills", T.TRAIT),
    # general
    ("Ability to turn a rough brief around quickly", T.GENERAL),
    ("A love of good bread", T.GENERAL),
]


@pytest.mark.parametrize("text,expected", CLASSIFIED, ids=[t for t, _ in CLASSIFIED])
def test_classify_reads_the_wording(text, expected):
    assert classify(text) is expected


def test_the_title_decides_when_the_text_says_nothing_the_rules_know():
    assert classify("Rust, Go, Zig", title="Skills") is T.SKILLS
    assert classify("Rust, Go, Zig", title="Languages", keywords=("Rust", "Go")) is T.SKILLS


def test_named_tools_beat_trait_words():
    keywords = ("Figma", "Adobe Illustrator")
    assert classify("Comfortable with Figma and Adobe Illustrator", keywords=keywords) is T.SKILLS


def test_keywords_make_an_experience_item_a_skills_list_unless_it_opens_with_experience():
    keywords = ("AWS", "GCP", "Azure")
    assert classify("Deploying to AWS, GCP or Azure; experience a plus", keywords=keywords) is (
        T.SKILLS
    )
    assert classify("Experience deploying to AWS, GCP or Azure", keywords=keywords) is (
        T.EXPERIENCE
    )


def test_the_first_sentence_states_the_requirement():
    text = "Comfortable with remote work. We pay for a co-working space and 5 years of Slack."
    assert classify(text) is T.TRAIT


def test_a_contract_length_is_not_years_of_experience():
    assert classify("The post is a fixed-term contract of two years") is not T.YEARS


def test_criterion_type_values_are_the_stable_strings():
    assert [t.value for t in T] == [
        "education",
        "years",
        "skills",
        "experience",
        "licence",
        "language",
        "portfolio",
        "eligibility",
        "trait",
        "general",
    ]


BOILERPLATE = [
    ("We are an equal opportunity employer and value diversity.", "equal-opportunity statement"),
    (
        "Applicants are considered without regard to race, religion or age.",
        "equal-opportunity statement",
    ),
    ("Salary: £38,000 to £44,000 depending on experience", "pay"),
    ("Pay is $22 per hour plus tips", "pay"),
    ("Compensation is commensurate with experience", "pay"),
    ("Dental, vision and medical insurance from day one", "benefits"),
    ("Generous paid time off and a 401(k) match", "benefits"),
    ("25 days annual leave plus bank holidays", "benefits"),
    ("Employees are paid bi-weekly through direct deposit", "payroll detail"),
    ("Male applicants born after 1959 must register with the Selective Service", None),
    ("New hires serve a six-month probationary period", "trial or probation period"),
    ("We provide reasonable accommodation to applicants on request", None),
    ("This employer participates in E-Verify", "E-Verify notice"),
    ("To apply, send your CV and a cover letter to jobs@example.org", "how to apply"),
    ("Please submit your application by the closing date of 3 May", "how to apply"),
]


@pytest.mark.parametrize("text,reason", BOILERPLATE, ids=[t for t, _ in BOILERPLATE])
def test_boilerplate_is_named(text, reason):
    found = boilerplate_reason(text)
    assert found is not None
    if reason is not None:
        assert found == reason


def test_selective_service_accommodation_and_e_verify_have_their_own_reasons():
    assert boilerplate_reason("Register with the Selective Service System if required") == (
        "Selective Service registration"
    )
    assert boilerplate_reason("Ask us for a reasonable accommodation at any stage") == (
        "reasonable accommodation notice"
    )


NOT_BOILERPLATE = [
    "Experience running payroll for 200 staff",
    "Pay attention to detail in every invoice",
    "Experience managing budgets above $2M",
    "A commitment to diversity and inclusion in open source",
    "3+ years of benefits administration experience",
    "Comfortable with remote work. We cover a home office and internet.",
]


@pytest.mark.parametrize("text", NOT_BOILERPLATE)
def test_requirements_about_pay_or_benefits_work_are_not_boilerplate(text):
    assert boilerplate_reason(text) is None


DUTIES = [
    "Develop and maintain the billing service",
    "Manage the front-of-house rota",
    "Collaborate with designers on the onboarding flow",
    "Own the quarterly close end-to-end",
    "Maintain accurate stock records",
    "You will lead weekly planning with the support team",
    "Prepares monthly reports for the board",
    "Greet guests and manage the waiting list",
]
NOT_DUTIES = [
    "Experience managing a restaurant floor",
    "Ability to develop lesson plans",
    "Own tools and transport",
    "Knowledge of how to maintain HVAC systems",
    "Process improver who loves checklists",
    "Lead developer experience on a small team",
    "Test Driven Development and pair programming",
    "Track record of publications in ecology",
    "Work-life balance and flexible hours",
    "Bachelor's degree in finance",
]


@pytest.mark.parametrize("text", DUTIES)
def test_duties_read_like_duties(text):
    assert looks_like_duty(text)


@pytest.mark.parametrize("text", NOT_DUTIES)
def test_requirements_do_not_read_like_duties(text):
    assert not looks_like_duty(text)


def test_lead_sentence_keeps_initials_and_abbreviations():
    assert lead_sentence("Must be a U.S. Citizen. Background check required.") == (
        "Must be a U.S. Citizen."
    )
    assert lead_sentence("Tools, e.g. Python or Julia. And more.") == (
        "Tools, e.g. Python or Julia."
    )


def test_legal_notices_are_found_after_the_first_sentence_too():
    text = "Have your work status confirmed before day one. We use E-Verify to do this."
    assert boilerplate_reason(text) == "E-Verify notice"
