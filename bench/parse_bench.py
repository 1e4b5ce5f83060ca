"""Parse speed over the corpus, per stage, against OpenCC converting the same text alone;
and the PDF path against the PDF libraries' own reading of the same file.

    python bench/parse_bench.py [CORPUS_DIR] [--repeat N] [--quick] [--scan | --scan-only] [--pictures] [--pdf FILE.pdf ...]

Prints, per file and overall, the median milliseconds per report of each stage of the parse
as the pipeline's Trace records them (decode, normalise, meta, lay out, template, tables,
prose, check, place, report), of the whole parse (untraced, timed apart), and the ratio of
the whole parse to OpenCC's t2s conversion of the same decoded text (the floor).

Then, per PDF (the corpus's *.pdf and any given with --pdf): the median of our whole parse
(parse_document: PDFium's glyphs and lines, cells from the ruling, and the text pipeline),
of pdfplumber's own extract_tables() + extract_text() of every page, and of pypdfium2's plain
text of every page, with our time as a share of each; and the peak memory (max RSS) of a
fresh process that imports the parser and parses the file once, beside one that only
imports it.

With --scan (it takes minutes): a scanned copy of each corpus report (tests/scans.py: rendered
at 200 dpi, turned ≤ 1°, noise, JPEG, an image-only PDF; huaian-2024.pdf as published, the
others printed by LibreOffice from their Word copy) parsed once by OCR in a fresh process:
per page the seconds, CPU seconds, pixels and figures read, the parse process's resident
memory after the page and its peak so far (max RSS), beside the process that only loaded
the recogniser; and per report the median CPU seconds a page and the peak. `--pictures`
reads the same scanned pages also as the pictures of a Word document and of an HTML page
(data: URIs). `--scan-only` leaves out the text and PDF timings, `--bases a,b` chooses the
reports. Never asserts.

    python bench/parse_bench.py --scan-only [--pictures] [--bases huaian-2024,shuyang-2025]"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.parsing.normalize import to_simplified  # noqa: E402
from app.parsing.pipeline import Trace, parse_document  # noqa: E402

STAGES = ("decode", "normalise", "meta", "lay out", "template", "tables", "prose", "check", "place", "report")
COLUMNS = (*STAGES, "pipeline", "opencc")


def run_once(data: bytes) -> dict[str, float]:
    """One report's stage times (a traced parse), its whole parse (a plain parse_document, as
    callers run it), and OpenCC alone on its text; in milliseconds."""
    trace = Trace()
    parse_document(data, trace=trace)
    t = {stage: seconds * 1000 for stage, seconds in trace.durations().items()}
    text = trace.results["decode"].text
    del trace  # the traced parse freed before the plain one is timed
    t0 = time.perf_counter()
    parse_document(data)
    t1 = time.perf_counter()
    to_simplified(text)
    t2 = time.perf_counter()
    t["pipeline"], t["opencc"] = (t1 - t0) * 1000, (t2 - t1) * 1000
    return t


def main(argv: list[str]) -> int:
    repeat = 5 if "--quick" in argv else 30
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
    pdfs: list[Path] = []
    if "--pdf" in argv:
        at = argv.index("--pdf")
        pdfs = [Path(a) for a in argv[at + 1:] if not a.startswith("-")]
        argv = argv[:at]
    bases = None
    if "--bases" in argv:
        at = argv.index("--bases")
        bases = argv[at + 1].split(",")
        argv = argv[:at] + argv[at + 2:]
    args = [a for a in argv if not a.startswith("-") and not a.isdigit()]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    if "--scan-only" in argv:
        scan_main(corpus, bases, "--pictures" in argv)
        return 0
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".txt", ".md", ".html", ".htm"))
    parse_document(files[0].read_bytes())  # one converter and one divisions index per process: build them first
    print(f"{'file':30} " + " ".join(f"{s:>8}" for s in COLUMNS) + "  ratio")
    medians: dict[str, list[float]] = {s: [] for s in COLUMNS}
    for path in files:
        data = path.read_bytes()
        runs = [run_once(data) for _ in range(repeat)]
        med = {s: statistics.median(r[s] for r in runs) for s in COLUMNS}
        for s in COLUMNS:
            medians[s].append(med[s])
        print(f"{path.name:30} " + " ".join(f"{med[s]:8.3f}" for s in COLUMNS)
              + f"  {med['pipeline'] / med['opencc']:5.2f}")
    overall = {s: statistics.median(v) for s, v in medians.items()}
    print(f"{'median over files (ms)':30} " + " ".join(f"{overall[s]:8.3f}" for s in COLUMNS))
    print(f"\nmedian parse time per report: {overall['pipeline']:.2f} ms "
          f"({1000 / overall['pipeline']:.0f} reports/s on one core)")
    print(f"whole pipeline / OpenCC alone over the corpus: {sum(medians['pipeline']) / sum(medians['opencc']):.2f}x "
          f"(target ≤ 3x)")
    pdf_main(sorted(corpus.glob("*.pdf")) + pdfs, repeat)
    if "--scan" in argv:
        scan_main(corpus, bases, "--pictures" in argv)
    return 0


_SCAN = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from app.parsing import ocr, parse_document
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024
ocr.engine()
loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pages, real = [], ocr.read_picture
def timed(grey, number, width, height, recogniser=ocr.recognise):
    t0, c0 = time.perf_counter(), time.process_time()
    out = real(grey, number, width, height)
    pages.append((number, time.perf_counter() - t0, time.process_time() - c0, grey.size, rss(),
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    return out
ocr.read_picture = timed
t0, c0 = time.perf_counter(), time.process_time()
report = parse_document(open({path!r}, 'rb').read(), {content_type!r}, budget=None)
total, cpu = time.perf_counter() - t0, time.process_time() - c0
by_page = {{}}
for f in report.figures:
    if f.source is not None and f.source.page:
        by_page[f.source.page] = by_page.get(f.source.page, 0) + 1
print(json.dumps({{"pages": pages, "total": total, "cpu": cpu, "by_page": by_page, "loaded": loaded,
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "figures": len(report.figures),
                  "status": report.status}}))
"""

