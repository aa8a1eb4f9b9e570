"""Attached files of minutes: what a file is, decided by its content, and the text it carries. Pure.

A name says nothing about a file: a renamed executable is still an executable. So the kind is
read from the bytes (a PDF starts with `%PDF-`; a DOCX is a ZIP holding `word/document.xml`;
an ODT is a ZIP whose `mimetype` entry says `application/vnd.oasis.opendocument.text`) and
must agree with the name's suffix, which the browser uses to pick a program when the file is
downloaded again. The text is read so the identity-number guard can check it: a PDF's text
layer page by page (pypdf), a DOCX's paragraphs from `word/document.xml` and its headers,
footers, notes and comments, an ODT's paragraphs from `content.xml` and `styles.xml` (where
its headers and footers live). Reading the text is also how a corrupt file is found.

ZIP members are read with a size cap (a small ZIP can inflate to gigabytes) and XML with a
document type declaration is refused (entity expansion), since the files come from anyone.
"""
from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from xml.etree import ElementTree

from coordinator.i18n import N_, DomainError
from coordinator.minutes.guard import Passage

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # the default; the web app reads MINUTES_MAX_ATTACHMENT_BYTES
MAX_XML_BYTES = 50 * 1024 * 1024          # one inflated XML part of a DOCX or ODT
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_DOCX_SIDE_PARTS = re.compile(r"word/(header\d*|footer\d*|footnotes|endnotes|comments)\.xml")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileKind:
    label: str          # a Swedish phrase for messages: "en PDF"
    content_type: str
    suffix: str


