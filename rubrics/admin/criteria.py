"""A rubric's criteria, edited inline on its page: keywords as one line,
anchors as one line per level, both following a change of scale."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from rubrics.anchors import default_anchors
from rubrics.models import Criterion


class KeywordsField(forms.CharField):
    """A list of keywords edited as one comma-separated line."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [word.strip() for word in (value or "").split(",") if word.strip()]


class AnchorsField(forms.CharField):
    """Anchor text edited as one line per level, lowest level first."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 28})

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
        widgets = {"description": forms.Textarea(attrs={"rows": 4, "cols": 24})}

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


class CriterionInline(admin.TabularInline):
    # Each criterion's source is highlighted in the posting beside the cards above, so the
    # table has no column for it: it stays narrow enough for a laptop screen.
    model = Criterion
    form = CriterionForm
    extra = 0
    # Shown instead of the JSON lists when the table is read-only (published, or a reviewer).
    readonly_fields = ["keyword_list", "anchor_list"]

    def _editable(self, obj) -> bool:
        return obj is None or obj.is_draft

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self.readonly_fields]
        if self.has_change_permission(request, obj):
            return fields
        shown = {"keywords": "keyword_list", "anchors": "anchor_list"}
        return [shown.get(name, name) for name in fields]

    @admin.display(description="keywords")
    def keyword_list(self, criterion):
        return ", ".join(criterion.keywords) or "—"

    @admin.display(description="anchor text per level")
    def anchor_list(self, criterion):
        if not criterion.anchors:
            return "—"
        return format_html(
            '<ol class="anchor-list">{}</ol>',
            format_html_join("", "<li>{}</li>", ((a,) for a in criterion.anchors)),
        )

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)
