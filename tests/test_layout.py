"""Imports point one way: core ← rubrics ← screening ← calibration ← reports,
and no app leans on the deployment package `config` (settings, urls, the
Celery app, WSGI/ASGI). Every import is read, at module level or inside a
function, from the source."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each app, and the apps it must never import.
NEVER = {
    "core": {"rubrics", "screening", "calibration", "reports"},
    "rubrics": {"screening", "calibration", "reports"},
    "screening": {"calibration", "reports"},
    "calibration": {"reports"},
}
APPS = ("core", "rubrics", "screening", "calibration", "reports")
# What config/ may hold: settings, urls, the Celery app, WSGI/ASGI and gunicorn's settings.
CONFIG_MODULES = {"__init__.py", "asgi.py", "celery.py", "gunicorn.py", "urls.py", "wsgi.py"}


def imported_modules(path: Path) -> set[str]:
    """The dotted names of the modules a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            # `from config import roles` imports config.roles.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def imported_apps(path: Path) -> set[str]:
    """The top-level packages that a module imports, anywhere in it."""
    return {name.split(".")[0] for name in imported_modules(path)}


def modules(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("app", sorted(NEVER))
def test_an_app_never_imports_the_apps_built_on_it(app):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & NEVER[app])
        for path in modules(app)
        if imported_apps(path) & NEVER[app]
    }
    assert offending == {}


def config_imports(path: Path) -> set[str]:
    """What a module imports from `config`, the Celery app (which a task module may
    need) and the package itself aside."""
    allowed = {"config", "config.celery", "config.celery.app"}
    if path.name != "tasks.py":
        allowed = set()
    return {
        name
        for name in imported_modules(path)
        if name.split(".")[0] == "config" and name not in allowed
    }


@pytest.mark.parametrize("app", APPS)
def test_no_app_imports_the_deployment_package(app):
    """Migrations included: a fresh database must not need config/ either."""
    offending = {
        str(path.relative_to(ROOT)): sorted(config_imports(path))
        for path in sorted((ROOT / app).rglob("*.py"))
        if config_imports(path)
    }
    assert offending == {}


def test_config_holds_only_settings_urls_celery_wsgi_and_gunicorn():
    config = ROOT / "config"
    assert {p.name for p in config.glob("*.py")} == CONFIG_MODULES
    assert {p.name for p in config.iterdir() if p.is_dir() and p.name != "__pycache__"} == {
        "settings"
    }


def test_the_deployment_package_imports_no_app_but_through_settings_and_urls():
    """config's Celery app and WSGI/ASGI entry points load Django and nothing else;
    the apps are named in settings and routed in urls."""
    for name in ("celery.py", "wsgi.py", "asgi.py"):
        assert not imported_apps(ROOT / "config" / name) & set(APPS), name


def test_calibration_services_do_not_import_their_tasks():
    """scheduling → tasks → services, never back."""
    for name in ("services.py", "compute.py", "data.py", "selectors.py"):
        tree = ast.parse((ROOT / "calibration" / name).read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not imported & {"calibration.tasks", "calibration.scheduling"}, name


# An app's api/ package (serializers, views, renderers, urls) is its own: only
# the modules inside it import it, and no other app's code does. The project's
# shared API pieces (permissions, the exception handler) are not an app's api.
APPS_WITH_AN_API = ("rubrics", "screening", "calibration", "reports")


def api_of(module: str) -> str | None:
    """The app whose api package `module` is in (or is), if any."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] in APPS_WITH_AN_API and parts[1] == "api":
        return parts[0]
    return None


def api_imports_out_of_place(app: str) -> dict[str, list[str]]:
    offending = {}
    for path in modules(app):
        inside_own_api = path.relative_to(ROOT / app).parts[0] == "api"
        bad = sorted(
            module
            for module in imported_modules(path)
            if api_of(module) and not (inside_own_api and api_of(module) == app)
        )
        if bad:
            offending[str(path.relative_to(ROOT))] = bad
    return offending


@pytest.mark.parametrize("app", ["core", *APPS_WITH_AN_API])
def test_only_an_apps_own_api_package_imports_its_api(app):
    assert api_imports_out_of_place(app) == {}


def test_the_api_import_check_sees_both_forms_of_import(tmp_path, monkeypatch):
    app = tmp_path / "reports"
    (app / "api").mkdir(parents=True)
    (app / "digest.py").write_text("from screening.api.renderers import CSVRenderer\n")
    (app / "admin.py").write_text("def f():\n    from reports import api\n")
    (app / "api" / "views.py").write_text(
        "from reports.api.serializers import S\nfrom screening.api import renderers\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)

    assert api_imports_out_of_place("reports") == {
        "reports/admin.py": ["reports.api"],
        "reports/api/views.py": ["screening.api", "screening.api.renderers"],
        "reports/digest.py": ["screening.api.renderers", "screening.api.renderers.CSVRenderer"],
    }


def test_the_ranking_export_does_not_use_the_api_framework():
    """screening/exports.py builds the CSV the API, the admin and the digest share."""
    assert not {m.split(".")[0] for m in imported_modules(ROOT / "screening" / "exports.py")} & {
        "rest_framework",
        "drf_spectacular",
    }
