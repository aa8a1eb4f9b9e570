"""The import graph of coordinator/: no circles, and the pure modules free of Flask and the web layer.

Read with grimp, which counts every import a module makes: at the top, inside functions (where a
circle hides when one side imports the other late) and under `if TYPE_CHECKING:` (a circle that
only type checkers walk still ties two modules into one). A new circle fails here with the
modules in it; break it by moving what both need into the lower module.
"""
from __future__ import annotations

import grimp
import pytest

PURE = (
    "coordinator.planning.planner",
    "coordinator.reminders.rules",
    "coordinator.invitations.ics",
    "coordinator.minutes.guard",
    "coordinator.terms.calendar",
    "coordinator.agreements.rules",
    "coordinator.followup.indicators",
    "coordinator.followup.facts",
    "coordinator.consultations.slots",
    "coordinator.cases.deadlines",
)
WEB_PACKAGES = {"flask", "flask_babel", "flask_wtf", "flask_limiter", "wtforms", "werkzeug", "jinja2"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("coordinator", include_external_packages=True, cache_dir=None)


def _circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of more than one module among coordinator's own (Tarjan's, iterative)."""
    modules = sorted(m for m in graph.modules if m.startswith("coordinator"))
    edges = {m: sorted(i for i in graph.find_modules_directly_imported_by(m) if i.startswith("coordinator"))
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in modules:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            module, position = work.pop()
            if position == 0:
                index[module] = low[module] = len(index)
                stack.append(module)
                on_stack.add(module)
            if position < len(edges[module]):
                work.append((module, position + 1))
                nxt = edges[module][position]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[module] = min(low[module], index[nxt])
                continue
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
    return circles


def test_no_module_of_coordinator_imports_itself_through_others(graph):
    circles = _circles(graph)
    described = [" -> ".join(group) for group in circles]
    assert circles == [], f"import circles: {described}"


def test_the_circle_finder_sees_a_circle():
    graph = grimp.ImportGraph()
    for module in ("coordinator.a", "coordinator.b", "coordinator.c"):
        graph.add_module(module)
    graph.add_import(importer="coordinator.a", imported="coordinator.b")
    graph.add_import(importer="coordinator.b", imported="coordinator.a")
    graph.add_import(importer="coordinator.b", imported="coordinator.c")
    assert _circles(graph) == [["coordinator.a", "coordinator.b"]]


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_reaches_neither_flask_nor_the_web_layer(graph, module):
    reached = graph.find_upstream_modules(module)
    web = sorted(m for m in reached if m.split(".")[0] in WEB_PACKAGES
                 or m == "coordinator.web" or m.rsplit(".", 1)[-1].endswith("views"))
    assert web == [], f"{module} imports (perhaps through others) {web}"
