"""The template definition is the one source of rows, labels, groups and identities: the
reader, the checks, the section views and the key catalogue all agree with it."""

from __future__ import annotations

import pytest

from app.parsing import parse_document, parse_text
from app.parsing.findings import SEVERITY, Code
from app.parsing.rows import AppLabel, match_application_label
from app.parsing.templates import INTAKE, RESULTS, TEMPLATES
from app import catalogue
from app.services import views
from test_parsing_units import CORPUS, ROWS_2021, report_2021


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_the_section_view_lists_the_template_rows_and_groups_in_order(name: str) -> None:
    tpl = TEMPLATES[name]
    rows = views.application_rows(name, {})
    keys = [key for key, _, _ in rows]
    groups = [g.key for g in tpl.groups]
    assert [k for k in keys if k not in groups] == [r.key for r in tpl.rows]
    for g in tpl.groups:  # a group right before its first row, labelled as the template prints it
        assert keys.index(g.key) + 1 == keys.index(g.rows[0].key)
        assert (g.key, g.label, g.key) in rows
    # and the catalogue has exactly these rows' and groups' keys for section 三
    defined = {k for k, info in catalogue.catalogue().items() if k.startswith("applications.") and name in info.templates}
    assert defined == {f"applications.{k}.{c.key}" for k in keys for c in tpl.columns}


def test_a_view_without_template_follows_the_rows_its_figures_have() -> None:
    assert views.application_rows(None, {})[-3][0] == "other"  # 2019: (六) one row
    with_2021_rows = {"applications.other.no_fee.total": 1}
    assert [k for k, _, _ in views.application_rows(None, with_2021_rows)] == \
        [k for k, _, _ in views.application_rows("2021", {})]


def test_an_identity_sums_a_group_through_its_rows_or_as_given() -> None:
    tpl = TEMPLATES["2021"]
    values = {"results_total": 6, "granted": 1, "partially_granted": 0, "not_processed": 0, "unable": 0,
              "denied": 2, "other.no_correction": 1, "other.no_fee": 0, "other.other": 2}
    # with the group's rows: (六) is the sum of its three rows
    assert RESULTS.sides(lambda r: values.get(r), lambda t: (t,) if t != "other" else tpl.leaves(t)) == (6, 6)
    # without: a term without a value leaves the identity open
    assert RESULTS.sides(values.get) is None
    assert INTAKE.sides({"new_received": 3, "carried_over": 1, "results_total": 2}.get) is None


def test_each_identity_that_does_not_hold_names_its_keys_and_the_line_of_the_total() -> None:
    rows = [(label, list(vals)) for label, vals in ROWS_2021]
    rows[2][1][:] = [30, 1, 0, 0, 0, 2, 33]  # 予以公开 one more: (七) no longer its parts' sum, nor 一+二
    report = parse_text(report_2021(rows))
    found = [(f.keys, f.message) for f in report.findings if f.code == "identity_mismatch"]
    total = next(f for f in report.figures if f.key == "applications.results_total.natural_person")
    lines = {f.line for f in report.findings if f.code == "identity_mismatch"}
    assert lines == {total.source.line}
    assert [keys[0] for keys, _ in found] == ["applications.results_total.natural_person",
                                              "applications.results_total.total"]
    assert found[0][1] == "natural_person: (一)…(六) add up to 52, (七)总计 says 51."


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_label_the_template_prints_reads_as_its_own_row_or_group(name: str) -> None:
    tpl = TEMPLATES[name]
    for entry in (*tpl.rows, *tpl.groups):
        kind = "group" if entry in tpl.groups else "row"
        assert match_application_label(entry.label, tpl, False) == AppLabel(kind, entry.key)
    # a generic label without its numbering names nothing
    assert match_application_label("其他", tpl, False) is None
    assert match_application_label("总计", tpl, False) is None


def test_every_finding_of_the_corpus_has_a_listed_code_and_its_severity() -> None:
    seen = set()
    for path in sorted(CORPUS.glob("*.txt")):
        for f in parse_document(path.read_bytes()).findings:
            assert f.severity == SEVERITY[Code(f.code)]
            assert type(f.code) is str  # stored plain: pickles and serialises as before
            seen.add(f.code)
    assert seen  # the corpus has findings (repaired splits, ambiguous ones)
