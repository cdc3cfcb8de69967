"""A regular (non-editable) install carries every template, static file and migration."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("templates", "static", "alembic")


def _files_under(folder: str) -> set[str]:
    return {
        str(p.relative_to(ROOT))
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_data_files_cover_every_template_static_file_and_migration():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    covered = {
        str(path.relative_to(ROOT))
        for patterns in data_files.values()
        for pattern in patterns
        for path in ROOT.glob(pattern)
        if path.is_file()
    }
    present = set().union(*(_files_under(folder) for folder in SHIPPED))
    assert sorted(present - covered) == []
    # The folders were found: the check above compared real files, not two empty sets.
    assert {"templates/base.html", "alembic/env.py"} <= present


def test_data_files_keep_each_file_in_its_folder():
    """share/prize/<folder> receives exactly the files of <folder>, so paths stay the same."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for target, patterns in config["tool"]["setuptools"]["data-files"].items():
        folder = target.removeprefix("share/prize/")
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                assert str(path.parent.relative_to(ROOT)) == folder, (target, path)
