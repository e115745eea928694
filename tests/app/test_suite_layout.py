"""How the test suite itself is laid out: helpers imported from tests/fixtures/, no app built
while the suite is collected, folders that mirror the application's areas."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.fixtures.config import ROOT

TESTS = ROOT / "tests"
MODULES = sorted(TESTS.rglob("*.py"))


def module_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_module_imports_helpers_from_conftest():
    found = [
        module_id(path)
        for path in MODULES
        if "tests.conftest" in set(imported_modules(ast.parse(path.read_text())))
    ]
    assert found == [], "import helpers from tests/fixtures/<name>.py"


def test_no_test_module_imports_another_test_module():
    found = [
        f"{module_id(path)}: {module}"
        for path in MODULES
        for module in imported_modules(ast.parse(path.read_text()))
        if module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert found == [], "shared values and helpers belong in tests/fixtures/"


def test_conftest_holds_only_fixtures():
    tree = ast.parse((TESTS / "conftest.py").read_text())
    helpers = [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and not any("fixture" in ast.unparse(d) for d in getattr(node, "decorator_list", []))
    ]
    constants = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id != "pytest_plugins"
    ]
    assert helpers + constants == []


def builds_an_app_at_import(tree: ast.Module) -> bool:
    """A call to create_app outside any function or class body of the module."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and ast.unparse(inner.func).endswith("create_app"):
                return True
    return False


def test_no_module_builds_an_app_when_the_suite_is_collected():
    found = [path for path in MODULES if builds_an_app_at_import(ast.parse(path.read_text()))]
    assert found == [], "build it in a fixture, or read the URL map with tests.fixtures.config"


@pytest.mark.parametrize(
    ("source", "builds"),
    [
        ("_app = create_app({})", True),
        ("RULES = list(create_app({}).url_map.iter_rules())", True),
        ("def f():\n    return create_app({})", False),
        ("from app import create_app", False),
    ],
)
def test_the_import_time_check_sees_what_it_looks_for(source, builds):
    assert builds_an_app_at_import(ast.parse(source)) is builds


def test_the_tests_mirror_the_areas():
    areas = {p.name for p in (ROOT / "blueprints").iterdir() if (p / "__init__.py").exists()}
    missing = sorted(area for area in areas if not (TESTS / area / "__init__.py").exists())
    assert missing == [], "one folder of tests per area of blueprints/"


def test_every_test_module_lives_in_a_package_folder():
    loose = [module_id(path) for path in TESTS.glob("test_*.py")]
    assert loose == [], "tests/<area>/, tests/services/, tests/web/, tests/app/ or tests/browser/"
    folders = {path.parent for path in MODULES} - {TESTS}
    assert sorted(str(f) for f in folders if not (f / "__init__.py").exists()) == []


def test_the_shared_url_builders_are_the_ones_werkzeug_generates():
    from tests.fixtures.routing import _generate
    from tests.fixtures.url_map import url_rules

    rules = url_rules()
    assert len(rules) > 50
    for rule in rules:
        assert rule._build.__func__.__code__ == _generate(rule, False).__code__, rule.rule
        assert rule._build_unknown.__func__.__code__ == _generate(rule, True).__code__, rule.rule
