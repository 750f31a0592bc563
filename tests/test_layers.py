"""The layers of the code, read from every module's imports (AST): a lower layer never imports a higher one.

    pages/, app.py   ->   ui/   ->   solidarity/   ->   geo/
    tests/, bench/   ->   harness/   ->   deploy/   ->   solidarity/

``geo`` is geography only, ``solidarity`` the core without Streamlit, ``ui`` the Streamlit glue.
``deploy`` hosts the app (it starts processes, it does not import the app's pages or Streamlit
glue), ``harness`` holds what only the tests and the bench need; no app layer imports either.
A function-local import hides a dependency from a reader; it is allowed only where it defers a
heavy import, with a ``# deferred: <why>`` comment on its line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent

#: Which top-level packages each layer may not import.
STREAMLIT = ("streamlit", "streamlit_folium", "streamlit_js_eval")
TOOLING = ("deploy", "harness", "bench", "tests")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "geo": ("solidarity", "ui", "pages", "app", *STREAMLIT, *TOOLING),
    "solidarity": ("ui", "pages", "app", *STREAMLIT, *TOOLING),
    "ui": ("pages", "app", *TOOLING),
    "pages": ("app", *TOOLING),
    "deploy": ("ui", "pages", "app", *STREAMLIT, "harness", "bench", "tests"),
    "harness": ("ui", "pages", "app", "bench", "tests"),
}


@dataclass(frozen=True)
class Violation:
    """One import that breaks a rule."""

    path: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.imported}: {self.why}"


def layer_of(path: str) -> str:
    """The layer of a module path relative to the project (``geo/boundaries.py`` -> ``geo``)."""
    first = Path(path).parts[0]
    return "pages" if first == "app.py" else first


def _imported_modules(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module]
    return []


def check_source(path: str, source: str) -> list[Violation]:
    """The rule violations of one module's source text (``path`` relative to the project)."""
    forbidden = FORBIDDEN.get(layer_of(path), ())
    lines = source.splitlines()
    tree = ast.parse(source, filename=path)
    violations: list[Violation] = []
    type_checking: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_checking.update(id(child) for child in ast.walk(node))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(child) for function in functions for child in ast.walk(function) if child is not function}
    for node in ast.walk(tree):
        for module in _imported_modules(node):
            top = module.split(".")[0]
            if top in forbidden:
                violations.append(Violation(path, node.lineno, module, f"the {layer_of(path)} layer may not import {top}"))
            if id(node) in nested and id(node) not in type_checking and "# deferred:" not in lines[node.lineno - 1]:
                violations.append(
                    Violation(path, node.lineno, module, "function-local import without a '# deferred: <why>' comment")
                )
    return violations


def app_modules() -> list[str]:
    """Every module of the app's layers and of the hosting and test tooling, relative to the project."""
    paths = [PROJECT_DIR / "app.py"]
    for layer in ("pages", "ui", "solidarity", "geo", "deploy", "harness"):
        paths.extend(sorted((PROJECT_DIR / layer).rglob("*.py")))
    return [str(path.relative_to(PROJECT_DIR)) for path in paths]


@pytest.mark.parametrize("path", app_modules())
def test_module_respects_the_layers(path: str) -> None:
    source = (PROJECT_DIR / path).read_text(encoding="utf-8")
    assert [str(v) for v in check_source(path, source)] == []


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        ("geo/x.py", "from solidarity.settings import Settings\n", ["the geo layer may not import solidarity"]),
        ("geo/x.py", "import streamlit as st\n", ["the geo layer may not import streamlit"]),
        ("geo/x.py", "from ui import resources\n", ["the geo layer may not import ui"]),
        ("solidarity/x.py", "from ui.common import page_url\n", ["the solidarity layer may not import ui"]),
        ("solidarity/x.py", "import streamlit_folium\n", ["the solidarity layer may not import streamlit_folium"]),
        ("ui/x.py", "from pages import explore\n", ["the ui layer may not import pages"]),
        ("deploy/x.py", "from harness.chromium import launch_args\n", ["the deploy layer may not import harness"]),
        ("ui/x.py", "from deploy.proxy import render\n", ["the ui layer may not import deploy"]),
        ("harness/x.py", "from deploy.processes import free_port\n", []),
        ("solidarity/x.py", "from geo.area import in_antwerp\n", []),
        ("ui/x.py", "import streamlit as st\nfrom solidarity.i18n import _\n", []),
        ("pages/x.py", "from ui import resources\n", []),
        ("app.py", "from ui import common\n", []),
        ("solidarity/x.py", "def f():\n    from geo.area import in_antwerp\n", ["function-local import without"]),
        ("solidarity/x.py", "def f():\n    import folium  # deferred: heavy\n", []),
        ("geo/x.py", "def f():\n    from solidarity import model  # deferred: no\n", ["the geo layer may not import solidarity"]),
        (
            "geo/x.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from geo.area import ANTWERP_BBOX\n",
            [],
        ),
    ],
)
def test_the_checker_finds_wrong_directions(path: str, source: str, expected: list[str]) -> None:
    """The checker itself: each wrong direction is found, each allowed one is not."""
    found = [v.why for v in check_source(path, source)]
    assert len(found) == len(expected), found
    for why, start in zip(found, expected, strict=True):
        assert why.startswith(start), found
