"""No import cycle anywhere in ``prize``: import-linter's contracts (pyproject.toml, run by
.ci/run) keep the layers and the domain's contexts in order; this catches the cycles they do not
look at, such as a package and one of its own modules importing each other."""

from __future__ import annotations

import grimp


def test_no_module_of_prize_is_in_an_import_cycle() -> None:
    graph = grimp.build_graph("prize")
    in_cycles = sorted(
        f"{module} -> {imported}"
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=imported, imported=module)
    )
    assert in_cycles == []
