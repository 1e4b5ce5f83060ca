"""The layout and wording classes of reports nobody tuned for (docs/unseen-reports.md), each on
small texts built for it here: what is read, what is flagged, and the near misses that must
stay out."""

from __future__ import annotations

import pytest

from app.parsing import parse_document, parse_text
from test_parsing_units import HEAD_2021, REVIEW_2021, ROWS_2021, report_2021

REVIEW = "2 | 1 | 3 | 1 | 7 | 0 | 0 | 0 | 0 | 0 | 13 | 2 | 4 | 0 | 19"
RESULT_ROWS = slice(2, 23)  # （一）予以公开 … （六）3.其他: the rows whose 总计 the class leaves blank


def _html(rows: list[tuple[str, list]]) -> bytes:
    """A page of the 2021 template whose section 三 rows are the `rows` given (a value None is
    an empty cell), the rest from the plain-text builder."""
    head = "".join(f"<p>{line}</p>" for line in HEAD_2021.splitlines()[:2])
    active = "".join(f"<tr>{''.join(f'<td>{c.strip()}</td>' for c in line.split('|'))}</tr>"
                     for line in HEAD_2021.splitlines()[3:-1])
    apps = "".join("<tr>" + "".join(f"<td>{c.strip()}</td>" for c in label.split("|"))
                   + "".join(f"<td>{'' if v is None else v}</td>" for v in vals) + "</tr>" for label, vals in rows)
    review = "".join(f"<td>{v.strip()}</td>" for v in REVIEW.split("|"))
    return (f"<html><body>{head}<p>二、主动公开政府信息情况</p><table>{active}</table>"
            f"<p>三、收到和处理政府信息公开申请情况</p><table>{apps}</table>"
            f"<p>四、政府信息公开行政复议、行政诉讼情况</p><table><tr><td>行政复议</td><td>行政诉讼</td></tr>"
            f"<tr>{review}</tr></table><p>五、存在的主要问题及改进情况</p></body></html>").encode()


def _blank_totals(rows=ROWS_2021) -> list[tuple[str, list]]:
    out = [(label, list(vals)) for label, vals in rows]
    for label, vals in out[RESULT_ROWS]:
        vals[-1] = None
    return out


# ------------------------------------------------------------------ section 三, blank 总计

def test_a_blank_total_on_every_result_row_is_each_rows_sum_flagged_derived() -> None:
    report = parse_document(_html(_blank_totals()), "text/html")
    figs = {f.key: f for f in report.figures}
    assert figs["applications.granted.total"].value == 32 and "derived" in figs["applications.granted.total"].flags
    assert figs["applications.other.other.total"].value == 3 and "derived" in figs["applications.other.other.total"].flags
    assert figs["applications.new_received.total"].flags == ()  # printed, not derived
    assert figs["applications.results_total.total"].value == 56
    assert report.status == "parsed", report.findings
    assert not [f for f in report.findings if f.code == "identity_mismatch"]


def test_a_blank_total_in_a_framed_pipe_table_is_derived_too() -> None:
    rows = _blank_totals()
    body = "\n".join("| " + label + " | " + " | ".join("" if v is None else str(v) for v in vals) + " |"
                     for label, vals in rows)
    report = parse_text(HEAD_2021 + body + "\n" + REVIEW_2021.format(values=REVIEW))
    figs = {f.key: f for f in report.figures}
    assert figs["applications.unable.not_held.total"].value == 11
    assert "derived" in figs["applications.unable.not_held.total"].flags
    assert report.status == "parsed", report.findings


def test_a_row_short_of_a_cell_that_does_not_end_with_an_empty_cell_is_still_left_out() -> None:
    # six numbers and no empty cell after them: a cell was lost somewhere, which one is unknown
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 2, 32])
    report = parse_text(report_2021(rows))
    assert "applications.granted.total" not in report.figure_map()
    assert any(f.code == "incomplete_row" and "applications.granted.total" in f.keys for f in report.findings)


def test_a_row_two_cells_short_before_an_empty_cell_is_left_out() -> None:
    rows = _blank_totals()
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 2, None])  # five applicant cells, then the blank
    report = parse_document(_html(rows), "text/html")
    assert not any(k.startswith("applications.granted.") for k in report.figure_map())


# ------------------------------------------------------------------ section 三, group rows

def _group_rows(printed: dict[str, int]) -> list[tuple[str, list]]:
    """Each group on a row of its own that gives only its 总计 (`printed`), its sub-rows with
    their applicant cells and a blank 总计."""
    out: list[tuple[str, list]] = []
    for label, vals in ROWS_2021:
        group, _, sub = label.partition(" | ")
        if sub:
            out.append((group, [None] * 6 + [printed[group]]))
            label = sub
        vals = list(vals)
        if label.startswith(tuple("12345678")):
            vals[-1] = None
        out.append((label, vals))
    return out


