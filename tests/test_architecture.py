"""The layers of docs/architecture.md hold: no import cycle among ledger/, projections/ and cli/
(imports inside functions included), and the modules at the bottom load no database driver.

`lint-imports` (run by `make lint`, so by `make test`) checks the layer contracts written in
pyproject.toml; this file checks what a contract cannot say."""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

PACKAGES = ("ledger", "projections", "cli")
DRIVERS = ("eventsourcing", "sqlite3", "psycopg", "aiosqlite")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(module: str) -> None:
        nonlocal counter
        index[module] = low[module] = counter
        counter += 1
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other.split(".")[0] not in PACKAGES:
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph.modules):
        if module.split(".")[0] in PACKAGES and module not in index:
            visit(module)
    return found


def test_no_import_cycle_counting_imports_inside_functions() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("ledger.a", "ledger.b", "ledger.c"):
        graph.add_module(module)
    graph.add_import(importer="ledger.a", imported="ledger.b")
    graph.add_import(importer="ledger.b", imported="ledger.c")
    graph.add_import(importer="ledger.c", imported="ledger.a")
    assert _cycles(graph) == [["ledger.a", "ledger.b", "ledger.c"]]


@pytest.mark.subprocess
def test_facts_and_projections_load_no_database_driver() -> None:
    code = (
        "import sys\n"
        "import ledger.facts, ledger.dates, ledger.entries, ledger.validation\n"
        "import projections, projections.fold, projections.timeline\n"
        f"print(sorted(m for m in {DRIVERS!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
