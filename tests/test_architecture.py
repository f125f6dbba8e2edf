"""The packages depend on each other one way only (docs/architecture.md).

config → mediation → disputes → notifications → accounts → core: each may import only the
packages to its right. Imports inside functions count, and so do templates that load another
app's tag library: a deferred import or a `{% load %}` hides the coupling, it does not remove it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["config", "mediation", "disputes", "notifications", "accounts", "core"]
MAY_IMPORT = {name: set(ORDER[i + 1 :]) for i, name in enumerate(ORDER)}
SKIPPED_FOLDERS = {"migrations", "__pycache__"}


def imported_packages(path: Path, root: Path) -> list[tuple[str, int]]:
    """(top-level project package, line) for every import in a module, deferred ones included."""
    module = ".".join(path.relative_to(root).with_suffix("").parts)
    package = module.split(".")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: stays inside the package it is written in
                names = [".".join(package[: len(package) - node.level])]
            else:
                names = [node.module or ""]
        else:
            continue
        found += [(name.split(".")[0], node.lineno) for name in names if name.split(".")[0] in MAY_IMPORT]
    return found


def violations(root: Path = ROOT) -> list[str]:
    bad = []
    for top in ORDER:
        for path in sorted((root / top).rglob("*.py")):
            if SKIPPED_FOLDERS & set(path.relative_to(root).parts):
                continue
            for target, line in imported_packages(path, root):
                if target != top and target not in MAY_IMPORT[top]:
                    bad.append(f"{path.relative_to(root)}:{line} ({top}) imports {target}")
    tag_owner = {
        tags.stem: tags.parent.parent.name
        for tags in root.glob("*/templatetags/*.py")
        if tags.parent.parent.name in MAY_IMPORT
    }
    for template in sorted((root / "templates").rglob("*.html")):
        owner = template.relative_to(root / "templates").parts[0]
        if owner not in MAY_IMPORT:
            continue
        for loaded in re.findall(r"{%\s*load\s+([^%]+)%}", template.read_text(encoding="utf-8")):
            for library in loaded.split():
                app = tag_owner.get(library)
                if app and app != owner and app not in MAY_IMPORT[owner]:
                    bad.append(f"{template.relative_to(root)} ({owner}) loads {library} of {app}")
    return bad


def test_every_import_and_tag_library_follows_the_direction():
    assert violations() == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "accounts/x.py",
            "def f():\n    from disputes.models import Dispute\n",
            "(accounts) imports disputes",
        ),
        ("notifications/x.py", "import mediation.chat\n", "(notifications) imports mediation"),
        ("disputes/x.py", "from config import settings\n", "(disputes) imports config"),
        ("core/x.py", "from accounts.models import User\n", "(core) imports accounts"),
    ],
)
def test_an_import_against_the_direction_is_reported(tmp_path, module, source, expected):
    target = tmp_path / module
    target.parent.mkdir(parents=True)
    target.write_text(source, encoding="utf-8")
    (tmp_path / "templates").mkdir()
    found = violations(tmp_path)
    assert len(found) == 1 and expected in found[0]


def test_a_template_loading_tags_against_the_direction_is_reported(tmp_path):
    (tmp_path / "mediation" / "templatetags").mkdir(parents=True)
    (tmp_path / "mediation" / "templatetags" / "room_tags.py").write_text("", encoding="utf-8")
    (tmp_path / "templates" / "disputes").mkdir(parents=True)
    (tmp_path / "templates" / "disputes" / "page.html").write_text(
        "{% load i18n room_tags %}", encoding="utf-8"
    )
    assert violations(tmp_path) == ["templates/disputes/page.html (disputes) loads room_tags of mediation"]


def test_imports_along_the_direction_and_within_a_package_are_allowed(tmp_path):
    (tmp_path / "mediation").mkdir()
    (tmp_path / "mediation" / "x.py").write_text(
        "from disputes.models import Dispute\nfrom core.errors import ServiceError\nfrom . import y\n",
        encoding="utf-8",
    )
    (tmp_path / "templates").mkdir()
    assert violations(tmp_path) == []
