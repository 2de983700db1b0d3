"""Triage in the admin: the posting's text beside a draft's criteria, each
criterion's source highlighted, requirement-like prose no criterion covers
marked; and the small POST views that move, drop or add a criterion."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from core.errors import ServiceError
from rubrics import selectors, services
from rubrics.admin.common import reason
from rubrics.markdown import markdown_styles
from rubrics.models import Criterion, Rubric

KIND_PHRASES = {
    Criterion.Kind.MUST_HAVE: "a must-have",
    Criterion.Kind.BONUS: "a bonus",
    Criterion.Kind.SCREENING: "a screening question",
}
UNCOVERED = "uncovered_requirement"


@dataclass
class _Segment:
    start: int
    end: int
    criteria: list[Criterion] = field(default_factory=list)
    uncovered: str = ""
    anchor: bool = False
    # Markdown shown as what it means (rubrics.markdown.markdown_styles): md-marker, md-h2...
    styles: list[str] = field(default_factory=list)


def _segment_html(text: str, segment: _Segment) -> SafeString:
    # A carriage return is written as a character reference: the HTML parser turns a raw
    # CR or CRLF into one LF, which would shift every offset after it by one.
    body = mark_safe(escape(text[segment.start : segment.end]).replace("\r", "&#13;"))
    attrs = {"data-start": segment.start}
    if segment.anchor:
        attrs["id"] = f"posting-at-{segment.start}"
    classes = []
    if segment.criteria:
        first = segment.criteria[0]
        classes.append(f"source kind-{first.kind}")
        attrs["data-criterion"] = " ".join(str(c.pk) for c in segment.criteria)
        attrs["title"] = "; ".join(f"{c.get_kind_display()}: {c.title}" for c in segment.criteria)
    if segment.uncovered:
        classes.append("uncovered")
        attrs["title"] = segment.uncovered
    classes.extend(segment.styles)
    if classes:
        attrs["class"] = " ".join(classes)
    tag = "mark" if segment.criteria else "span"
    rendered = format_html_join(" ", '{}="{}"', attrs.items())
    return format_html("<{} {}>{}</{}>", tag, rendered, body, tag)


def posting_html(text: str, criteria: list[Criterion], warnings: list[dict]) -> SafeString:
    """The posting's text as adjacent segments, each saying where it starts in the text
    (`data-start`, in characters), so a selection in the page maps back to exact offsets.
    A criterion's source span is a <mark> naming the criterion; requirement-like prose no
    criterion covers is a span of class "uncovered". Markdown is styled in place: its
    markers are segments of class "md-marker" (hidden by the stylesheet, still counted),
    what they mark carries "md-h2", "md-strong", ..."""
    size = len(text)

    def clamp(value) -> int:
        return max(0, min(size, int(value)))

    spans = [
        (clamp(c.source_start), clamp(c.source_end), c)
        for c in criteria
        if c.source_start is not None and c.source_end is not None
    ]
    uncovered = [
        (clamp(w["span"][0]), clamp(w["span"][1]), w["message"])
        for w in warnings
        if w.get("span") and w["code"] == UNCOVERED
    ]
    anchors = {clamp(w["span"][0]) for w in warnings if w.get("span")}
    styles = markdown_styles(text)
    ranges = spans + uncovered + styles
    cuts = sorted({0, size, *anchors} | {i for a, b, _ in ranges for i in (a, b)})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        if start >= end:
            continue
        segment = _Segment(start, end, anchor=start in anchors)
        segment.criteria = [c for a, b, c in spans if a <= start and end <= b]
        segment.styles = [style for a, b, style in styles if a <= start and end <= b]
        reasons = [m for a, b, m in uncovered if a <= start and end <= b]
        if reasons:
            segment.uncovered = "Reads like a requirement, but no criterion covers it: " + " ".join(
                reasons
            )
        segments.append(segment)
    return format_html_join("", "{}", ((_segment_html(text, s),) for s in segments))


class TriageMixin:
    """The triage panel on a rubric's change page and its three POST views
    (set a criterion's kind, drop it, add one from selected posting text);
    each view runs one service and comes back with what happened."""

    def get_urls(self):
        def post_only(view):
            return self.admin_site.admin_view(require_POST(view))

        return [
            path(
                "<int:rubric_id>/criteria/<int:criterion_id>/kind/",
                post_only(self.set_kind_view),
                name="rubrics_rubric_criterion_kind",
            ),
            path(
                "<int:rubric_id>/criteria/<int:criterion_id>/drop/",
                post_only(self.drop_view),
                name="rubrics_rubric_criterion_drop",
            ),
            path(
                "<int:rubric_id>/criteria/from-posting/",
                post_only(self.add_from_posting_view),
                name="rubrics_rubric_add_from_posting",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self._triage_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _triage_context(self, request, rubric: Rubric) -> dict:
        # One query for the criteria, shared by the panel, the warnings and "ready to publish?".
        criteria = selectors.prefetch_criteria_in_order(rubric)
        # Warnings and triage are for a recruiter's draft; others see the highlights only.
        can_triage = rubric.is_draft and super().has_change_permission(request)
        warnings = selectors.rubric_warnings(rubric, criteria) if can_triage else []
        groups = [
            (kind, label, [c for c in criteria if c.kind == kind])
            for kind, label in (
                (Criterion.Kind.MUST_HAVE, "Must-haves"),
                (Criterion.Kind.BONUS, "Bonuses"),
                (Criterion.Kind.SCREENING, "Screening questions"),
            )
        ]
        for _, _, members in groups:
            for criterion in members:
                criterion.kind_url = reverse(
                    "admin:rubrics_rubric_criterion_kind", args=[rubric.pk, criterion.pk]
                )
                criterion.drop_url = reverse(
                    "admin:rubrics_rubric_criterion_drop", args=[rubric.pk, criterion.pk]
                )
        return {
            "rubric_warnings": warnings,
            "triage": {
                "can_triage": can_triage,
                "posting": rubric.posting,
                "posting_html": posting_html(rubric.posting.raw_text, criteria, warnings),
                "posting_length": len(rubric.posting.raw_text),
                "has_uncovered": any(w["code"] == UNCOVERED and w.get("span") for w in warnings),
                "groups": groups,
                "kinds": [(k, Criterion.Kind(k).label) for k in Criterion.Kind.values],
                "add_url": reverse("admin:rubrics_rubric_add_from_posting", args=[rubric.pk]),
            },
        }

    def _triage(self, request, rubric_id: int, act) -> HttpResponseRedirect:
        """Run one triage service on a draft and come back to its page with what happened."""
        if not super().has_change_permission(request):
            raise PermissionDenied
        rubric = get_object_or_404(Rubric, pk=rubric_id)
        try:
            done = act(rubric)
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, reason(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:rubrics_rubric_change", args=[rubric.pk]))

    def _criterion(self, rubric: Rubric, criterion_id: int) -> Criterion:
        return get_object_or_404(Criterion, pk=criterion_id, rubric=rubric)

    def set_kind_view(self, request, rubric_id: int, criterion_id: int):
        kind = request.POST.get("kind", "")

        def act(rubric):
            criterion = self._criterion(rubric, criterion_id)
            was = criterion.kind
            criterion = services.criterion_set_kind(
                criterion=criterion, kind=kind, actor=request.user
            )
            if was == kind:
                return f"“{criterion.title}” is already {KIND_PHRASES[kind]}."
            return f"“{criterion.title}” is now {KIND_PHRASES[kind]}; weights reset."

        return self._triage(request, rubric_id, act)

    def drop_view(self, request, rubric_id: int, criterion_id: int):
        def act(rubric):
            criterion = self._criterion(rubric, criterion_id)
            services.criterion_drop(criterion=criterion, actor=request.user)
            return f"Dropped “{criterion.title}”; weights reset."

        return self._triage(request, rubric_id, act)

    def add_from_posting_view(self, request, rubric_id: int):
        kind = request.POST.get("kind", Criterion.Kind.MUST_HAVE)

        def act(rubric):
            try:
                start, end = int(request.POST["start"]), int(request.POST["end"])
            except (KeyError, ValueError):
                raise ValidationError("Select some of the posting's text first.") from None
            criterion = services.criterion_add_from_posting(
                rubric=rubric, start=start, end=end, kind=kind, actor=request.user
            )
            return f"Added “{criterion.title}” as {KIND_PHRASES[criterion.kind]}; weights reset."

        return self._triage(request, rubric_id, act)
