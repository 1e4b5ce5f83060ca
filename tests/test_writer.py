"""Group commit (app/services/writer.py): concurrent submissions written together, each
answered with its own report; a batch that fails is written item by item."""

from __future__ import annotations

import asyncio

import httpx

from app.db import Database
from app.main import create_app
from app.parsing import parse_document
from app.services import writer as writer_module
from app.services.writer import BatchWriter
from conftest import AUTH, CORPUS, SEED, other_body


def test_concurrent_posts_each_get_their_report(settings):
    app = create_app(settings)
    base = (CORPUS / SEED).read_bytes()

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await asyncio.gather(*(
                client.post("/reports", content=base + f"\nvariant {i}\n".encode(),
                            headers={"Content-Type": "text/plain", **AUTH}) for i in range(12)))

    responses = asyncio.run(run())
    # twelve copies of one body-year, written together: one report (201), eleven documents of it
    assert sorted(r.status_code for r in responses) == [200] * 11 + [201]
    assert sorted(r.json()["submission"] for r in responses) == ["copy"] * 11 + ["new"]
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    assert len({r.json()["document_id"] for r in responses}) == 12
    assert all(r.json()["figure_count"] > 200 for r in responses)
    assert max(r.json()["document_count"] for r in responses) == 12
    app.state.db.dispose()


def test_a_failing_batch_is_written_one_by_one(settings, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("batch refused")

    monkeypatch.setattr(writer_module, "store_many", broken)
    database = Database(settings.db_url)
    data = (CORPUS / SEED).read_bytes()
    parsed = parse_document(data, "text/plain")
    writer = BatchWriter(database)

    async def run():
        return await asyncio.gather(*(writer.store(data + f"\n{i}\n".encode(), other_body(parsed, i))
                                      for i in range(3)))

    results = asyncio.run(run())
    assert all(r.created for r in results) and len({r.report.id for r in results}) == 3
    database.dispose()
