"""Scanned copies of the corpus reports read by OCR: accuracy against the base report's expected
figures, figures by page, time, CPU and memory per page; the recognisers and resolutions
compared on the same pages; the confidence threshold measured.

    python bench/ocr_bench.py [--quick] [--bases huaian-2024,...] [--dpi 150,200] [--tesseract | --tesseract-only]

For each base report: its PDF (huaian-2024.pdf as published; the others printed by
LibreOffice from their Word copy, as tests/documents.py makes it), scanned as
tests/scans.py does (rendered at 200 dpi, turned ≤ 1°, noise, JPEG) and parsed with
parse_document, no figure withheld (MIN_CONFIDENCE 0), so that every threshold can be
scored from one run:

- per report: the expected figures, those read right / wrong / missing, and at the chosen
  threshold what is kept, withheld, wrong; the seconds, CPU seconds and peak memory (max RSS
  of the process) per page, and the figures each page gave;
- the threshold table: for each candidate, figures kept and wrong over every report;
- `--dpi`: the same scans read with the pages rendered at other resolutions;
- `--tesseract`: the same page pictures through Debian's tesseract (chi_sim, `--psm 3`: automatic page segmentation, its
  TSV word boxes and confidences) in place of RapidOCR — same ruling, same reader.

`--quick` reads huaian-2024 alone, at 200 dpi. Never asserts.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app.parsing import ocr, ocr_withholding  # noqa: E402
from app.parsing.pipeline import parse_document  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BASES = ("huaian-2024", "ewenki-2020", "pingtan-2024", "shuyang-2025")
THRESHOLDS = (0.0, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


def base_pdfs(bases: list[str], folder: Path) -> dict[str, bytes]:
    """Each base report as a PDF: the published one, or LibreOffice's print of its Word copy."""
    import documents as D

    out = {}
    sources = []
    for stem in bases:
        if (CORPUS / f"{stem}.pdf").is_file():
            out[stem] = (CORPUS / f"{stem}.pdf").read_bytes()
        else:
            path = folder / f"{stem}.docx"
            path.write_bytes(D.docx_bytes(D.blocks_of(D.page_html(stem))))
            sources.append(path)
    if sources:
        made = D.to_pdf(sources, folder / "pdf")
        for path in sources:
            out[path.stem] = made[path.name].read_bytes()
    return {stem: out[stem] for stem in bases}


def expected(stem: str) -> dict:
    return json.loads((CORPUS / f"{stem}.expected.json").read_text(encoding="utf-8"))["figures"]


def base_figures(stem: str, pdf: bytes) -> dict:
    """What the parser reads of the unscanned copy: the figures a scan can be held to."""
    return {f.key: f.value for f in parse_document(pdf, "application/pdf").figures}


def score(report, exp: dict, base: dict, threshold: float) -> dict:
    """Figures of the base report's expected ones that the base copy reads too, read right /
    wrong / left out when the parser's own withholding (app/parsing/ocr_withholding.py) runs at `threshold`
    on the figures as read (the run read them with nothing withheld)."""
    copy = dataclasses.replace(report, figures=[dataclasses.replace(f) for f in report.figures],
                               findings=list(report.findings))
    ocr_withholding.withhold_uncertain(copy, threshold)
    target = {k: v for k, v in exp.items() if k in base and base[k] == v}
    kept = {f.key: f for f in copy.figures}
    right = sum(1 for k, v in target.items() if k in kept and kept[k].value == v)
    wrong = [(k, kept[k].value, v) for k, v in target.items() if k in kept and kept[k].value != v]
    # figures the expected file does not hold: wrong when the base copy reads another value
    extra_wrong = [(k, f.value, base.get(k)) for k, f in kept.items() if k not in exp and k in base and base[k] != f.value]
    # against everything the unscanned copy reads (the expected file of a partial report lists a few)
    of_base = sum(1 for k, v in base.items() if k in kept and kept[k].value == v)
    unlike_base = [(k, f.value, base.get(k)) for k, f in kept.items() if base.get(k) != f.value]
    return {"target": len(target), "right": right, "wrong": wrong + extra_wrong,
            "withheld": sum(1 for k in target if k not in kept), "base": len(base), "of_base": of_base,
            "unlike_base": unlike_base}


