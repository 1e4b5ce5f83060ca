"""openapi/openapi.json is the app's spec; regenerate with `disclosure openapi > openapi/openapi.json`."""

from __future__ import annotations

import json

from app.cli import openapi_json
from app.config import Settings
from app.main import create_app
from conftest import REPO


def _spec() -> dict:
    return create_app(Settings(database_url="sqlite:///unused.db")).openapi()


def test_committed_spec_matches_the_app():
    committed = (REPO / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(_spec()), "spec drifted: run `disclosure openapi > openapi/openapi.json`"


def test_spec_documents_problems_and_views():
    spec = _spec()
    post = spec["paths"]["/reports"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "text/plain", "text/markdown", "text/html", "application/json", "application/pdf", "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/octet-stream"}
    for status in ("400", "401", "403", "413", "415", "422"):
        assert "application/problem+json" in post["responses"][status]["content"], status
    for path, ops in spec["paths"].items():
        if "{report_id}" in path:
            for method, op in ops.items():
                assert "application/problem+json" in op["responses"]["404"]["content"], (method, path)
    fees = spec["components"]["schemas"]["FeesView"]["properties"]
    assert {"report_id", "template", "prev_items", "change", "amount_wan"} <= set(fees)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    json.dumps(spec)  # serialisable


def test_every_operation_is_listed_once_in_swagger_ui():
    """Swagger UI lists an operation under each of its tags: GET /reports had two (its router's
    "queries" and its own "reports") and showed twice."""
    for path, ops in _spec()["paths"].items():
        for method, op in ops.items():
            assert len(op.get("tags", [])) == 1, (method, path, op.get("tags"))
