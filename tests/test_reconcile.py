"""app/parsing/reconcile.py on real corpus copies: the same report in other layouts,
encodings, scripts and formats makes one set of figures; disagreements are ranked or withheld."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import CORPUS, SEED_VARIANTS, content_type_for, expected_for
from app.parsing.reconcile import Copy, is_revision, reconcile
from app.services.convert import parse_upload

KEY = "applications.new_received.total"
NATURAL = "active.permit.decisions"  # in no identity: an edit of it stands


def _parse(name: str, data: bytes | None = None):
    data = (CORPUS / name).read_bytes() if data is None else data
    return parse_upload(data, "application/pdf" if name.endswith(".pdf") else content_type_for(name))


def _values(rec) -> dict:
    return {f.key: f.value for _, f in rec.figures}


@pytest.fixture(scope="module")
def ewenki():
    return [Copy(i + 1, _parse(name)) for i, name in enumerate(SEED_VARIANTS)]


def test_six_layouts_agree_and_give_the_expected_figures(ewenki):
    rec = reconcile(ewenki)
    assert _values(rec) == expected_for(SEED_VARIANTS[0])["figures"]
    assert not [f for f in rec.findings if f.code == "documents_disagree"]
    assert rec.status == "parsed" and not rec.withheld
    assert {doc for doc, _ in rec.figures} == {rec.primary}  # all agree: one document gives them all


@pytest.mark.parametrize("names", [("pingtan-2024.txt", "pingtan-2024.traditional.txt"),
                                   ("huaian-2024.txt", "huaian-2024.pdf")])
def test_copies_in_other_scripts_and_formats(names):
    copies = [Copy(i + 10, _parse(n)) for i, n in enumerate(names)]
    rec = reconcile(copies)
    expected = expected_for(names[0])["figures"]
    got = _values(rec)
    # every figure either the expected one, or withheld with a finding naming it
    disagree = {k for f in rec.findings if f.code == "documents_disagree" for k in f.keys}
    for key, value in expected.items():
        assert got.get(key) == value or key in disagree, key
    assert set(rec.withheld) <= disagree


def test_a_key_one_copy_lacks_comes_from_the_other(ewenki):
    first = ewenki[0]
    lacking = Copy(first.document_id, replace(first.parsed, figures=[f for f in first.parsed.figures if f.key != KEY]))
    rec = reconcile([lacking, ewenki[1]])
    assert _values(rec)[KEY] == expected_for(SEED_VARIANTS[0])["figures"][KEY]
    assert dict((f.key, d) for d, f in rec.figures)[KEY] == ewenki[1].document_id


def _edited(parsed, key: str, head: str = ""):
    """The real copy with one figure's digits changed where it was read (a second edition)."""
    src = next(f.source for f in parsed.figures if f.key == key)
    lines = parsed.text.split("\n")
    line = lines[src.line - 1]
    lines[src.line - 1] = line[:src.start] + str(int(line[src.start:src.end]) + 7) + line[src.end:]
    return _parse(SEED_VARIANTS[0], (head + "\n".join(lines)).encode("utf-8"))


def _changed_key(a, b) -> str:
    va, vb = a.figure_map(), b.figure_map()
    changed = [k for k in va if k in vb and va[k] != vb[k]]
    assert changed, "the edit changed no figure"
    return changed[0]


def test_a_tie_is_withheld_and_named(ewenki):
    original = ewenki[0].parsed
    other = _edited(original, NATURAL)
    key = _changed_key(original, other)
    rec = reconcile([Copy(1, original), Copy(2, other)])
    assert key in rec.withheld and key not in _values(rec)
    assert rec.status == "partial"
    finding = next(f for f in rec.findings if f.code == "documents_disagree" and key in f.keys)
    assert "document 1" in finding.message and "document 2" in finding.message
    assert str(original.figure_map()[key]) in finding.message and str(other.figure_map()[key]) in finding.message


def test_a_revision_beats_the_earlier_edition(ewenki):
    original = ewenki[0].parsed
    revised = _edited(original, NATURAL, head="（更正）\n")
    assert is_revision(revised) and not is_revision(original)
    key = _changed_key(original, revised)
    for order in ([Copy(1, original), Copy(2, revised)], [Copy(2, revised), Copy(1, original)]):
        rec = reconcile(order)
        assert _values(rec)[key] == revised.figure_map()[key]
        assert key not in rec.withheld
        assert any(f.code == "documents_disagree" and key in f.keys and "revised" in f.message for f in rec.findings)


def test_a_later_publication_date_beats_an_earlier_one(ewenki):
    original = replace(ewenki[0].parsed, published_at="2021-01-20")
    later = replace(_edited(original, NATURAL), published_at="2021-03-01")
    key = _changed_key(original, later)
    rec = reconcile([Copy(1, later), Copy(2, original)])
    assert _values(rec)[key] == later.figure_map()[key]
    rec = reconcile([Copy(2, original), Copy(1, later)])
    assert _values(rec)[key] == later.figure_map()[key]


def test_an_exact_cell_beats_a_derived_or_ocr_one(ewenki):
    original = ewenki[0].parsed
    value = original.figure_map()[KEY]
    for flag in ("derived", "ocr", "repaired"):
        worse = replace(original, figures=[replace(f, value=value + 1, flags=(flag,), confidence=0.95 if flag == "ocr"
                                                   else None) if f.key == KEY else f for f in original.figures])
        for order in ([Copy(1, worse), Copy(2, original)], [Copy(2, original), Copy(1, worse)]):
            rec = reconcile(order)
            assert _values(rec)[KEY] == value, flag
            assert any(f.code == "documents_disagree" and KEY in f.keys for f in rec.findings)


def test_ocr_confidence_is_kept(ewenki):
    original = ewenki[0].parsed
    ocr = replace(original, figures=[replace(f, flags=("ocr",), confidence=0.97) for f in original.figures])
    rec = reconcile([Copy(1, ocr)])
    assert {f.confidence for _, f in rec.figures} == {0.97}


def test_the_identities_are_checked_again_over_the_merged_figures(ewenki):
    """A figure one document lacks comes from another, which read it differently: each
    document's own sums were never checked against the other's figures, the merged ones are
    (an identity_mismatch of the report naming the keys); agreeing copies add no finding."""
    key = "applications.granted.total"
    first = ewenki[0].parsed
    lacking = replace(first, figures=[f for f in first.figures if f.key != key])
    other = replace(first, figures=[replace(f, value=f.value + 7) if f.key == key else f for f in first.figures])
    assert not [f for f in other.findings if f.code == "identity_mismatch"]  # as if each read alone held
    rec = reconcile([Copy(1, lacking), Copy(2, other)])
    assert _values(rec)[key] == first.figure_map()[key] + 7
    mismatches = [f for f in rec.findings if f.code == "identity_mismatch"]
    assert mismatches and all(key in f.keys or any(k.endswith(".total") for k in f.keys) for f in mismatches)
    assert any(key in f.keys for f in mismatches)
    assert not [f for f in reconcile(ewenki).findings if f.code == "identity_mismatch"]