def tesseract_recogniser(grey):
    """Debian's tesseract on the page picture: word boxes and confidences (0–100) from its TSV."""
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        Image.fromarray(np.asarray(grey)).save(path)
        tsv = subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim", "--psm", "3", "tsv"],
                             capture_output=True, text=True, check=True).stdout
    out = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or not cols[11].strip() or float(cols[10]) < 0:
            continue
        x, y, w, h, conf, word = int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]), float(cols[10]), cols[11].strip()
        step = w / len(word)
        for k, ch in enumerate(word):
            out.append((ch, x + k * step, y, x + (k + 1) * step, y + h, conf / 100))
    return out


def run(stem: str, scan: bytes, exp: dict, base: dict, dpi: float, recogniser=None) -> dict:
    from app.parsing import pdf as pdf_reader

    ocr_withholding.MIN_CONFIDENCE = 0.0  # nothing withheld for its score: every threshold is scored below
    limits = dataclasses.replace(ocr.LIMITS, dpi=dpi)
    original = ocr.recognise
    if recogniser is not None:
        ocr.recognise = recogniser
    page_times: list[tuple[float, float]] = []
    real_read = ocr.read_picture

    def cpu() -> float:  # this process's and its children's (tesseract runs as one)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def timed(grey, number, width, height, recogniser=None):
        t0, c0 = time.perf_counter(), cpu()
        result = real_read(grey, number, width, height, recogniser=ocr.recognise)
        page_times.append((time.perf_counter() - t0, cpu() - c0))
        return result

    ocr.read_picture = timed
    saved = pdf_reader.OCR_LIMITS
    try:
        ocr.engine()
        t0, c0 = time.perf_counter(), time.process_time()
        report = parse_document_with(scan, limits)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        ocr.recognise, ocr.read_picture = original, real_read
        pdf_reader.OCR_LIMITS = saved
    by_page: dict[int, int] = {}
    for f in report.figures:
        if f.source is not None and f.source.page is not None:
            by_page[f.source.page] = by_page.get(f.source.page, 0) + 1
    return {"stem": stem, "report": report, "seconds": seconds, "cpu": cpu, "pages": page_times,
            "by_page": by_page, "exp": exp, "base": base}


def parse_document_with(scan: bytes, limits) -> object:
    """parse_document, its PDF reader given these OCR limits."""
    from app.parsing import decode, pdf as pdf_reader

    real = pdf_reader.read_pdf
    decode_read = getattr(decode, "read_pdf", None)

    def read(data, pdf_limits=pdf_reader.LIMITS, ocr_limits=limits):
        return real(data, pdf_limits, ocr_limits)

    pdf_reader.read_pdf = read
    if decode_read is not None:
        decode.read_pdf = read
    try:
        return parse_document(scan, "application/pdf", budget=None)
    finally:
        pdf_reader.read_pdf = real
        if decode_read is not None:
            decode.read_pdf = decode_read


