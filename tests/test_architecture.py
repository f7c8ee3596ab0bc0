"""The import picture: arrows point one way.

Read from the source with `ast` (nothing is imported): every `import` of an application module,
at module level or inside a function (an import moved into a function to dodge a cycle is still
an arrow), except those under `if TYPE_CHECKING:`, which never run. Tests and migrations aside.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("community", "profiles", "messaging", "search")
# The project shell: it mounts the apps, and no app may import it.
SHELL = {
    "community.settings",
    "community.settings_test",
    "community.urls",
    "community.asgi",
    "community.api",
    "community.handlers",
}
PLUMBING = "community.core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def application_modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def _resolve(name: str) -> str | None:
    """The application module an imported name lives in (`a.b.func` -> `a.b`), or None."""
    modules = application_modules()
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, package: str):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (name for child in node.orelse for name in _imported_names(child, package))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        yield from _imported_names(node, package)


@cache
def import_graph() -> dict[str, frozenset[str]]:
    graph = {}
    for name, path in application_modules().items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = {_resolve(imported) for imported in _imported_names(tree, package)}
        graph[name] = frozenset(t for t in targets if t and t != name)
    return graph


def import_cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_application_has_no_import_cycle():
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import():
    # The finder itself must be able to fail: a -> b at module level, b -> a inside a function.
    tree = ast.parse("def late():\n    from pkg.a import thing\n")
    assert "pkg.a" in set(_imported_names(tree, "pkg"))
    assert import_cycles({"pkg.a": frozenset({"pkg.b"}), "pkg.b": frozenset({"pkg.a"})}) == [
        ["pkg.a", "pkg.b"]
    ]
    typing_only = ast.parse("if TYPE_CHECKING:\n    from pkg.a import thing\n")
    assert set(_imported_names(typing_only, "pkg")) == set()


def test_no_app_imports_the_project_shell():
    upward = {
        (module, target)
        for module, targets in import_graph().items()
        if module not in SHELL
        for target in targets
        if target in SHELL
    }
    assert upward == set()


def test_the_shared_plumbing_imports_no_app():
    reaching_out = {
        (module, target)
        for module, targets in import_graph().items()
        if module.startswith(PLUMBING)
        for target in targets
        if not target.startswith(PLUMBING)
    }
    assert reaching_out == set()
    assert any(name.startswith(PLUMBING + ".") for name in application_modules())


# The domain layers, lowest first; a domain module imports only its own layer's app and lower
# ones. Apps on one line are siblings that never import each other.
DOMAIN_LAYERS = [
    ["community.core"],
    ["profiles"],
    ["community.notifications"],
    ["community.network"],
    # Search reads messages (it indexes them) and follows them through messaging.signals.
    ["messaging"],
    ["search"],
    ["community.helpboard"],
    # Moderation acts on members, messages, help requests and events; none of them knows it.
    ["community.moderation"],
    ["community.digest"],
    ["community.demo"],
]
# Entry points (pages, forms, the API, the socket, commands, demo data) sit on top of their app:
# they may call the services and selectors of any app, though never the shell.
ENTRY_POINTS = {
    "views",
    "urls",
    "forms",
    "admin",
    "api",
    "api_auth",
    "consumers",
    "routing",
    "templatetags",
    "management",
    "demo",
    "accounts",
    "accounts_forms",
    "accounts_urls",
    "context_processors",
    "i18n",
    "apps",
    "startup",
}


def _app_of(module: str) -> str | None:
    apps = [app for layer in DOMAIN_LAYERS for app in layer]
    return max((app for app in apps if module == app or module.startswith(app + ".")), key=len, default=None)


def _layer_of(app: str) -> int:
    return next(i for i, layer in enumerate(DOMAIN_LAYERS) if app in layer)


def _is_entry_point(module: str, app: str) -> bool:
    return any(part in ENTRY_POINTS for part in module[len(app) :].split("."))


def test_domain_modules_import_only_lower_layers():
    upward = set()
    for module, targets in import_graph().items():
        app = _app_of(module)
        if app is None or _is_entry_point(module, app):
            continue
        for target in targets:
            target_app = _app_of(target)
            if target_app is None or target_app == app:
                continue
            if _layer_of(target_app) >= _layer_of(app) or _is_entry_point(target, target_app):
                upward.add((module, target))
    assert upward == set()
