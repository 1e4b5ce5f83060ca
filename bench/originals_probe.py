"""Do the PDF and Word readers read real reports they have never seen? For reports whose text
has no table structure (default: ../shared/corpus/unlabelled, a crawler's text of each page),
the report's text is read, then a page is written of it as a published file has it: its
title, its prose paragraphs (the text up to section 二, and from section 五 on) and the
national template's tables (app/parsing/templates.py: section 二's rows and columns, section
三 with its result rows, groups, applicant columns and 总计, section 四's 15 cells) holding the
figures we read, a figure we did not read an empty cell, in the markup
../shared/tools/variants.py writes (the template's merged cells). From the page:
tests/documents.py makes .docx copies (as it is; with a running header, page numbers and section
三 cut by a page break; without ruling), LibreOffice prints each and the page itself as PDF,
also the page without its title (a file whose title did not come through: what LibreOffice's
Writer/Web printing made of every page before tests/documents.py printed pages by Writer's
HTML import), and each copy is parsed and compared with the text's reading:

- same: the copy reads the figure with the text's value;
- missed: the copy leaves out a figure the text gives (absent: allowed, counted by class);
- differs: another value (a wrong figure: every case listed);
- extra: a figure the text leaves out (listed);
- meta_missed / meta_differs: year, agency, region_code, template absent from the copy /
  another value than the text's (both listed).

Not a timing. Output files go to a temporary folder (`--keep DIR` keeps them there).

    python bench/originals_probe.py [FOLDER] [--keep DIR]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import documents as D  # noqa: E402  (tests/documents.py: blocks_of, docx_bytes, to_pdf)

from app.parsing import InputError, parse_document  # noqa: E402
from app.parsing.templates import TEMPLATES, AppGroup, Template  # noqa: E402

META = ("year", "agency", "region_code", "template")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# the 第二十条 item each section 二 row is printed under
ITEM_OF = {"rules": "一", "normative_docs": "一", "permit": "五", "other_services": "五", "penalty": "六",
           "enforcement": "六", "fees": "八", "procurement": "九"}
SECTION = {n: re.compile(rx) for n, rx in (
    ("二", r"二\s*[、.．]\s*主动公开政府信息情况"),
    ("三", r"三\s*[、.．]\s*收到和处理政府信息公开申请情况"),
    ("四", r"四\s*[、.．]\s*政府信息公开行政复议"),
    ("五", r"五\s*[、.．]\s*(?:政府信息公开工作)?存在的主要问题"),
)}
PARAGRAPH = re.compile(r"(?=[一二三四五六七八九十]、|（[一二三四五六七八九十]）)")


def td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{attrs}>{html.escape(text)}</td>"


def table(trs: list[str]) -> str:
    return '<table border="1" cellspacing="0" cellpadding="0">' + "".join(f"<tr>{t}</tr>" for t in trs) + "</table>"


def cell(figures: dict, key: str) -> str:
    """A figure as its cell prints it (a note in brackets after it), or '' when not read."""
    figure = figures.get(key)
    if figure is None:
        return ""
    value = figure.value
    text = str(int(value)) if float(value).is_integer() else repr(float(value))
    if key.endswith(".change") and value < 0:
        text = "减" + text.lstrip("-")
    return text + (f"（{figure.note}）" if figure.note else "")


def section2(t: Template, figures: dict) -> list[str]:
    """Section 二: one table a 第二十条 item, its rows' labels and column headers as printed."""
    out: list[str] = []
    items: dict[str, list] = {}
    for row in t.active:
        items.setdefault(ITEM_OF[row.key.split(".", 1)[1]], []).append(row)
    for item, rows in items.items():
        suffixes = rows[0].columns
        heads = [t.active_headers[s] + ("（单位：万元）" if unit == "万元" else "") for s, unit in suffixes]
        trs = [td(f"第二十条第（{item}）项", colspan=len(heads) + 1), td("信息内容") + "".join(td(h) for h in heads)]
        trs += [td(row.aliases[0]) + "".join(td(cell(figures, f"{row.key}.{s}")) for s, _ in row.columns)
                for row in rows]
        out.append(table(trs))
    return out