GROUPS = {"（三）不予公开": 1, "（四）无法提供": 11, "（五）不予处理": 3, "（六）其他处理": 4}


def test_a_groups_own_row_gives_its_total_and_its_rows_give_theirs() -> None:
    report = parse_document(_html(_group_rows(GROUPS)), "text/html")
    figs = {f.key: f for f in report.figures}
    assert figs["applications.unable.total"].value == 11 and figs["applications.unable.total"].flags == ()
    assert figs["applications.unable.not_held.total"].value == 11
    assert "derived" in figs["applications.unable.not_held.total"].flags
    # the group row's blank applicant cells are not zeros: its columns are its rows' sums
    assert figs["applications.unable.natural_person"].value == 10
    assert "derived" in figs["applications.unable.natural_person"].flags
    assert report.status == "parsed", report.findings
    assert not [f for f in report.findings if f.severity == "warning"], report.findings


def test_a_groups_printed_total_that_its_rows_contradict_is_kept_as_printed_with_a_finding() -> None:
    report = parse_document(_html(_group_rows({**GROUPS, "（五）不予处理": 5})), "text/html")
    figs = report.figure_map()
    assert figs["applications.not_processed.total"] == 5
    mismatch = next(f for f in report.findings if f.code == "identity_mismatch" and "group's own row" in f.message)
    assert "applications.not_processed.total" in mismatch.keys
    assert "applications.not_processed.complaint.total" in mismatch.keys


@pytest.mark.parametrize("cut", [1, 3])
def test_a_group_row_with_another_number_than_its_total_is_not_a_group_total(cut: int) -> None:
    rows = _group_rows(GROUPS)
    i = next(i for i, (label, _) in enumerate(rows) if label == "（四）无法提供")
    rows[i] = ("（四）无法提供", [None] * (6 - cut) + [7] * cut + [11])  # not blanks then one number
    report = parse_document(_html(rows), "text/html")
    figs = report.figure_map()
    assert figs.get("applications.unable.natural_person") in (None, 10)
    assert "applications.unable.total" not in figs or figs["applications.unable.total"] == 11


# ------------------------------------------------------------------ section 四 written by a script

def _review_page(script: str) -> bytes:
    """The 2021 page of _html with its section 四 table replaced by `script`."""
    page = _html(ROWS_2021).decode()
    start = page.index("<p>四、")
    end = page.index("<p>五、")
    return (page[:start] + "<p>四、政府信息公开行政复议、行政诉讼情况</p><script type=\"text/javascript\">" + script
            + "</script>" + page[end:]).encode()


HEADER_JS = ('"<tr><td colspan=\\"5\\">行政复议<\\/td><td colspan=\\"10\\">行政诉讼<\\/td><\\/tr>" +\n'
             '  "<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>'
             '<td>未经复议直接起诉</td><td>复议后起诉</td></tr>" +\n')


def test_a_table_a_script_writes_from_string_literals_is_read() -> None:
    cells = "".join(f"<td>{v}</td>" for v in [2, 0, 0, 1, 3, 0, 1, 0, 0, 1]) + "<td>&nbsp;</td>" * 5
    script = ('var tb4 = "<table class=\\"xxgk\\">" +\n  ' + HEADER_JS
              + f'  \'<tr>{cells}</tr>\' + "\\u003c/table>";\n// a comment with a " in it\ndocument.write(tb4);')
    report = parse_document(_review_page(script), "text/html")
    figs = {f.key: f for f in report.figures}
    assert figs["review_litigation.reconsideration.total"].value == 3
    assert figs["review_litigation.litigation_direct.corrected"].value == 1
    # the block of &nbsp; cells: each 0, its total the sum, all derived
    after = [figs[f"review_litigation.litigation_after_reconsideration.{k}"] for k in
             ("upheld", "corrected", "other", "pending", "total")]
    assert [f.value for f in after] == [0] * 5 and all("derived" in f.flags for f in after)
    assert report.status == "parsed", report.findings


@pytest.mark.parametrize("script", [
    'var t = "<table>" + "<tr>' + "<td>1</td>" * 14 + '<td>" + n + "</td></tr></table>"; document.write(t);',
    'var t = "<table><tr>"; for (var i = 0; i < 15; i++) { t += "<td>" + v[i] + "</td>"; } document.write(t);',
    "document.write(`<table><tr>" + "<td>${v}</td>" * 15 + "</tr></table>`);",
])
def test_a_table_a_script_computes_is_not_read(script: str) -> None:
    # the cells are made from values the literals do not hold: read, they would be blanks (0)
    report = parse_document(_review_page(script), "text/html")
    assert not any(k.startswith("review_litigation.") for k in report.figure_map())
    assert any(f.code == "missing_section" for f in report.findings)
