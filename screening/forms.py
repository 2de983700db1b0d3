from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminDateWidget
from django.utils import timezone

from rubrics.models import Criterion
from screening.imports import MAX_BYTES
from screening.models import Application, Scorecard

NO_EVIDENCE = ""
ANSWERS = [(NO_EVIDENCE, "Not known yet"), ("yes", "Yes"), ("no", "No")]


def _answer(choice: str) -> bool:
    return choice == "yes"


def answer_choice(answer: bool | None) -> str:
    """The form's value for a stored screening answer."""
    return NO_EVIDENCE if answer is None else ("yes" if answer else "no")


class ScorecardForm(forms.Form):
    """One level choice and one note per criterion, a yes/no answer per
    screening question, then the overall recommendation and summary. Bonus
    criteria may be left at "no evidence" and questions at "not known";
    must-haves are checked on submit by the service."""

    recommendation = forms.TypedChoiceField(
        choices=[(NO_EVIDENCE, "Not chosen yet")] + list(Scorecard.Recommendation.choices),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, criteria: list[Criterion], level_labels: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        levels = [(str(i), f"{i} · {label}") for i, label in enumerate(level_labels, start=1)]
        for c in criteria:
            if c.is_screening:
                self.fields[f"answer_{c.pk}"] = forms.TypedChoiceField(
                    label=c.title,
                    choices=ANSWERS,
                    coerce=_answer,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect,
                )
                self.fields[f"note_{c.pk}"] = forms.CharField(
                    label=f"Evidence for {c.title}",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 1}),
                )
                continue
            empty = "No evidence" if c.kind == Criterion.Kind.BONUS else "Not scored yet"
            self.fields[f"score_{c.pk}"] = forms.TypedChoiceField(
                label=c.title,
                choices=[(NO_EVIDENCE, empty), *levels],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{c.pk}"] = forms.CharField(
                label=f"Evidence for {c.title}",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """Per criterion: the criterion, its note field, and its levels as
        (radio, anchor text) pairs, the "not scored" choice first."""
        rows = []
        for c in self.criteria:
            if c.is_screening:
                continue
            score = self[f"score_{c.pk}"]
            options = list(score)
            anchors = [None, *c.anchors, *([None] * len(options))][: len(options)]
            rows.append(
                {
                    "criterion": c,
                    "score": score,
                    "note": self[f"note_{c.pk}"],
                    "levels": list(zip(options, anchors, strict=True)),
                }
            )
        return rows

    def question_rows(self) -> list[dict]:
        """Per screening question: the question, its yes/no choice and its note."""
        return [
            {"criterion": c, "answer": self[f"answer_{c.pk}"], "note": self[f"note_{c.pk}"]}
            for c in self.criteria
            if c.is_screening
        ]

    def scores(self) -> list[dict]:
        entries = []
        for c in self.criteria:
            entry = {"criterion": c.pk, "note": self.cleaned_data.get(f"note_{c.pk}", "")}
            if c.is_screening:
                entry["answer"] = self.cleaned_data.get(f"answer_{c.pk}")
            else:
                entry["value"] = self.cleaned_data.get(f"score_{c.pk}")
            entries.append(entry)
        return entries


class AssignReviewersForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    due_date = forms.DateField(required=False, widget=AdminDateWidget)

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and due < timezone.localdate():
            raise forms.ValidationError("The due date is in the past.")
        return due

    def __init__(self, *args, reviewer_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewer_queryset
        self.fields["reviewers"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
        )


class CandidateImportForm(forms.Form):
    """A candidates file (CSV or XLSX), optionally a ZIP of their documents, and what to do
    with its rows: optionally open an application for each on a posting (which the
    documents need), and assign reviewers to every one of them. After the preview the
    checked files stay on the server; `upload` and `documents_upload` name them."""

    file = forms.FileField(
        required=False,
        help_text="CSV or Excel (.xlsx, first sheet) with a header row: "
        "full_name, email, phone, links, notes (phone, links and notes optional; "
        "separate several links with spaces). At most 2 MB.",
    )
    documents = forms.FileField(
        required=False,
        label="Documents (ZIP)",
        help_text="Optional: a ZIP of the candidates' PDF, DOCX or text files, attached to "
        "the applications the import opens (choose a posting below). A documents column "
        "names each row's files "
        "(separate several with ; or ,); without one, files are named by email: "
        "ada@example.net.pdf, ada@example.net-cover.pdf. A name saying cover or letter "
        "is a cover letter, any other a résumé.",
    )
    posting = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="None: only add the candidates",
        help_text="Open an application on this posting for every row, pinned to its "
        "published rubric; candidates already on file get one too. Postings open for "
        "applications only.",
    )
    reviewers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each one is assigned to every application the import opens.",
    )
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When the reviews are due (optional).",
    )
    upload = forms.CharField(required=False, widget=forms.HiddenInput)
    documents_upload = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, posting_queryset, reviewer_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["posting"].queryset = posting_queryset
        self.fields["reviewers"].queryset = reviewer_queryset
        self.fields["reviewers"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is over {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files."
            )
        return upload

    def clean_documents(self):
        upload = self.cleaned_data.get("documents")
        limit = settings.DOCUMENT_ZIP_MAX_BYTES
        if upload and upload.size > limit:
            raise forms.ValidationError(
                f"The ZIP is over {limit // (1024 * 1024)} MB; split it into smaller ZIPs."
            )
        return upload

    def clean_due_date(self):
        due = self.cleaned_data.get("due_date")
        if due and due < timezone.localdate():
            raise forms.ValidationError("The due date is in the past.")
        return due

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("upload") and "file" not in self.errors:
            self.add_error("file", "Choose a CSV or Excel (.xlsx) file.")
        if data.get("reviewers") and not data.get("posting"):
            self.add_error(
                "reviewers",
                "Choose a posting too: reviewers are assigned to the applications it opens.",
            )
        if data.get("due_date") and not data.get("reviewers"):
            self.add_error("due_date", "A due date needs reviewers to assign.")
        if (data.get("documents") or data.get("documents_upload")) and not data.get("posting"):
            self.add_error(
                "documents",
                "Choose a posting too: documents are attached to the applications it opens.",
            )
        return data

    def options(self) -> dict:
        """What the import service takes besides the file."""
        return {
            "posting": self.cleaned_data.get("posting"),
            "reviewers": list(self.cleaned_data.get("reviewers") or []),
            "due_date": self.cleaned_data.get("due_date"),
        }


class ApplicationStageForm(forms.Form):
    """The stage the "Move to stage…" action moves the chosen applications to."""

    stage = forms.ChoiceField(choices=Application.Stage.choices, widget=forms.RadioSelect)