def section3(t: Template, figures: dict) -> str:
    """Section 三 with the template's merged cells (as variants.py's page has them)."""
    cols = [c.key for c in t.columns]

    def values(key: str) -> str:
        return "".join(td(cell(figures, f"applications.{key}.{c}")) for c in cols)

    entries = list(t.applications)
    results = entries[entries.index(next(e for e in entries if e.key == "granted")):
                      entries.index(next(e for e in entries if e.key == "results_total")) + 1]
    result_rows = sum(len(e.rows) if isinstance(e, AppGroup) else 1 for e in results)
    trs = [td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3)
           + td("申请人情况", colspan=7),
           td("自然人", rowspan=2) + td("法人或其他组织", colspan=5) + td("总计", rowspan=2),
           "".join(td(c.label) for c in t.columns[1:-1])]
    for entry in entries:
        lead = td("三、本年度办理结果", rowspan=result_rows) if entry is results[0] else ""
        if isinstance(entry, AppGroup):
            for n, row in enumerate(entry.rows):
                head = lead + td(entry.label, rowspan=len(entry.rows)) if n == 0 else ""
                trs.append(head + td(row.label) + values(row.key))
        elif entry in results:
            trs.append(lead + td(entry.label, colspan=2) + values(entry.key))
        else:
            trs.append(td(entry.label, colspan=3) + values(entry.key))
    return table(trs)


def section4(t: Template, figures: dict) -> str:
    outcomes = [o.label for o in t.review.outcomes]
    trs = [td("行政复议", colspan=5) + td("行政诉讼", colspan=10),
           "".join(td(o, rowspan=2) for o in outcomes) + "".join(td(k.label, colspan=5) for k in t.review.kinds[1:]),
           "".join(td(o) for o in outcomes * 2),
           "".join(td(cell(figures, key)) for key in t.review.keys())]
    return table(trs)


def body_of(text: str) -> tuple[str, str]:
    """(title, body) of a crawler's text: its 标题 line and what follows its 正文 rule."""
    title = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("标题:")), "")
    _, rule, body = text.partition("==================== 正文 ====================")
    return title, (body if rule else text).strip()


def paragraphs(prose: str) -> list[str]:
    return [f"<p>{html.escape(p.strip())}</p>" for p in PARAGRAPH.split(prose) if p.strip()]


def page_of(text: str, report) -> str:
    """The page: title, prose up to 二, the three sections' headings and tables, prose from 五."""
    title, body = body_of(text)
    t = TEMPLATES[report.template or "2021"]
    figures = {f.key: f for f in report.figures}
    at = {n: (m.start() if (m := rx.search(body)) else None) for n, rx in SECTION.items()}
    start2 = at["二"] if at["二"] is not None else len(body)
    parts = [f"<h2>{html.escape(title)}</h2>", *paragraphs(body[:start2])]
    parts += ["<p>二、主动公开政府信息情况</p>", *section2(t, figures)]
    parts += ["<p>三、收到和处理政府信息公开申请情况</p>", section3(t, figures)]
    parts += ["<p>四、政府信息公开行政复议、行政诉讼情况</p>", section4(t, figures)]
    if at["五"] is not None:
        parts += paragraphs(body[at["五"]:])
    return ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            '<title>年度报告</title></head><body><div class="content">' + "\n".join(parts) + "</div></body></html>\n")


# the .docx copies made of each page: as it is; with the geometry published files have (a running
# header and page numbers on every page, section 三 cut by a page break inside group （三）); unruled
KINDS = {"docx": {}, "furniture": {"running_header": True, "page_numbers": True, "split": True},
         "unruled": {"ruled": False}}
SPLIT_AT = "5.属于三类内部事务信息"


def _options(options: dict, report) -> dict:
    options = {k: v for k, v in options.items() if k != "split"}
    if options.get("running_header"):
        options["running_header"] = report.title or f"{report.year}年政府信息公开工作年度报告"
    return options


def missed_class(key: str) -> str:
    """The class a missed figure falls in: its section, and for section 三 its row kind."""
    parts = key.split(".")
    if parts[0] == "applications":
        return "applications." + ("group" if len(parts) == 3 and parts[1] in ("denied", "unable", "not_processed")
                                  else parts[1])
    return ".".join(parts[:2])


