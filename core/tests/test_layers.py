"""Layers point one way: core <- customers <- segments <- offers <- campaigns <- reporting.

Every module of the six apps, tests and migrations included, is read with `ast`: an import (at the top or
inside a function), an `apps.get_model("app", ...)` or a relation to "app.Model" that names a higher app fails
the test with its file and line. The composition app (desk) and the project package (config) sit above all six.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

LAYERS = ("core", "customers", "segments", "offers", "campaigns", "reporting")
RELATIONS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _first_string(node: ast.Call) -> str | None:
    first = node.args[0] if node.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def referenced_apps(source: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line, top-level package or app label) for every module or model this source refers to by name."""
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]
        elif isinstance(node, ast.Call) and (_called(node) == "get_model" or _called(node) in RELATIONS):
            name = _first_string(node)
            if name and (_called(node) == "get_model" or "." in name):
                yield node.lineno, name.split(".")[0]


def upward_references(root: Path) -> list[str]:
    """`file:line app -> higher app` for every reference from a layer to one above it."""
    found = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*.py")):
            for line, target in sorted(referenced_apps(path.read_text(), path)):
                if target in LAYERS and LAYERS.index(target) > LAYERS.index(layer):
                    found.append(f"{path.relative_to(root)}:{line} {layer} -> {target}")
    return found


def test_no_module_refers_to_a_layer_above_its_own():
    found = upward_references(settings.BASE_DIR)
    assert not found, "References that point up the layers:\n" + "\n".join(found)


def test_an_upward_reference_is_named_with_its_file_and_line(tmp_path):
    (tmp_path / "segments").mkdir()
    (tmp_path / "segments" / "pages.py").write_text(
        "from core.models import Job\n"
        "import customers.models\n"
        "\n"
        "def contacts():\n"
        "    from campaigns.models import ContactHistory\n"
        "\n"
        "def results(apps):\n"
        '    return apps.get_model("reporting", "CampaignResult")\n'
        "\n"
        "class Note:\n"
        '    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE)\n'
    )
    assert upward_references(tmp_path) == [
        "segments/pages.py:5 segments -> campaigns",
        "segments/pages.py:8 segments -> reporting",
        "segments/pages.py:11 segments -> campaigns",
    ]
