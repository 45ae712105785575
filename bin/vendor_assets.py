"""Refresh the front-end files under static/vendor/ and their manifest.

Run by a maintainer when a version changes (needs npm); the app itself only
serves the committed files. plotly.min.js is copied from the installed plotly
package so the page and the Python figures agree on the plotly.js version.
"""

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import plotly
from plotly.offline import get_plotlyjs_version

VENDOR = Path(__file__).resolve().parent.parent / "static" / "vendor"

# npm package, version, files kept (paths inside the package).
NPM_PACKAGES: list[tuple[str, str, list[str]]] = [
    ("htmx.org", "2.0.11", ["dist/htmx.min.js"]),
    ("alpinejs", "3.17.5", ["dist/cdn.min.js"]),
    ("bootstrap", "5.3.9", ["dist/css/bootstrap.min.css", "dist/js/bootstrap.bundle.min.js"]),
    (
        "bootstrap-icons",
        "1.13.2",
        ["font/bootstrap-icons.min.css", "font/fonts/bootstrap-icons.woff2", "font/fonts/bootstrap-icons.woff"],
    ),
    (
        "tabulator-tables",
        "6.5.3",
        ["dist/js/tabulator.min.js", "dist/css/tabulator_bootstrap5.min.css"],
    ),
]


def short_name(package: str) -> str:
    return {"htmx.org": "htmx", "tabulator-tables": "tabulator"}.get(package, package)


def fetch_npm(package: str, version: str, files: list[str], workdir: Path) -> list[Path]:
    subprocess.run(["npm", "pack", f"{package}@{version}"], cwd=workdir, check=True, capture_output=True)
    tarball = next(workdir.glob("*.tgz"))
    target = VENDOR / f"{short_name(package)}-{version}"
    kept = []
    with tarfile.open(tarball) as archive:
        for member_path in files:
            member = archive.extractfile(f"package/{member_path}")
            destination = target / Path(member_path).relative_to(Path(member_path).parts[0])
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(member.read())
            kept.append(destination)
    tarball.unlink()
    return kept


def copy_plotly() -> list[Path]:
    version = get_plotlyjs_version()
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    destination = VENDOR / f"plotly-{version}" / "plotly.min.js"
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    return [destination]


def write_manifest(entries: dict[str, dict]) -> None:
    (VENDOR / "manifest.json").write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")


def main() -> None:
    shutil.rmtree(VENDOR, ignore_errors=True)
    VENDOR.mkdir(parents=True)
    manifest: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for package, version, files in NPM_PACKAGES:
            kept = fetch_npm(package, version, files, Path(workdir))
            manifest[short_name(package)] = describe(version, kept, source=f"npm {package}@{version}")
    manifest["plotly"] = describe(get_plotlyjs_version(), copy_plotly(), source=f"python plotly {plotly.__version__}")
    write_manifest(manifest)


def describe(version: str, files: list[Path], *, source: str) -> dict:
    return {
        "version": version,
        "source": source,
        "files": {str(path.relative_to(VENDOR)): hashlib.sha256(path.read_bytes()).hexdigest() for path in files},
    }


if __name__ == "__main__":
    main()