def read(data: bytes, content_type: str):
    try:
        return parse_document(data, content_type), None
    except InputError as exc:
        return None, exc.code


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "unlabelled")
    ap.add_argument("--keep", type=Path, help="write the pages, .docx and .pdf files here (default: a temp dir)")
    args = ap.parse_args(argv)
    sources = sorted(args.folder.glob("*.txt"))
    with tempfile.TemporaryDirectory() as scratch:
        out = args.keep or Path(scratch)
        out.mkdir(parents=True, exist_ok=True)
        bases, made = {}, []
        for src in sources:
            text = src.read_text(encoding="utf-8")
            report = parse_document(text.encode("utf-8"), "text/plain; charset=utf-8")
            bases[src.stem] = report
            page = out / f"{src.stem}.page.html"
            page.write_text(page_of(text, report), encoding="utf-8")
            blocks = D.blocks_of(page.read_text(encoding="utf-8"))
            for kind, options in KINDS.items():
                docx = out / f"{src.stem}.{kind}.docx"
                docx.write_bytes(D.docx_bytes(D.split_before(blocks, SPLIT_AT) if options.get("split")
                                              else blocks, **_options(options, report)))
                made.append(docx)
            untitled = out / f"{src.stem}.untitled.html"  # a file whose title did not come through
            untitled.write_text(re.sub(r"<h2>.*?</h2>", "", page.read_text(encoding="utf-8"), count=1), encoding="utf-8")
            made += [page, untitled]
        pdfs = D.to_pdf(made, out / "pdf")
        copies = []
        for src in sources:
            stem = src.stem
            for kind in KINDS:
                copies += [(stem, kind, (out / f"{stem}.{kind}.docx").read_bytes(), DOCX_TYPE),
                           (stem, kind + ".pdf", pdfs[f"{stem}.{kind}.docx"].read_bytes(), "application/pdf")]
            for kind in ("page", "untitled"):
                copies.append((stem, kind + ".pdf", pdfs[f"{stem}.{kind}.html"].read_bytes(), "application/pdf"))
        return report_on(bases, copies)


def report_on(bases: dict, copies: list) -> int:
    cols = ("same", "missed", "differs", "extra", "meta_missed", "meta_differs")
    rows: list[tuple[str, Counter]] = []
    total: dict[str, Counter] = {}
    missed: Counter[str] = Counter()
    cases: list[str] = []
    for stem, kind, data, content_type in copies:
        base = bases[stem]
        want = base.figure_map()
        copy, error = read(data, content_type)
        counts: Counter[str] = Counter()
        if error:
            cases.append(f"{stem}.{kind}: input error {error}")
            counts["missed"] = len(want)
        else:
            got = copy.figure_map()
            for key, value in want.items():
                if key not in got:
                    counts["missed"] += 1
                    missed[f"{kind}: {missed_class(key)}"] += 1
                elif got[key] == value:
                    counts["same"] += 1
                else:
                    counts["differs"] += 1
                    cases.append(f"{stem}.{kind}: {key} {got[key]:g} where the text reads {value:g}")
            for key in sorted(got.keys() - want.keys()):
                counts["extra"] += 1
                cases.append(f"{stem}.{kind}: {key} {got[key]:g}, which the text leaves out")
            for field in META:
                if getattr(copy, field) != getattr(base, field):
                    counts["meta_missed" if getattr(copy, field) is None else "meta_differs"] += 1
                    cases.append(f"{stem}.{kind}: {field} {getattr(copy, field)!r} where the text reads "
                                 f"{getattr(base, field)!r}")
        rows.append((f"{stem}.{kind}", counts))
        total.setdefault(kind, Counter()).update(counts)
    print(f"{'copy':<34}" + "".join(f"{c:>13}" for c in cols))
    for name, counts in rows:
        print(f"{name:<34}" + "".join(f"{counts[c]:>13}" for c in cols))
    for kind, counts in total.items():
        print(f"{'all ' + kind:<34}" + "".join(f"{counts[c]:>13}" for c in cols))
    everything = sum(total.values(), Counter())
    print(f"{'all':<34}" + "".join(f"{everything[c]:>13}" for c in cols))
    print("\nmissed, by class:")
    for name, n in sorted(missed.items()):
        print(f"  {name}: {n}")
    print(f"\n{len(cases)} cases (differs / extra / metadata / input errors):")
    for line in cases:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