PDF = FileKind(N_("en PDF"), "application/pdf", ".pdf")
DOCX = FileKind(N_("ett Word-dokument (DOCX)"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")
ODT = FileKind(N_("ett OpenDocument-dokument (ODT)"), "application/vnd.oasis.opendocument.text", ".odt")
KINDS = (PDF, DOCX, ODT)
OTHER = N_("något annat än PDF, DOCX eller ODT")


@dataclass(frozen=True)
class ReadFile:
    """A file found to be what its name says, with its text in passages that say where they stand."""
    kind: FileKind
    passages: tuple[Passage, ...]

    @property
    def has_text(self) -> bool:
        return any(p.text.strip() for p in self.passages)


def read_attachment(filename: str, data: bytes) -> ReadFile:
    """The file's kind and text; DomainError when it is empty, corrupt, or not what its name says."""
    if not data:
        raise DomainError(N_("Filen %(file)s är tom."), file=filename)
    suffix = PurePath(filename).suffix.lower()
    expected = next((kind for kind in KINDS if kind.suffix == suffix), None)
    if expected is None:
        raise DomainError(N_("Filen %(file)s är inte en PDF, DOCX eller ODT. "
                             "Bifoga protokollet i något av de formaten."), file=filename)
    found = identify(data)
    if found is not expected:
        raise DomainError(N_("Filen %(file)s heter som %(expected)s, men innehållet är %(found)s. "
                             "Välj rätt fil eller spara den i rätt format."),
                          file=filename, expected=expected.label, found=found.label if found else OTHER)
    reader = {PDF: _pdf_passages, DOCX: _docx_passages, ODT: _odt_passages}[found]
    return ReadFile(found, tuple(reader(filename, data)))


def identify(data: bytes) -> FileKind | None:
    """PDF, DOCX or ODT by the content alone; None for anything else."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and _member(archive, "mimetype", 200).strip() == ODT_MIMETYPE:
                return ODT
    except (zipfile.BadZipFile, _TooLarge, OSError, EOFError):
        return None
    return None


# -- PDF -------------------------------------------------------------------------------------------

def _pdf_passages(filename: str, data: bytes) -> Iterator[Passage]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DomainError(N_("PDF-filen %(file)s är lösenordsskyddad. Spara den utan lösenord och försök igen."),
                              file=filename)
        pages = [page.extract_text() or "" for page in reader.pages]
    except DomainError:
        raise
    # pypdf raises many kinds of errors on broken files (PdfReadError, ValueError, KeyError ...);
    # whatever it is, the file cannot be read, and that is what the user needs to hear.
    except Exception as error:
        log.info("unreadable PDF %r: %s", filename, error)
        raise DomainError(N_("PDF-filen %(file)s är skadad och kan inte läsas."), file=filename) from error
    if not pages:
        raise DomainError(N_("PDF-filen %(file)s har inga sidor."), file=filename)
    for number, text in enumerate(pages, start=1):
        yield Passage(N_("%(file)s, sida %(page)d, rad %(line)d"), {"file": filename, "page": number}, text)


# -- DOCX and ODT ----------------------------------------------------------------------------------

def _docx_passages(filename: str, data: bytes) -> Iterator[Passage]:
    with _archive(filename, data) as archive:
        body = _xml(filename, archive, "word/document.xml")
        for number, text in enumerate(_paragraphs(body, f"{_W}p", _docx_text), start=1):
            yield Passage(N_("%(file)s, stycke %(paragraph)d"), {"file": filename, "paragraph": number}, text)
        for name in sorted(n for n in archive.namelist() if _DOCX_SIDE_PARTS.fullmatch(n)):
            for text in _paragraphs(_xml(filename, archive, name), f"{_W}p", _docx_text):
                yield Passage(N_("%(file)s, sidhuvud, sidfot, fotnot eller kommentar"), {"file": filename}, text)


def _odt_passages(filename: str, data: bytes) -> Iterator[Passage]:
    paragraph = (f"{_TEXT}p", f"{_TEXT}h")
    with _archive(filename, data) as archive:
        body = _xml(filename, archive, "content.xml")
        for number, text in enumerate(_paragraphs(body, paragraph, _odt_text), start=1):
            yield Passage(N_("%(file)s, stycke %(paragraph)d"), {"file": filename, "paragraph": number}, text)
        if "styles.xml" in archive.namelist():
            for text in _paragraphs(_xml(filename, archive, "styles.xml"), paragraph, _odt_text):
                yield Passage(N_("%(file)s, sidhuvud eller sidfot"), {"file": filename}, text)


def _paragraphs(root: ElementTree.Element, tags: str | tuple[str, ...],
                text_of: Callable[[ElementTree.Element, tuple[str, ...]], Iterable[str]]) -> Iterator[str]:
    """The text of each paragraph in document order; a paragraph nested in another (a text box) on its own."""
    tags = (tags,) if isinstance(tags, str) else tags
    for element in root.iter():
        if element.tag in tags:
            yield "".join(text_of(element, tags))


def _docx_text(paragraph: ElementTree.Element, tags: tuple[str, ...]) -> Iterator[str]:
    for child in paragraph:
        if child.tag in tags:
            continue  # a nested paragraph is a paragraph of its own
        if child.tag == f"{_W}t":
            yield child.text or ""
        elif child.tag == f"{_W}tab":
            yield "\t"
        elif child.tag in (f"{_W}br", f"{_W}cr"):
            yield "\n"
        else:
            yield from _docx_text(child, tags)


def _odt_text(paragraph: ElementTree.Element, tags: tuple[str, ...]) -> Iterator[str]:
    yield paragraph.text or ""
    for child in paragraph:
        if child.tag not in tags:
            if child.tag == f"{_TEXT}s":
                yield " " * int(child.get(f"{_TEXT}c", "1"))
            elif child.tag == f"{_TEXT}tab":
                yield "\t"
            elif child.tag == f"{_TEXT}line-break":
                yield "\n"
            else:
                yield from _odt_text(child, tags)
        yield child.tail or ""


class _TooLarge(Exception):
    pass


@contextmanager
def _archive(filename: str, data: bytes) -> Iterator[zipfile.ZipFile]:
    """A ZIP opened for reading, its errors told as the file being corrupt."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError) as error:
        raise _corrupt(filename) from error
    with archive:
        yield archive


def _xml(filename: str, archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        content = _member(archive, name, MAX_XML_BYTES)
        if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
            raise _corrupt(filename)
        return ElementTree.fromstring(content)
    except (_TooLarge, zipfile.BadZipFile, KeyError, OSError, EOFError, ElementTree.ParseError) as error:
        raise _corrupt(filename) from error


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    with archive.open(name) as member:
        content = member.read(limit + 1)
    if len(content) > limit:
        raise _TooLarge(name)
    return content


def _corrupt(filename: str) -> DomainError:
    return DomainError(N_("Filen %(file)s är skadad och kan inte läsas."), file=filename)
