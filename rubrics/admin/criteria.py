"""A rubric's criteria on its page, one card each (a stacked inline): title,
kind, type, weight and knockout level on one line, the text below, then the
keywords, the anchor per level and the posting text it came from. A draft
edits keywords as one comma-separated line and anchors as one line per
level, both following a change of scale; a published rubric (or a reviewer)
reads the same card with keywords as chips and anchors as a numbered list."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from rubrics.anchors import SCALE_LABELS, default_anchors
from rubrics.markdown import excerpt, render_markdown, render_markdown_inline
from rubrics.models import Criterion

# A source longer than this is shown folded: its start, cut where a sentence ends.
SOURCE_SHOWN_CHARS = 280


class KeywordsField(forms.CharField):
    """A list of keywords edited as one comma-separated line."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [word.strip() for word in (value or "").split(",") if word.strip()]


class AnchorsField(forms.CharField):
    """Anchor text edited as one line per level, lowest level first."""

    widget = forms.Textarea(attrs={"rows": 5, "cols": 80})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class CriterionForm(forms.ModelForm):
    keywords = KeywordsField(required=False, help_text="Comma-separated.")
    anchors = AnchorsField(required=False, help_text="One line per level, lowest first.")

    class Meta:
        model = Criterion
        fields = [
            "order",
            "kind",
            "type",
            "title",
            "description",
            "weight",
            "knockout_level",
            "keywords",
            "anchors",
        ]
        labels = {"order": "#", "description": "Text", "knockout_level": "Knockout"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3, "cols": 80})}

    # Set per rubric by the inline (its scale): the label of each level, lowest first.
    level_labels: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The card's first line holds the short fields side by side: the knockout level's
        # explanation is its tooltip rather than a line of help under it.
        knockout = self.fields.get("knockout_level")
        if knockout is not None:
            knockout.widget.attrs["title"] = knockout.help_text
            knockout.help_text = ""
        if self.level_labels and "anchors" in self.fields:
            anchors = self.fields["anchors"]
            anchors.help_text = "One line per level, lowest first: " + ", ".join(
                f"{i} {label}" for i, label in enumerate(self.level_labels, start=1)
            )
            anchors.widget.attrs["rows"] = len(self.level_labels) + 1

    def clean(self):
        cleaned_data = super().clean()
        # The inline's foreign key cleans to the rubric as edited on this page.
        rubric = cleaned_data.get("rubric")
        if rubric is not None and self.instance.pk is not None:
            self._follow_scale(cleaned_data, rubric.scale_max)
        return cleaned_data

    def _follow_scale(self, cleaned_data, scale_max: int) -> None:
        """When the rubric's scale changes on the same page, the service
        regenerates every criterion's anchors and clamps its knockout level.
        Fields the recruiter left untouched follow the new scale here too;
        otherwise each criterion would fail validation until all its anchor
        lines were rewritten by hand."""
        stored = self.initial.get("anchors") or []
        if "anchors" not in self.changed_data and stored and len(stored) != scale_max:
            cleaned_data["anchors"] = default_anchors(
                title=cleaned_data.get("title", ""),
                text=cleaned_data.get("description", ""),
                keywords=cleaned_data.get("keywords", []),
                scale_max=scale_max,
            )
        level = cleaned_data.get("knockout_level")
        if "knockout_level" not in self.changed_data and level is not None and level > scale_max:
            cleaned_data["knockout_level"] = scale_max


class CriterionFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Each card reads its rubric (scale, posting text): the one this page already has,
        # rather than one query per criterion.
        form.instance.rubric = self.instance
        return form


def level_label(number: int, scale_max: int | None) -> str:
    labels = SCALE_LABELS.get(scale_max, ())
    return labels[number - 1] if 0 < number <= len(labels) else ""


class CriterionInline(admin.StackedInline):
    model = Criterion
    form = CriterionForm
    formset = CriterionFormSet
    extra = 0
    # What a draft edits, as a card: the line of short fields, then the texts.
    edit_fieldsets = [
        (
            None,
            {
                "fields": [
                    ("order", "title", "kind", "type", "weight", "knockout_level"),
                    "description",
                    "keywords",
                    "anchors",
                    "from_posting",
                ]
            },
        )
    ]
    # What a published rubric (or a reviewer) reads: the same card, lists rendered.
    read_fieldsets = [
        (
            None,
            {
                "fields": [
                    ("kind", "type", "weight_share", "knockout"),
                    "criterion_text",
                    "keyword_chips",
                    "anchor_list",
                    "from_posting",
                ]
            },
        )
    ]
    readonly_fields = [
        "weight_share",
        "knockout",
        "criterion_text",
        "keyword_chips",
        "anchor_list",
        "from_posting",
    ]
    classes = ["criterion-cards-inline"]

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def get_fieldsets(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.edit_fieldsets
        return self.read_fieldsets

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            # The anchors' hint names the levels of this rubric's scale.
            formset.form = type(
                formset.form.__name__,
                (formset.form,),
                {"level_labels": SCALE_LABELS.get(obj.scale_max, ())},
            )
        return formset

    @admin.display(description="weight")
    def weight_share(self, criterion):
        return "—" if criterion.is_screening else f"{criterion.weight}%"

    @admin.display(description="knockout")
    def knockout(self, criterion):
        level = criterion.knockout_level
        if level is None:
            return "—"
        scale_max = criterion.rubric.scale_max if criterion.rubric_id else None
        label = level_label(level, scale_max)
        return f"fails below {level} {label}".rstrip()

    @admin.display(description="text")
    def criterion_text(self, criterion):
        if not criterion.description:
            return "—"
        return format_html(
            '<div class="criterion-text">{}</div>',
            mark_safe(render_markdown(criterion.description)),
        )

    @admin.display(description="keywords")
    def keyword_chips(self, criterion):
        if not criterion.keywords:
            return "—"
        return format_html(
            '<ul class="keyword-chips">{}</ul>',
            format_html_join("", '<li class="chip">{}</li>', ((k,) for k in criterion.keywords)),
        )

    @admin.display(description="anchor text per level")
    def anchor_list(self, criterion):
        if not criterion.anchors:
            return "—"
        scale_max = criterion.rubric.scale_max if criterion.rubric_id else None
        return format_html(
            '<ol class="anchor-list">{}</ol>',
            format_html_join(
                "",
                '<li><span class="level">{} {}</span> {}</li>',
                (
                    (number, level_label(number, scale_max), anchor)
                    for number, anchor in enumerate(criterion.anchors, start=1)
                ),
            ),
        )

    @admin.display(description="from the posting")
    def from_posting(self, criterion):
        """The posting text the criterion came from, rendered; a long one folded, its
        summary cut where a sentence ends."""
        if criterion.source_start is None or not criterion.rubric_id:
            return "—"
        source = criterion.source_text().strip()
        if not source:
            return "—"
        rendered = mark_safe(render_markdown(source))
        start, was_cut = excerpt(source, SOURCE_SHOWN_CHARS)
        if not was_cut:
            return format_html('<div class="posting-source">{}</div>', rendered)
        return format_html(
            '<details class="posting-source"><summary>{}</summary>{}</details>',
            mark_safe(render_markdown_inline(start)),
            rendered,
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)
