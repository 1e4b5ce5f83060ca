"""Folder imports (app/services/bulk.py): every file's outcome in order, parsed in a pool of
processes or in process, written in batches; stored bytes not parsed again."""

from __future__ import annotations

import pytest

from app.db import make_engine
from app.parsing import InputError
from app.services.bulk import ingest_paths
from conftest import CORPUS, SEED


@pytest.mark.parametrize("processes", [1, 2])
def test_ingest_paths_in_order_with_failures_and_duplicates(tmp_path, database_url, processes):
    data = (CORPUS / SEED).read_bytes()
    paths = []
    for i in range(7):
        p = tmp_path / f"r{i}.txt"
        p.write_bytes(data + f"\nvariant {i % 5}\n".encode())  # 5 and 6 repeat 0 and 1
        paths.append(p)
    (tmp_path / "empty.txt").write_bytes(b"")
    paths.insert(3, tmp_path / "empty.txt")
    paths.insert(5, tmp_path / "missing.txt")
    engine = make_engine(database_url)
    try:
        out = list(ingest_paths(engine, paths, lambda _p: None, batch=3, processes=processes, pool_from=1))
        assert [p for p, _ in out] == paths
        kinds = [type(o).__name__ if isinstance(o, Exception) else o.submission for _, o in out]
        # one body, one year: the first makes the report, the other bytes are copies of it
        assert kinds == ["new", "copy", "copy", "InputError", "copy", "FileNotFoundError", "copy", "duplicate",
                         "duplicate"]
        assert {o.report.id for _, o in out if not isinstance(o, Exception)} == {out[0][1].report.id}
        assert out[7][1].document_id == out[0][1].document_id
        again = list(ingest_paths(engine, paths[:3], lambda _p: None, processes=processes, pool_from=1))
        assert [o.submission for _, o in again] == ["duplicate"] * 3
        assert isinstance(out[3][1], InputError) and out[3][1].code == "empty_body"
    finally:
        engine.dispose()


def test_a_file_past_the_hard_timeout_fails_alone_and_the_import_goes_on(tmp_path, database_url):
    good = (CORPUS / SEED).read_bytes()
    runaway = ("<html><body>" + "".join(f"<p><b id={i}>x</p></i>" for i in range(60_000)) + "</body></html>").encode()
    paths = []
    for name, data in (("a.txt", good), ("runaway.html", runaway), ("b.txt", good + b"\nanother\n")):
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    engine = make_engine(database_url)
    try:
        out = list(ingest_paths(engine, paths, lambda p: "text/html" if p.suffix == ".html" else None,
                                processes=1, budget=None, timeout=0.3))
        assert [p for p, _ in out] == paths
        # the file after it: a new process parsed it (a copy of the first)
        assert out[0][1].created and out[2][1].submission == "copy" and out[2][1].parse_status == "parsed"
        assert isinstance(out[1][1], InputError) and out[1][1].code == "parse_timeout"
    finally:
        engine.dispose()
