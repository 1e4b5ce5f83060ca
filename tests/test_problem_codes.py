"""Every code an InputError or FetchError is raised with has its status in the one table of the
web layer (app/api/problems.INPUT_STATUS); the errors themselves carry no HTTP status."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from app.api.problems import INPUT_STATUS, input_status
from app.parsing import InputError
from app.services.fetch import FetchError

APP = Path(__file__).resolve().parents[1] / "app"


def raised_codes() -> dict[str, list[str]]:
    """code -> where, for each InputError("code", …) / FetchError("code", …) written in app/."""
    found: dict[str, list[str]] = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"InputError", "FetchError"} and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.setdefault(node.args[0].value, []).append(f"{path.relative_to(APP)}:{node.lineno}")
    return found


def test_every_code_raised_has_a_status():
    codes = raised_codes()
    assert len(codes) >= 20  # the scan finds the raises (a refactor that hides them fails here)
    missing = {code: where for code, where in codes.items() if code not in INPUT_STATUS}
    assert not missing, f"codes without a status in app/api/problems.INPUT_STATUS: {missing}"


def test_no_status_listed_for_a_code_nothing_raises():
    # parse_timeout is raised by its own class (app/services/parsepool.ParseTimeout)
    stale = set(INPUT_STATUS) - set(raised_codes()) - {"parse_timeout"}
    assert not stale, f"INPUT_STATUS lists codes nothing raises: {stale}"


def test_the_errors_carry_no_http_status():
    for cls in (InputError, FetchError):
        assert list(inspect.signature(cls).parameters) == ["code", "message"]
        assert not hasattr(cls("empty_body", "x"), "status")


def test_statuses_are_client_or_gateway_errors():
    assert all(400 <= s < 500 or s in (502, 504) for s in INPUT_STATUS.values())
    assert input_status("empty_body") == 400 and input_status("fetch_timeout") == 504
