"""The layout and wording classes of reports nobody tuned for (docs/unseen-reports.md), each on
small texts built for it here: what is read, what is flagged, and the near misses that must
stay out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.parsing import NeighbourYears, parse_document, parse_text
from app.parsing.infer import narrow_by_years
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


def test_a_row_short_of_a_cell_is_read_where_the_tables_identities_leave_its_lost_cell_one_place() -> None:
    # six numbers and no empty cell after them: a cell was lost somewhere; of the five
    # readings (a 0 at each applicant place, or the 总计 the row's sum), only 29|1|0|0|0|2|32
    # keeps (七) = (一) + … + (六) with the other rows
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 2, 32])
    report = parse_text(report_2021(rows))
    figs = {f.key: f for f in report.figures if f.key.startswith("applications.granted.")}
    assert [f.value for f in figs.values()] == ROWS_2021[2][1]
    assert all("derived" in f.flags for f in figs.values())
    [lost] = [f for f in report.findings if f.code == "lost_cell"]
    assert "applications.granted.total" in lost.keys and "only this one" in lost.message
    assert not [f for f in report.findings if f.code in ("incomplete_row", "identity_mismatch")]


def test_a_lost_cell_that_held_a_number_is_placed_only_by_the_identities() -> None:
    # 29 1 0 0 0 32: the lost cell held 2 (the row's sum says so), at any of six places
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 0, 32])
    assert parse_text(report_2021(rows)).figure_map()["applications.granted.other_org"] == 2
    # with the (七) row gone too, no identity checks the row: six readings, left out
    report = parse_text(report_2021([r for i, r in enumerate(rows) if i != 23]))
    assert not any(k.startswith("applications.granted.") for k in report.figure_map())
    assert any(f.code == "incomplete_row" and "applications.granted.total" in f.keys for f in report.findings)


def test_two_rows_short_of_a_cell_that_no_identity_tells_apart_are_left_out() -> None:
    # （一） and （二） both lost a cell: (七) = (一) + … + (六) has two rows unknown, and each
    # row alone reads several ways (5 0 0 0 0 5: 0|5|0|0|0|0|5, 5|0|0|0|0|0|5, 5|0|0|0|0|5|10)
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 2, 32])
    rows[3] = (rows[3][0], [5, 0, 0, 0, 0, 5])
    report = parse_text(report_2021(rows))
    figs = report.figure_map()
    assert not any(k.startswith(("applications.granted.", "applications.partially_granted.")) for k in figs)
    left_out = {k for f in report.findings if f.code == "incomplete_row" for k in f.keys}
    assert {"applications.granted.total", "applications.partially_granted.total"} <= left_out
    assert not [f for f in report.findings if f.code == "lost_cell"]


def test_an_all_zero_row_short_of_a_cell_is_zeros_whatever_the_rest_of_the_table() -> None:
    # six 0s: every place of the lost cell reads 0 (the row's sum forces the 总计 to 0 too),
    # with the 总计 row gone as well: no identity is needed
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[4] = ("（三）不予公开 | 1.属于国家秘密", [0] * 6)
    report = parse_text(report_2021([r for i, r in enumerate(rows) if i != 23]))
    figs = {f.key: f for f in report.figures if f.key.startswith("applications.denied.state_secret.")}
    assert len(figs) == 7 and {f.value for f in figs.values()} == {0}
    assert all("derived" in f.flags for f in figs.values())
    assert any(f.code == "lost_cell" and "every place gives the same figures" in f.message for f in report.findings)


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


# ------------------------------------------------------------------ the same body's other years

UNSEEN = Path(__file__).resolve().parent / "data" / "unseen"
UNLABELLED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "unlabelled"


def _exact(report) -> dict[str, float]:
    return {f.key: f.value for f in report.figures if "inferred" not in f.flags}


def _unseen(name: str):
    return parse_document((UNSEEN / name).read_bytes(), "text/plain; charset=utf-8")


def test_a_run_together_row_the_previous_year_settles_is_inferred_and_says_so() -> None:
    before = _unseen("split-cross-year-2021-a.txt")
    data = (UNSEEN / "split-cross-year-2021-b.txt").read_bytes()
    alone = parse_document(data, "text/plain")
    assert not any(k.startswith("active.normative_docs.") for k in alone.figure_map())
    report = parse_document(data, "text/plain", context=NeighbourYears(previous=_exact(before)))
    figs = {f.key: f for f in report.figures}
    assert [figs[f"active.normative_docs.{k}"].value for k in ("issued", "repealed", "in_force")] == [1, 10, 22]
    assert all("inferred" in figs[f"active.normative_docs.{k}"].flags for k in ("issued", "repealed", "in_force"))
    said = next(f for f in report.findings if f.code == "inferred_split")
    assert "in_force(t−1) 31" in said.message and "11, 0, 22" in said.message  # the evidence and the others
    assert not any(f.code == "ambiguous_split" for f in report.findings)


def test_other_years_that_no_split_keeps_change_nothing() -> None:
    data = (UNSEEN / "split-cross-year-2021-b.txt").read_bytes()
    # a body that does not keep the identity: no split gives 99 + issued − repealed
    report = parse_document(data, "text/plain",
                            context=NeighbourYears(previous={"active.normative_docs.in_force": 99}))
    assert report.figure_map() == parse_document(data, "text/plain").figure_map()
    assert any(f.code == "ambiguous_split" for f in report.findings)


def test_the_next_year_settles_a_2019_items_row_by_its_previous_items() -> None:
    data = (UNSEEN / "split-priors-items-2019.txt").read_bytes()
    want = json.loads((UNSEEN / "split-priors-items-2019.expected.json").read_text(encoding="utf-8"))["figures"]
    after = {"active.permit.prev_items": want["active.permit.prev_items"] + want["active.permit.change"]}
    report = parse_document(data, "text/plain", context=NeighbourYears(next=after))
    figs = {f.key: f for f in report.figures}
    for k in ("prev_items", "change", "decisions"):
        assert figs[f"active.permit.{k}"].value == want[f"active.permit.{k}"]
        assert "inferred" in figs[f"active.permit.{k}"].flags
    assert any(f.code == "inferred_split" and "prev_items(t+1)" in f.message for f in report.findings)


def test_a_run_together_carry_over_row_is_settled_by_the_previous_years_carry_forward() -> None:
    rows = [(label, list(vals)) for label, vals in ROWS_2021 if not label.startswith("四、")]
    rows[0] = ("一、本年新收政府信息公开申请数量", [43, 0, 0, 0, 0, 5, 48])
    rows[1] = ("二、上年结转政府信息公开申请数量", [12, 1, 0, 0, 0, 0, 13])
    text = report_2021(rows).replace("二、上年结转政府信息公开申请数量 | 12 | 1 | 0 | 0 | 0 | 0 | 13",
                                     "二、上年结转政府信息公开申请数量 | 121000013")
    assert not any(k.startswith("applications.carried_over.") and k.endswith("research")
                   for k in parse_text(text).figure_map())  # 12|1|0… or 1|2|10…: left out alone
    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
    previous = {f"applications.carried_forward.{c}": v for c, v in zip(columns, (12, 1, 0, 0, 0, 0, 13))}
    report = parse_text(text, context=NeighbourYears(previous=previous))
    figs = {f.key: f for f in report.figures}
    assert [figs[f"applications.carried_over.{c}"].value for c in columns] == [12, 1, 0, 0, 0, 0, 13]
    assert "inferred" in figs["applications.carried_over.commercial"].flags
    assert any(f.code == "inferred_split" and "carried_forward" in f.message for f in report.findings)


SERIES = (("pingtan-jingfa", range(2019, 2024)), ("pingtan-junshan", range(2023, 2026)))


@pytest.mark.parametrize("stem,years", SERIES, ids=[s for s, _ in SERIES])
def test_the_real_series_read_with_their_neighbours_give_the_same_figures(stem: str, years: range) -> None:
    """经济发展局 2019–2023 and 君山 2023–2025 (real, unlabelled): each year parsed with the
    figures of the parses of the years around it. Their rows are read without ambiguity, and
    the bodies do not keep the cross-year identities (经济发展局's 现行有效 is each year's 制发):
    the context must change no figure."""
    parsed = {y: parse_document((UNLABELLED / f"{stem}-{y}.txt").read_bytes(), "text/plain") for y in years}
    for y in years:
        context = NeighbourYears(previous=_exact(parsed[y - 1]) if y - 1 in parsed else None,
                                 next=_exact(parsed[y + 1]) if y + 1 in parsed else None)
        data = (UNLABELLED / f"{stem}-{y}.txt").read_bytes()
        assert parse_document(data, "text/plain", context=context).figure_map() == parsed[y].figure_map(), y


def test_the_cross_year_identities_on_the_real_series() -> None:
    """The identities, evaluated on real neighbours: 君山 2023 → 2024 keeps in_force (11 + 0 − 0
    = 11), so of two splits of its row only its own is left; 经济发展局 2021 → 2022 does not
    (5 + 5 − 0 ≠ 5), so the identity is no evidence and every split stays."""
    columns = ("issued", "repealed", "in_force")
    row = "active.normative_docs"

    def own(report) -> list[int]:
        figs = report.figure_map()
        return [int(figs[f"{row}.{c}"]) for c in columns]

    junshan = {y: parse_document((UNLABELLED / f"pingtan-junshan-{y}.txt").read_bytes(), "text/plain")
               for y in (2023, 2024)}
    mine = own(junshan[2024])
    kept, said = narrow_by_years("2021", row, columns, [mine, [1, 0, 1]],
                                 NeighbourYears(previous=_exact(junshan[2023])))
    assert kept == [mine] and said is not None and "11" in said
    jingfa = {y: parse_document((UNLABELLED / f"pingtan-jingfa-{y}.txt").read_bytes(), "text/plain")
              for y in (2021, 2022)}
    mine = own(jingfa[2022])
    kept, said = narrow_by_years("2021", row, columns, [mine, [5, 1, 4]],
                                 NeighbourYears(previous=_exact(jingfa[2021])))
    assert kept == [mine, [5, 1, 4]] and said is None


# ------------------------------------------------------------------ section 二, notes moved out of the table

def _loose_notes(row_line: str, *loose: str) -> str:
    """The 2021 report with its 行政规范性文件 row replaced by `row_line` and the loose lines after it."""
    text = report_2021()
    assert "行政规范性文件 | 12 | 0 | 74\n" in text
    return text.replace("行政规范性文件 | 12 | 0 | 74\n", "\n".join((row_line, *loose)) + "\n")


def test_numbers_moved_out_of_their_row_go_where_their_notes_words_say() -> None:
    # the notes in the other order than the columns: the words place them, not their order
    report = parse_text(_loose_notes("行政规范性文件 | 74 |", "3（含废止失效文件2件）", "12（其中新制定8件）"))
    figs = {f.key: f for f in report.figures if f.key.startswith("active.normative_docs.")}
    assert {k: f.value for k, f in figs.items()} == {"active.normative_docs.issued": 12,
                                                    "active.normative_docs.repealed": 3,
                                                    "active.normative_docs.in_force": 74}
    assert figs["active.normative_docs.issued"].note == "其中新制定8件"
    [placed] = [f for f in report.findings if f.code == "notes_placed"]
    assert "active.normative_docs.in_force" in placed.keys


@pytest.mark.parametrize("loose, why", [
    (("12（其中8件）", "3（含2件）"), "no word names a column"),
    (("12（其中修订8件）", "3（其中修订2件）"), "two notes name one column"),
    (("12（其中修订后废止8件）", "3（含失效2件）"), "a note names two columns"),
    (("12（其中修订18件）", "3（含失效2件）"), "a part larger than its cell"),
    (("120（其中修订8件）", "3（含失效2件）"), "现行有效 74 below 本年制发 120: a near-rule broken"),
])
def test_numbers_moved_out_of_their_row_that_their_notes_do_not_place_are_left_out(loose, why) -> None:
    report = parse_text(_loose_notes("行政规范性文件 | 74 |", *loose))
    assert not any(k.startswith("active.normative_docs.") for k in report.figure_map()), why
    assert any(f.code == "incomplete_row" and "active.normative_docs.issued" in f.keys for f in report.findings)
    assert not [f for f in report.findings if f.code == "notes_placed"]


def test_numbers_the_notes_place_against_what_the_text_states_are_left_out() -> None:
    text = _loose_notes("行政规范性文件 | 74 |", "12（其中修订8件）", "3（含失效2件）")
    text = text.replace("本报告所列数据", "全年制发行政规范性文件3件。本报告所列数据", 1)
    report = parse_text(text)
    assert not any(k.startswith("active.normative_docs.") for k in report.figure_map())


def test_a_row_short_of_a_cell_with_one_reading_that_the_identities_refuse_is_left_out() -> None:
    # 29 1 0 0 3 2: the applicants exceed the last number, so only "2 is 其他, 总计 lost" keeps
    # the row's sum (29|1|0|0|3|2|35), and (七) = (一) + … + (六) says otherwise
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2] = ("（一）予以公开", [29, 1, 0, 0, 3, 2])
    report = parse_text(report_2021(rows))
    assert not any(k.startswith("applications.granted.") for k in report.figure_map())
    assert any(f.code == "incomplete_row" and "applications.granted.total" in f.keys for f in report.findings)
    # without the (七) row nothing checks it, and the one reading is taken, derived
    report = parse_text(report_2021([r for i, r in enumerate(rows) if i != 23]))
    assert report.figure_map()["applications.granted.total"] == 35
