"""Data migrations carry frozen data and code: one that imports live app code would replay
differently after that code changes."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCAL_APPS = {
    c.name.split(".")[0]
    for c in apps.get_app_configs()
    if c.path.startswith(str(ROOT)) and "site-packages" not in c.path
}


def data_migrations() -> list[Path]:
    return sorted(
        path
        for app in LOCAL_APPS
        for path in (ROOT / app / "migrations").glob("0*.py")
        if "RunPython" in path.read_text()
    )


def local_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in LOCAL_APPS]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found += [node.module] if node.module.split(".")[0] in LOCAL_APPS else []
    return found


def test_there_are_data_migrations_to_check():
    names = {p.name for p in data_migrations()}
    assert {"0002_seed_policies.py", "0002_seed_rotation_policies.py"} <= names


@pytest.mark.parametrize("path", data_migrations(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_data_migrations_import_no_app_code(path):
    # `<app>.models` is how Django's autodetector writes a callable field default: schema.
    assert [m for m in local_imports(path) if not m.endswith(".models")] == []
