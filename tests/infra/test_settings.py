"""Each setting's default is written once, in ``Settings``, and the README's table says the same."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import prize
from prize.settings import Settings, SettingsError, load

README = Path(prize.__file__).resolve().parents[1] / "README.md"
MB = 1024 * 1024


class _Environment(Mapping[str, str]):
    """An environment that remembers every variable asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.asked: list[str] = []

    def __getitem__(self, name: str) -> str:
        self.asked.append(name)
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


def _variables_load_reads() -> list[str]:
    env = _Environment({})
    load(env, need_secret=False)
    return sorted(set(env.asked))


def _readme_table() -> dict[str, str]:
    """The configuration table: each variable's default cell."""
    table = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `PRIZE_"):
            name, default = (cell.strip() for cell in line.strip("|").split("|")[:2])
            table[name.strip("`")] = default
    return table


def _field(name: str) -> str:
    """The ``Settings`` field a variable sets: PRIZE_MAX_UPLOADS is ``max_uploads``, and a
    variable holding a list may be singular (PRIZE_AUDIT_KEY is ``audit_keys``)."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    base = name.removeprefix("PRIZE_").lower()
    return base if base in fields else base + "s"


def _as_written(value: object) -> str:
    """A default as an operator would write it in the variable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def test_the_readme_lists_every_setting_load_reads() -> None:
    read = _variables_load_reads()
    assert len(read) > 10
    assert sorted(_readme_table()) == read


def test_load_without_variables_gives_the_dataclass_defaults() -> None:
    loaded = load({}, need_secret=False)
    assert loaded == dataclasses.replace(Settings(), secret_keys=loaded.secret_keys)


@pytest.mark.parametrize("name", _variables_load_reads())
def test_the_readme_default_is_the_codes(name: str) -> None:
    cell = _readme_table()[name]
    default = getattr(Settings(), _field(name))
    literal = re.match(r"`([^`]*)`", cell)
    following = re.fullmatch(r"upload limit \+ (\d+) MB", cell)
    if literal:
        assert literal.group(1) == _as_written(default)
    elif following:
        margin = int(following.group(1)) * MB
        assert default == Settings().max_upload_bytes + margin
        assert load({"PRIZE_MAX_UPLOAD_BYTES": "1000"}, need_secret=False).max_body_bytes == (
            1000 + margin
        )
    elif cell.startswith("none: required"):
        with pytest.raises(SettingsError, match=name):
            load({})
    else:
        assert cell.startswith("empty"), f"{name}: cannot read the README's default {cell!r}"
        assert _as_written(default) == ""
