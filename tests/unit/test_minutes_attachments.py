"""Attachments are judged by their content: PDF, DOCX and ODT are recognised whatever their name,
a file whose content is not what its name says is refused, empty and corrupt files are refused,
and the text the guard checks comes out page by page or paragraph by paragraph."""
from __future__ import annotations

import io
import zipfile

import pytest
from tests.minutes_helpers import docx, odt, pdf, scanned_pdf

from coordinator.i18n import DomainError
from coordinator.minutes.attachments import DOCX, ODT, PDF, identify, read_attachment


def message(error: DomainError) -> str:
    return error.template % {k: v for k, v in error.params.items()}


@pytest.mark.parametrize(("data", "kind"), [(pdf("Protokoll"), PDF), (docx("Protokoll"), DOCX),
                                            (odt("Protokoll"), ODT), (b"GIF89a....", None),
                                            (odt("x", mimetype="application/vnd.oasis.opendocument.spreadsheet"), None)])
def test_the_content_decides_the_kind(data, kind):
    assert identify(data) is kind


def test_the_text_of_a_pdf_is_read_per_page_with_swedish_letters_intact():
    read = read_attachment("protokoll.pdf", pdf("Närvarande: Åsa Öberg", "Beslut: ärendet avslutas"))

    assert read.kind is PDF and read.kind.content_type == "application/pdf"
    assert [(p.params["page"], p.text.strip()) for p in read.passages] == [
        (1, "Närvarande: Åsa Öberg"), (2, "Beslut: ärendet avslutas")]


def test_the_paragraphs_and_header_of_a_docx_are_read():
    read = read_attachment("Protokoll.DOCX", docx("Första stycket", "Andra stycket", header="Sidhuvud"))

    assert read.kind is DOCX
    assert [(p.where % {**p.params, "line": 1}, p.text) for p in read.passages] == [
        ("Protokoll.DOCX, stycke 1", "Första stycket"), ("Protokoll.DOCX, stycke 2", "Andra stycket"),
        ("Protokoll.DOCX, sidhuvud, sidfot, fotnot eller kommentar", "Sidhuvud")]


def test_the_paragraphs_of_an_odt_are_read():
    read = read_attachment("protokoll.odt", odt("Ett", "Två"))

    assert read.kind is ODT and [p.text for p in read.passages] == ["Ett", "Två"]


@pytest.mark.parametrize(("filename", "data", "says"), [
    ("protokoll.pdf", docx("x"), "heter som en PDF, men innehållet är ett Word-dokument (DOCX)"),
    ("protokoll.docx", pdf("x"), "heter som ett Word-dokument (DOCX), men innehållet är en PDF"),
    ("protokoll.odt", b"MZ\x90\x00 an executable", "innehållet är något annat än PDF, DOCX eller ODT"),
    ("protokoll.pdf", b"", "är tom"),
    ("protokoll.pdf", b"%PDF-1.7\n this is not a PDF at all", "är skadad"),
    ("protokoll.pdf", pdf("Protokoll")[:400], "är skadad"),
    ("protokoll.docx", b"PK\x03\x04 not a zip", "innehållet är något annat"),
    ("protokoll.exe", pdf("x"), "är inte en PDF, DOCX eller ODT"),
    ("protokoll.doc", docx("x"), "är inte en PDF, DOCX eller ODT"),
])
def test_a_file_that_is_not_what_its_name_says_or_is_broken_is_refused(filename, data, says):
    with pytest.raises(DomainError) as refused:
        read_attachment(filename, data)

    assert says in message(refused.value)
    assert filename in message(refused.value)


def test_a_docx_whose_document_is_not_xml_is_corrupt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")

    with pytest.raises(DomainError, match="skadad"):
        read_attachment("p.docx", buffer.getvalue())


def test_xml_with_a_document_type_is_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><w:document>&a;</w:document>')

    with pytest.raises(DomainError, match="skadad"):
        read_attachment("p.docx", buffer.getvalue())


def test_a_scanned_pdf_has_no_text():
    read = read_attachment("skannat.pdf", scanned_pdf())

    assert read.kind is PDF and not read.has_text
