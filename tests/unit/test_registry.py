"""One list of services (the ``cohesion.services`` entry points), and a kernel that imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

from shared import registry

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module a file imports: ``import x``, ``from x import y``, and ``import_module("x")``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def test_no_module_of_the_kernel_imports_a_service():
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "shared").rglob("*.py"))
        for module in imported_modules(ast.parse(path.read_text(), str(path)))
        if module == "services" or module.startswith("services.")
    }
    assert offenders == set()


def test_the_import_scan_sees_every_way_of_importing():
    source = "import services.wards\nfrom services.grants import app\nimportlib.import_module('services.actions.app')\n"
    assert imported_modules(ast.parse(source)) == {"services.wards", "services.grants", "services.actions.app"}


def test_every_service_folder_is_registered_and_every_registered_service_has_its_folder():
    folders = {p.parent.name for p in (ROOT / "services").glob("*/app.py")}
    assert set(registry.names()) == folders
    assert {name: registry.folder_of(name) for name in registry.names()} == {
        name: ROOT / "services" / name for name in registry.names()
    }


def test_the_registry_lists_the_services_in_the_order_of_their_ports():
    ports = [registry.definition(name).port for name in registry.names()]
    assert ports == sorted(set(ports))  # in order, and no two on one port
    assert registry.names()[:3] == ("wards", "grants", "actions")  # whose demo data builds on the one before
    assert all(registry.definition(name).name == name for name in registry.names())


def test_the_default_urls_put_each_service_on_its_own_port_of_this_machine():
    urls = registry.default_urls()
    assert list(urls) == list(registry.names())
    assert urls["wards"] == f"http://127.0.0.1:{registry.definition('wards').port}"