def table(rows: list[list], head: list[str]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from scans import scanned_pdf

    quick = "--quick" in argv
    bases = list(BASES[:1] if quick else BASES)
    if "--bases" in argv:
        bases = argv[argv.index("--bases") + 1].split(",")
    dpis = [200.0]
    if "--dpi" in argv:
        dpis = [float(d) for d in argv[argv.index("--dpi") + 1].split(",")]
    engines = [("rapidocr", None)]
    if "--tesseract" in argv or "--tesseract-only" in argv:
        if shutil.which("tesseract") is None:
            print("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
        else:
            engines.append(("tesseract", tesseract_recogniser))
            if "--tesseract-only" in argv:
                engines = engines[1:]
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = base_pdfs(bases, Path(tmp))
    scans = {stem: scanned_pdf(pdf, seed=n + 1) for n, (stem, pdf) in enumerate(pdfs.items())}
    results = []
    for name, recogniser in engines:
        for dpi in dpis:
            for stem in bases:
                exp, base = expected(stem), base_figures(stem, pdfs[stem])
                r = run(stem, scans[stem], exp, base, dpi, recogniser)
                r["engine"], r["dpi"] = name, dpi
                results.append(r)
                s = score(r["report"], exp, base, 0.9)
                pages = r["pages"]
                print(f"{name} {dpi:.0f} dpi {stem}: {len(pages)} pages, {r['seconds']:.1f} s "
                      f"({r['cpu']:.1f} s CPU); at 0.9: {s['right']}/{s['target']} right, "
                      f"{len(s['wrong'])} wrong {s['wrong'][:6]}, {s['withheld']} withheld; of the unscanned copy's "
                      f"{s['base']} figures {s['of_base']} read alike, {len(s['unlike_base'])} not "
                      f"{s['unlike_base'][:6]}; figures by page "
                      f"{dict(sorted(r['by_page'].items()))}; s/page "
                      f"{[round(p[0], 1) for p in pages]} CPU s/page {[round(p[1], 1) for p in pages]}", flush=True)
    print()
    print("Recogniser and resolution, over every report (threshold 0.9):")
    rows = []
    for name, _ in engines:
        for dpi in dpis:
            rs = [r for r in results if r["engine"] == name and r["dpi"] == dpi]
            sc = [score(r["report"], r["exp"], r["base"], 0.9) for r in rs]
            raw = [score(r["report"], r["exp"], r["base"], 0.0) for r in rs]
            target = sum(s["target"] for s in sc)
            pages = [p for r in rs for p in r["pages"]]
            rows.append([name, f"{dpi:.0f}", target, sum(s["right"] for s in raw), sum(len(s["wrong"]) for s in raw),
                         sum(s["right"] for s in sc), sum(len(s["wrong"]) for s in sc),
                         f"{100 * sum(s['right'] for s in sc) / max(target, 1):.1f}%",
                         f"{sum(p[0] for p in pages) / max(len(pages), 1):.1f}",
                         f"{sum(p[1] for p in pages) / max(len(pages), 1):.1f}"])
    print(table(rows, ["recogniser", "dpi", "figures", "read right (all)", "wrong (all)", "kept right (≥0.9)",
                       "kept wrong (≥0.9)", "share", "s/page", "CPU s/page"]))
    print()
    print(f"Confidence threshold ({engines[0][0]}, {dpis[0]:.0f} dpi), over every report:")
    rs = [r for r in results if r["engine"] == engines[0][0] and r["dpi"] == dpis[0]]
    rows = []
    for t in THRESHOLDS:
        sc = [score(r["report"], r["exp"], r["base"], t) for r in rs]
        target = sum(s["target"] for s in sc)
        rows.append([t, target, sum(s["right"] for s in sc), sum(len(s["wrong"]) for s in sc),
                     sum(s["withheld"] for s in sc), f"{100 * sum(s['right'] for s in sc) / max(target, 1):.1f}%"])
    print(table(rows, ["threshold", "figures", "right", "wrong", "withheld", "share"]))
    confs = sorted((f.confidence, f.key, r["stem"]) for r in rs for f in r["report"].figures if f.confidence is not None)
    wrong_confs = []
    for r in rs:
        for f in r["report"].figures:
            v = r["base"].get(f.key)
            if v is not None and f.value != v:
                wrong_confs.append((f.confidence, f.key, f.value, v, r["stem"]))
    print(f"\nlowest confidences: {[(round(c, 3), k, s) for c, k, s in confs[:8]]}")
    print(f"misread figures (value, base value) with their confidence: {sorted(wrong_confs, key=lambda w: w[0] or 0)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory of this process (max RSS): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
