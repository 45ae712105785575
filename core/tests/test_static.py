import hashlib
import json
import re

from django.conf import settings
from plotly.offline import get_plotlyjs_version

VENDOR = settings.BASE_DIR / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "manifest.json").read_text())


def test_the_served_plotly_matches_the_installed_plotly_package():
    assert MANIFEST["plotly"]["version"] == get_plotlyjs_version()
    assert (VENDOR / f"plotly-{get_plotlyjs_version()}" / "plotly.min.js").exists()


def test_every_vendored_file_matches_its_recorded_checksum():
    for library in MANIFEST.values():
        for path, sha256 in library["files"].items():
            assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == sha256, path


def test_htmx_is_version_2_0():
    assert MANIFEST["htmx"]["version"].startswith("2.0.")


def test_no_template_loads_anything_from_another_host():
    templates = [*settings.BASE_DIR.glob("templates/**/*.html"), *settings.BASE_DIR.glob("*/templates/**/*.html")]
    assert templates
    for template in templates:
        remote = re.findall(r'(?:src|href)="(?:https?:)?//', template.read_text())
        assert not remote, f"{template} loads from another host"
