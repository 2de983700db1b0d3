"""Dates in the admin and the reports: "1 Dec 2026, 14:31" rather than
Django's "Dec. 1, 2026, 2:31 p.m.", which is long at 1366 px and doubles its
period when a sentence ends on it."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
TIME_FORMAT = "H:i"
