"""The layers' arrows: a router module imports no other router module (shared drawing lives
in app/api/presenters.py); the store (app/models.py, app/db.py) imports nothing above it, no
service and nothing of the web layer; the pure cores at the top of app/ (checks, catalogue,
divisions, indicators) import neither the store nor anything above it."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"



def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def routers() -> set[str]:
    return {p.stem for p in (APP / "api").glob("*.py") if "APIRouter(" in p.read_text(encoding="utf-8")}


def test_routers_import_no_router():
    names = routers()
    assert {"reports", "changes", "query", "bodies", "documents"} <= names
    edges = {(p.stem, m.rsplit(".", 1)[1]) for p in (APP / "api").glob("*.py") if p.stem in names
             for m in imports(p) if m.startswith("app.api.") and m.rsplit(".", 1)[1] in names}
    assert not edges, f"a router imports a router: {sorted(edges)}"


def test_store_imports_nothing_above_it():
    for name in ("models.py", "db.py"):
        above = {m for m in imports(APP / name)
                 if m.startswith(("app.services", "app.api", "app.web", "app.server", "app.cli", "app.main"))}
        assert not above, f"app/{name} imports {above}"


def test_pure_cores_import_neither_the_store_nor_anything_above_it():
    for name in ("checks.py", "catalogue.py", "divisions.py", "indicators.py"):
        above = {m for m in imports(APP / name)
                 if m.startswith(("app.models", "app.db", "app.services", "app.api", "app.web", "app.server",
                                  "app.cli", "app.main"))}
        assert not above, f"app/{name} imports {above}"


def test_services_import_nothing_of_the_web_layer():
    for path in (APP / "services").glob("*.py"):
        above = {m for m in imports(path) if m.startswith(("app.api", "app.web", "app.server", "app.cli", "app.main"))}
        assert not above, f"app/services/{path.name} imports {above}"
