"""Imports point one way: rubrics ← screening ← calibration ← reports. Every
import is read, at module level or inside a function, from the source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each app, and the apps it must never import.
NEVER = {
    "rubrics": {"screening", "calibration", "reports"},
    "screening": {"calibration", "reports"},
    "calibration": {"reports"},
}


def imported_apps(path: Path) -> set[str]:
    """The top-level packages that a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


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
