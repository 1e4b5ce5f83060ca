"""Word .docx read as HTML is: paragraphs in order, tables where they stand, merged cells given
once (app/parsing/docx.py); and .docx files that are no report."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.api.problems import input_status
from app.parsing import InputError, parse_document
from app.parsing.docx import DocxLimits, read_docx

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_of(body: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f'<?xml version="1.0"?><w:document {W}><w:body>{body}</w:body></w:document>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def p(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def tc(text: str, props: str = "") -> str:
    paragraphs = "".join(p(t) for t in text.split("/")) if text else "<w:p/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"


def test_paragraphs_and_tables_in_order_with_merged_cells_given_once():
    body = (p("二、主动公开政府信息情况")
            + "<w:tbl>"
            + "<w:tr>" + tc("第二十条第（一）项", '<w:gridSpan w:val="3"/>') + "</w:tr>"
            + "<w:tr>" + tc("信息内容") + tc("本年新/制作数量") + tc("本年新公开数量") + "</w:tr>"
            + "<w:tr>" + tc("规章", '<w:vMerge w:val="restart"/>') + tc("1") + tc("2") + "</w:tr>"
            + "<w:tr>" + tc("", "<w:vMerge/>") + tc("3") + tc("4") + "</w:tr>"
            + "</w:tbl>"
            + p("三、收到和处理政府信息公开申请情况"))
    assert read_docx(docx_of(body)).text.split("\n") == [
        "二、主动公开政府信息情况", "第二十条第（一）项", "信息内容 | 本年新制作数量 | 本年新公开数量", "规章 | 1 | 2", "3 | 4",
        "三、收到和处理政府信息公开申请情况",
    ]


def test_line_breaks_tabs_content_controls_and_tracked_deletions():
    body = ("<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t><w:tab/><w:t>12</w:t></w:r>"
            "<w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del>"
            "<w:r><w:instrText>PAGE</w:instrText></w:r></w:p>"
            "<w:sdt><w:sdtContent>" + p("控件里的段落") + "</w:sdtContent></w:sdt>")
    assert read_docx(docx_of(body)).text.split("\n") == ["第一行", "第二行\t12", "控件里的段落"]


def test_a_row_holding_a_table_is_page_layout_and_its_tables_are_read():
    inner = "<w:tbl><w:tr>" + tc("行政许可") + tc("41505") + "</w:tr></w:tbl>"
    body = "<w:tbl><w:tr><w:tc>" + p("外框") + inner + "</w:tc></w:tr></w:tbl>"
    assert read_docx(docx_of(body)).text.split("\n") == ["外框", "行政许可 | 41505"]


def test_entities_are_never_expanded():
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            f'<w:document {W}><w:body><w:p><w:r><w:t>&c;</w:t></w:r></w:p></w:body></w:document>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", bomb)
    try:
        text = read_docx(out.getvalue()).text
    except InputError as exc:
        assert exc.code == "docx_corrupt"
    else:
        assert "aaaaaaaaaa" not in text


def test_a_zip_bomb_is_refused_before_it_is_inflated_whole():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/document.xml", "w") as member:
            member.write(f'<w:document {W}><w:body>'.encode())
            for _ in range(8):
                member.write(b" " * (1 << 20))
            member.write(b"</w:body></w:document>")
    data = out.getvalue()
    assert len(data) < 100_000
    with pytest.raises(InputError) as caught:
        read_docx(data, DocxLimits(max_xml=4 << 20))
    assert (caught.value.code, input_status(caught.value.code)) == ("docx_too_large_inflated", 413)
    # a central directory that understates the size is no way around the limit
    patched = bytearray(data)
    at = patched.rfind(b"PK\x01\x02")
    patched[at + 24:at + 28] = (1000).to_bytes(4, "little")  # the declared uncompressed size
    with pytest.raises(InputError) as caught:
        read_docx(bytes(patched), DocxLimits(max_xml=4 << 20))
    assert caught.value.code in ("docx_too_large_inflated", "docx_corrupt")


@pytest.mark.parametrize("data", [
    b"PK\x03\x04" + b"\x00" * 40 + b"word/document.xml",
    docx_of(p("x"))[:-30],
], ids=["not-a-zip", "truncated"])
def test_a_docx_that_is_no_zip_or_cut_short_is_refused(data):
    with pytest.raises(InputError) as caught:
        parse_document(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert (caught.value.code, input_status(caught.value.code)) == ("docx_corrupt", 422)


def test_a_zip_that_is_no_word_document_and_a_legacy_word_file_say_what_to_send():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("report.txt", "x")
    with pytest.raises(InputError) as caught:
        parse_document(archive.getvalue())
    assert (caught.value.code, input_status(caught.value.code)) == ("unsupported_archive", 415)
    with pytest.raises(InputError) as caught:
        parse_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/msword")
    assert (caught.value.code, input_status(caught.value.code)) == ("legacy_word_document", 415)
    assert "soffice --headless --convert-to docx" in caught.value.message and ".docx or PDF" in caught.value.message