BASES = ("huaian-2024", "ewenki-2020", "pingtan-2024", "shuyang-2025")


def scan_main(corpus: Path, bases: list[str] | None, pictures: bool) -> None:
    """Each base report scanned, then read by OCR once in a fresh process (as a PDF; with
    `pictures` also as a Word document's and an HTML page's pictures): time, CPU, memory per page."""
    import json
    import statistics
    import subprocess
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "bench"))
    from ocr_bench import base_pdfs
    from scans import pictures_docx, pictures_html, scanned_pages

    from PIL import Image
    import io

    bases = bases or [b for b in BASES if (corpus / f"{b}.expected.json").is_file()]
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = base_pdfs(bases, Path(tmp))
        for stem, pdf in pdfs.items():
            jpegs = scanned_pages(pdf, seed=1)
            images = [Image.open(io.BytesIO(j)) for j in jpegs]
            scan = io.BytesIO()
            images[0].save(scan, "PDF", save_all=True, append_images=images[1:], resolution=200.0)
            kinds = [("pdf", scan.getvalue(), "application/pdf")]
            if pictures:
                kinds += [("docx", pictures_docx(jpegs), None), ("html", pictures_html(jpegs), "text/html")]
            for kind, data, content_type in kinds:
                path = Path(tmp) / f"{stem}.scan.{kind}"
                path.write_bytes(data)
                out = subprocess.run([sys.executable, "-c", _SCAN.format(root=str(ROOT), path=str(path),
                                                                         content_type=content_type)],
                                     capture_output=True, text=True, check=True)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(f"\nscanned {stem} as {kind}: {r['figures']} figures ({r['status']}), {r['total']:.1f} s, "
                      f"{r['cpu']:.1f} s CPU; parse process peak memory {r['peak'] / 1024:.0f} MB (recogniser "
                      f"loaded: {r['loaded'] / 1024:.0f} MB)", flush=True)
                print(f"{'page':>4} {'s':>6} {'CPU s':>6} {'Mpixels':>8} {'figures':>7} {'RSS MB':>7} {'peak MB':>8}")
                for number, seconds, cpu, pixels, rss, peak in r["pages"]:
                    print(f"{number:4d} {seconds:6.1f} {cpu:6.1f} {pixels / 1e6:8.1f} "
                          f"{r['by_page'].get(str(number), 0) if kind == 'pdf' else '':>7} {rss / 1024:7.0f} "
                          f"{peak / 1024:8.0f}")
                cpus = [p[2] for p in r["pages"]]
                summary.append([stem, kind, len(cpus), r["figures"], f"{statistics.median(cpus):.1f}",
                                f"{max(cpus):.1f}", f"{r['loaded'] / 1024:.0f}", f"{r['peak'] / 1024:.0f}"])
    print("\n| report | as | pages | figures | CPU s/page (median) | CPU s/page (max) | MB, recogniser loaded "
          "| MB, parse process peak |\n|---|---|---:|---:|---:|---:|---:|---:|")
    for row in summary:
        print("| " + " | ".join(str(c) for c in row) + " |")


def _pdfplumber(data: bytes) -> None:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_tables()
            page.extract_text()


def _pdfium_text(data: bytes) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        for page in doc:
            page.get_textpage().get_text_range()
    finally:
        doc.close()


_PEAK = ("import resource, sys; sys.path.insert(0, {root!r}); from app.parsing import parse_document; "
         "from app.parsing.normalize import to_simplified; to_simplified('预热'); {work}"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")


def _peak_kb(path: Path | None) -> int:
    """Max RSS (KB) of a fresh interpreter that imports the parser (and parses `path` once)."""
    import subprocess

    work = f"parse_document(open({str(path)!r}, 'rb').read()); " if path else ""
    out = subprocess.run([sys.executable, "-c", _PEAK.format(root=str(ROOT), work=work)], capture_output=True,
                         text=True, check=True)
    return int(out.stdout.strip())


def pdf_main(paths: list[Path], repeat: int) -> None:
    import pypdfium2 as pdfium

    print(f"\n{'pdf':28} {'pages':>5} {'ours ms':>8} {'pdfplumber':>10} {'pdfium text':>11} {'ours/plumber':>12} "
          f"{'ours/pdfium':>11} {'peak MB':>8}")
    base = _peak_kb(None)
    for path in paths:
        data = path.read_bytes()
        pages = len(pdfium.PdfDocument(data))
        parse_document(data)  # warm: imports, OpenCC
        times = {}
        for name, run in (("ours", lambda: parse_document(data)), ("plumber", lambda: _pdfplumber(data)),
                          ("pdfium", lambda: _pdfium_text(data))):
            runs = []
            for _ in range(repeat if name != "plumber" else max(3, repeat // 5)):
                t0 = time.perf_counter()
                run()
                runs.append((time.perf_counter() - t0) * 1000)
            times[name] = statistics.median(runs)
        peak = _peak_kb(path)
        print(f"{path.name:28} {pages:5d} {times['ours']:8.1f} {times['plumber']:10.1f} {times['pdfium']:11.1f} "
              f"{times['ours'] / times['plumber']:12.1%} {times['ours'] / times['pdfium']:11.2f} {peak / 1024:8.1f}")
    print(f"(peak MB: max RSS of a process that parses the file once; one that only imports the parser: "
          f"{base / 1024:.1f} MB)")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
