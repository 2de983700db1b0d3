"""The admin site: the project's apps first, in the order a recruiter's day
goes (postings and rubrics, then screening, calibration, reports), the
framework's apps (users, periodic tasks, tokens) after them, and extra entries
that are pages rather than models (the ranking) listed beside the models.

Apps add such an entry with `add_index_entry`, so this module names none of
them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import NoReverseMatch, reverse

# The project's apps, in the order the index lists them; others follow.
APP_ORDER = ["rubrics", "screening", "calibration", "reports", "core"]


@dataclass(frozen=True)
class IndexEntry:
    app_label: str
    name: str
    url_name: str
    allowed: Callable  # request -> bool
    before: str | None = None  # the object_name of the model it is listed before


_entries: list[IndexEntry] = []


def add_index_entry(
    app_label: str, name: str, url_name: str, *, allowed: Callable, before: str | None = None
) -> None:
    """List a page (not a model) among an app's models on the admin index and
    sidebar, for the users `allowed(request)` admits."""
    entry = IndexEntry(app_label, name, url_name, allowed, before)
    if entry not in _entries:
        _entries.append(entry)


class ScreeningAdminSite(admin.AdminSite):
    site_header = "Screening rubrics"
    site_title = "Screening rubrics"
    index_title = "Postings, rubrics and reviews"
    # The service has no public site: a "View site" link would lead to a 404.
    site_url = None
    # At 1366 px the navigation sidebar takes a quarter of the width that the
    # ranking, the scorecard and the changelists need; the index and the
    # breadcrumbs lead everywhere it does.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = self._build_app_dict(request, app_label)
        for entry in _entries:
            if entry.app_label not in apps or not entry.allowed(request):
                continue
            try:
                url = reverse(f"{self.name}:{entry.url_name}")
            except NoReverseMatch:
                continue
            apps[entry.app_label]["models"].append(_page_row(entry, url))
        project = {label: i for i, label in enumerate(APP_ORDER)}
        ordered = sorted(
            apps.values(),
            key=lambda app: (project.get(app["app_label"], len(project)), app["name"].lower()),
        )
        for app in ordered:
            pages = [m for m in app["models"] if m.get("page")]
            models = [m for m in app["models"] if not m.get("page")]
            models.sort(key=lambda m: m["name"].lower())
            for page in pages:
                position = next(
                    (i for i, m in enumerate(models) if m["object_name"] == page["before"]),
                    len(models),
                )
                models.insert(position, page)
            app["models"] = models
        return ordered


def _page_row(entry: IndexEntry, url: str) -> dict:
    return {
        "name": entry.name,
        "object_name": entry.name.replace(" ", ""),
        "perms": {"view": True},
        "admin_url": url,
        "add_url": None,
        "view_only": True,
        "page": True,
        "before": entry.before,
    }


class ScreeningAdminConfig(AdminConfig):
    default_site = "core.admin_site.ScreeningAdminSite"
