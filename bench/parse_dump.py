"""Dump what the parser reads from every report we have, one JSON file per input, so that two
runs (before and after a change that must not change behaviour) can be compared with `diff -r`.

    python bench/parse_dump.py OUTDIR [FOLDER ...]

Inputs: every report file of the folders given (default: ../shared/corpus and its unlabelled/
folder), the layout variants ../shared/tools/variants.py writes of every .txt among them, and a
few transformations of each .txt made here (every table cell on its own line, every table row
run together without separators, the text wrapped at 40 columns), so that the odd layouts are
covered too. The dump holds the whole ParsedReport (figures with their sources and flags,
findings, metadata, status) in a fixed key order; timings are never written.

    python bench/parse_dump.py /tmp/before && (change) && python bench/parse_dump.py /tmp/after
    diff -r /tmp/before /tmp/after && echo identical
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import runpy
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing import InputError, parse_document  # noqa: E402

SHARED = ROOT.parent / "shared"
REPORT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
CONTENT_TYPES = {".txt": "text/plain", ".md": "text/plain", ".html": "text/html", ".htm": "text/html",
                 ".pdf": "application/pdf",
                 ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _jsonable(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, str) and len(value) > 300:  # a long source line: its digest, not 230 copies of it
        return f"sha256:{hashlib.sha256(value.encode()).hexdigest()} ({len(value)} chars)"
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def dump_one(data: bytes, content_type: str | None) -> dict:
    try:
        report = parse_document(data, content_type)
    except InputError as exc:
        return {"input_error": exc.code, "message": exc.message}
    out = _jsonable(report)
    out.pop("text", None)  # the input itself
    out.pop("normalized_text", None)  # covered by every figure's source; large
    return out


def transformations(text: str) -> dict[str, str]:
    """Odd layouts of one report, made here so that every run sees the same inputs."""
    lines = text.splitlines()
    cells = [c.strip() for line in lines for c in (line.split("|") if line.count("|") >= 2 else [line])]
    run_together = ["".join(c.strip() for c in line.split("|")) if line.count("|") >= 2 else line
                    for line in lines]
    wrapped = [w for line in lines for w in (textwrap.wrap(line, 40) or [""])]
    return {"onecell": "\n".join(c for c in cells if c) + "\n",
            "runtogether": "\n".join(run_together) + "\n",
            "wrap40": "\n".join(wrapped) + "\n"}


def inputs(folders: list[Path], scratch: Path) -> list[tuple[str, bytes, str | None]]:
    out: list[tuple[str, bytes, str | None]] = []
    variants = runpy.run_path(str(SHARED / "tools" / "variants.py"))
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if path.suffix not in REPORT_SUFFIXES or path.name.endswith(".expected.json"):
                continue
            name = f"{folder.name}/{path.name}"
            out.append((name, path.read_bytes(), CONTENT_TYPES[path.suffix]))
            if path.suffix != ".txt":
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:  # a GB18030 copy: its UTF-8 twin has the transformations
                continue
            for kind, body in transformations(text).items():
                out.append((f"{name}.{kind}", body.encode("utf-8"), "text/plain; charset=utf-8"))
            vdir = scratch / folder.name / path.stem
            vdir.mkdir(parents=True, exist_ok=True)
            variants["main"](str(path), str(vdir))
            for v in sorted(vdir.iterdir()):
                out.append((f"{name}.variant.{v.name}", v.read_bytes(), CONTENT_TYPES.get(v.suffix)))
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    outdir = Path(argv[0])
    folders = [Path(a) for a in argv[1:]] or [SHARED / "corpus", SHARED / "corpus" / "unlabelled"]
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        items = inputs(folders, Path(scratch))
    for name, data, content_type in items:
        target = outdir / (name.replace("/", "__") + ".json")
        target.write_text(json.dumps(dump_one(data, content_type), ensure_ascii=False, indent=1, sort_keys=True)
                          + "\n", encoding="utf-8")
    print(f"{len(items)} inputs dumped to {outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
