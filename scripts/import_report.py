#!/usr/bin/env python3
"""The import picture of a checkout, with the architecture test's own graph code.

    .venv/bin/python scripts/import_report.py [ROOT]     # ROOT: a checkout (default: this one)

Prints the application modules and lines (migrations aside), the import cycles, the imports of
the project shell from an app, and the imports of an app module made inside a function (outside
AppConfig.ready). Point it at an older checkout (`git worktree add /tmp/old REV`) to compare.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

import tests.test_architecture as arch  # noqa: E402


def main() -> None:
    arch.ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else HERE
    arch.application_modules.cache_clear()
    arch.import_graph.cache_clear()
    graph = arch.import_graph()
    modules = arch.application_modules()
    cycles = arch.import_cycles(graph)
    upward = sorted((m, t) for m, ts in graph.items() if m not in arch.SHELL for t in ts if t in arch.SHELL)
    late = []
    for name, path in modules.items():
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if name.endswith(".apps") and function.name == "ready":
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.ImportFrom)
                    and node.module
                    and node.module.split(".")[0] in arch.APPS
                ):
                    late.append((name, node.module))
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in modules.values())
    print(f"{len(modules)} application modules, {lines} lines (migrations aside)")
    print(f"import cycles: {len(cycles)}", *(f"  {' <-> '.join(c)}" for c in cycles), sep="\n")
    print(f"imports of the shell from an app: {len(upward)}", *(f"  {m} -> {t}" for m, t in upward), sep="\n")
    print(f"imports inside functions: {len(late)}", *(f"  {m} -> {t}" for m, t in late), sep="\n")


if __name__ == "__main__":
    main()
