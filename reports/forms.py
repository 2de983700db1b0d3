"""The admin's digest form: a posting and the period its digest covers."""

from datetime import date, datetime, timedelta

from django import forms
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from reports import selectors
from reports.digest import DigestPeriod, day_range, last_week, this_week_so_far

MAX_RANGE_DAYS = 366
# No digest reaches further back; the year 1 has no local midnight east of UTC.
EARLIEST = date(2000, 1, 1)


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


class DigestForm(forms.Form):
    class Period(models.TextChoices):
        THIS_WEEK = "this_week", "This week so far"
        LAST_WEEK = "last_week", "Last week"
        CUSTOM = "custom", "Custom range"

    posting = forms.ModelChoiceField(
        queryset=selectors.postings_for_digest(),
        empty_label="Choose a posting",
        error_messages={
            "required": "Choose the posting whose digest you want.",
            "invalid_choice": "No posting has this id; choose one from the list.",
        },
    )
    period = forms.ChoiceField(
        choices=Period.choices,
        initial=Period.THIS_WEEK,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a period."},
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="First day of a custom range.",
        validators=[MinValueValidator(EARLIEST, "The range cannot start before 2000.")],
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Last day, included; today at the latest.",
        validators=[MinValueValidator(EARLIEST, "The range cannot end before 2000.")],
    )

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        # Each choice names its days, so nobody has to work out what "last
        # week" means on a Monday.
        this_week = this_week_so_far(self.now).wording.removesuffix(" (so far)")
        self.fields["period"].choices = [
            (self.Period.THIS_WEEK, f"This week so far ({this_week})"),
            (self.Period.LAST_WEEK, f"Last week ({last_week(self.now).wording})"),
            (self.Period.CUSTOM, "Custom range"),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") != self.Period.CUSTOM:
            return cleaned
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first is None and "date_from" not in self.errors:
            self.add_error("date_from", "Give the first day of the range.")
        if last is None and "date_to" not in self.errors:
            self.add_error("date_to", "Give the last day of the range.")
        if first is None or last is None:
            return cleaned
        today = timezone.localdate(self.now)
        if last > today:
            self.add_error(
                "date_to",
                f"The range cannot end in the future: today is {_day(today)}.",
            )
        if first > last:
            self.add_error(
                "date_to",
                f"The last day ({_day(last)}) is before the first ({_day(first)}).",
            )
        elif (last - first) + timedelta(days=1) > timedelta(days=MAX_RANGE_DAYS):
            days = (last - first).days + 1
            self.add_error(
                "date_to",
                f"A range covers at most {MAX_RANGE_DAYS} days; this one covers {days}.",
            )
        return cleaned

    def digest_period(self) -> DigestPeriod:
        """The period chosen, as of `now` (call after is_valid())."""
        period = self.cleaned_data["period"]
        if period == self.Period.THIS_WEEK:
            return this_week_so_far(self.now)
        if period == self.Period.LAST_WEEK:
            return last_week(self.now)
        return day_range(self.cleaned_data["date_from"], self.cleaned_data["date_to"], self.now)
