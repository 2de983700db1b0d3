"""The digest's adverse-impact section: rendered only for the copies sent to recipients who
may read self-identified demographics, never into the stored report that recruiters read
(reports.services.report_send adds it to those copies at sending).

Short on purpose: the stage ratios under four-fifths and the flagged criteria and reviewers,
each as a sentence, what a flag means, and a link to the full report in the admin. It reads
the same report the admin page shows (`posting_adverse_impact`), so small groups stay merged
or hidden here as there."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse

from reports.impact import stats
from reports.impact.analysis import ImpactReport
from reports.impact.selectors import posting_adverse_impact
from rubrics.models import JobPosting

# Where the section goes in the stored digest's HTML (a comment, so the stored report shows
# nothing there); a report stored before the marker existed takes it before </body>.
HTML_MARKER = "<!-- adverse-impact -->"
TEXT_BEFORE = "The ranking is attached as CSV."


@dataclass(frozen=True)
class DigestSection:
    html: str
    text: str
    flags: int


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _stage_sentences(report: ImpactReport) -> list[str]:
    lines = []
    for category in report.categories:
        for stage in category.stages:
            for row in stage.rows:
                if row.below_four_fifths:
                    lines.append(
                        f"{category.category} — {row.group}: {row.selected} of {row.total} "
                        f"reached {stage.stage.lower()} ({row.rate:.0%}), impact ratio "
                        f"{row.impact_ratio:.2f} against the highest group (under 0.80; "
                        f"Fisher's p {_p(row.p_value)})."
                    )
    return lines


def _score_sentences(report: ImpactReport) -> list[tuple[str, str]]:
    """("criterion" or "reviewer", sentence) for each flagged score difference."""
    lines = []
    for category, kind, row in report.flagged:
        c = row.comparison
        direction = "lower" if c.effect.g < 0 else "higher"
        if kind == "criterion":
            what = f"scored {direction} than the rest on “{row.subject}”"
        else:
            what = f"were scored {direction} than the rest by {row.subject}"
        lines.append(
            (
                kind,
                f"{category} — {row.group} {what} "
                f"(mean {c.mean_group:.2f} vs {c.mean_rest:.2f}, {c.n_group} and {c.n_rest} "
                f"people; Hedges' g {c.effect.g:.2f} [{c.effect.ci_low:.2f}, "
                f"{c.effect.ci_high:.2f}], adjusted p {_p(c.q_value)}).",
            )
        )
    return lines


def report_link(posting: JobPosting, site_url: str) -> str:
    """The admin's adverse-impact page for the posting ("" without a site URL)."""
    if not site_url:
        return ""
    page = reverse("admin:reports_adverse_impact")
    return f"{site_url.rstrip('/')}{page}?posting={posting.pk}"


def digest_section(posting: JobPosting, *, site_url: str = "") -> DigestSection:
    """The posting's adverse-impact section as HTML and plain text."""
    report = posting_adverse_impact(posting)
    stages = _stage_sentences(report)
    scores = _score_sentences(report)
    compared = [c for c in report.categories if not c.note]
    meanings = []
    if stages:
        meanings.append(stats.FOUR_FIFTHS_MEANING)
    if scores:
        meanings.append(stats.SCORE_FLAG_MEANING)
    if compared and not (stages or scores):
        meanings.append(stats.NO_FLAG_MEANING)
    meanings.append(stats.SUPPRESSION_MEANING.format(minimum=report.minimum))
    link = report_link(posting, site_url)
    context = {
        "report": report,
        "compared": compared,
        "stages": stages,
        "criteria": [text for kind, text in scores if kind == "criterion"],
        "reviewers": [text for kind, text in scores if kind == "reviewer"],
        "meanings": meanings,
        "link": link,
    }
    return DigestSection(
        html=render_to_string("reports/impact/digest_section.html", context),
        text=render_to_string("reports/impact/digest_section.txt", context),
        flags=len(stages) + len(scores),
    )


def unavailable_section(posting: JobPosting, *, site_url: str = "") -> DigestSection:
    """What a permitted recipient reads when the analysis failed: the digest still goes."""
    link = report_link(posting, site_url)
    text = "The adverse-impact section could not be prepared for this copy"
    return DigestSection(
        html=(
            '<div id="adverse-impact" style="margin:24px 0 0; padding:12px 16px; '
            'border:1px solid #e0c5c5;"><p style="margin:0;">'
            + text
            + (f'; <a href="{link}">open the report in the admin</a>.' if link else ".")
            + "</p></div>"
        ),
        text=f"ADVERSE IMPACT\n  {text}{'; open the report: ' + link if link else '.'}\n\n",
        flags=0,
    )


def with_section(html: str, text: str, section: DigestSection) -> tuple[str, str]:
    """The stored digest's HTML and text with the section put in."""
    if HTML_MARKER in html:
        html = html.replace(HTML_MARKER, section.html, 1)
    elif "</body>" in html:
        html = html.replace("</body>", section.html + "</body>", 1)
    else:
        html += section.html
    head, found, tail = text.rpartition(TEXT_BEFORE)
    text = f"{head}{section.text}{found}{tail}" if found else f"{text}\n{section.text}"
    return html, text
