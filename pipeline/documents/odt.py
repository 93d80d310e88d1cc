"""OpenDocument text (ODT) written directly with odfdo, without LibreOffice.

The ODT carries the same content as the Markdown document, rendered from the same template
(``verbale.md.j2``, ``sintesi.md.j2``, or an office's own), so an office restyles one template for
both. The Markdown is parsed with markdown-it and written as real ODF structure: ``text:h`` headings
with their outline level and the "Heading N" styles (screen readers and the navigator see the
document's structure, as Legge 4/2004 asks), lists, tables, bold and italic. An office's
``verbale.odt``/``sintesi.odt`` in its templates folder gives the page, fonts, letterhead and styles:
its body is replaced by the content.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from odfdo import Cell, Document, Element, Header, List, ListItem, Paragraph, Row, Span, Style, Table

LANGUAGE = "it-IT"
_BOLD, _ITALIC = "verbali_bold", "verbali_italic"
_PARAGRAPH_STYLES = {"body": "Text_20_body", "quote": "Quotations", "cell": "Table_20_Contents"}


def markdown_to_odt(markdown: str, template: Path | None = None, *, title: str | None = None) -> bytes:
    """An ODT document holding ``markdown``'s content, in ``template``'s styles where one is given."""
    document = Document(str(template)) if template else Document("text")
    body = document.body
    body.clear()
    _add_styles(document)
    _Writer(body).write(MarkdownIt("commonmark").enable("table").parse(markdown))
    document.set_language(LANGUAGE)
    if title:
        document.meta.set_title(title)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_styles(document: Document) -> None:
    document.insert_style(Style("text", name=_BOLD, bold=True), automatic=True)
    document.insert_style(Style("text", name=_ITALIC, italic=True), automatic=True)
    for name in ("Quotations", "Table_20_Contents"):
        if document.get_style("paragraph", name) is None:
            style = Style("paragraph", name=name, display_name=name.replace("_20_", " "), parent_style="Standard")
            document.insert_style(style)


class _Writer:
    """Walks markdown-it's block tokens and appends the matching ODF elements to a container."""

    def __init__(self, container: Element) -> None:
        self.stack: list[Element] = [container]

    @property
    def container(self) -> Element:
        return self.stack[-1]

    def write(self, tokens: list[Token]) -> None:
        position = 0
        while position < len(tokens):
            position = self._block(tokens, position)

    def _block(self, tokens: list[Token], position: int) -> int:
        token = tokens[position]
        kind = token.type
        if kind == "heading_open":
            level = int(token.tag[1:])
            header = Header(level, style=f"Heading_20_{level}")
            _inline(header, tokens[position + 1])
            self.container.append(header)
            return position + 3
        if kind == "paragraph_open":
            style = _PARAGRAPH_STYLES["quote" if self._in_quote(tokens, position) else "body"]
            paragraph = Paragraph(style=style)
            _inline(paragraph, tokens[position + 1])
            self.container.append(paragraph)
            return position + 3
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._list(tokens, position)
        if kind == "table_open":
            return self._table(tokens, position)
        return position + 1  # blockquote/hr/close tokens: their content is handled above

    @staticmethod
    def _in_quote(tokens: list[Token], position: int) -> bool:
        depth = 0
        for token in tokens[:position]:
            depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        return depth > 0

    def _list(self, tokens: list[Token], position: int) -> int:
        closing = tokens[position].type.replace("_open", "_close")
        odf_list = List()
        self.container.append(odf_list)
        position += 1
        depth = 0
        while position < len(tokens):
            token = tokens[position]
            if token.type == closing and depth == 0:
                return position + 1
            if token.type == "list_item_open":
                item = ListItem()
                odf_list.append(item)
                self.stack.append(item)
                position += 1
                while tokens[position].type != "list_item_close" or tokens[position].level != token.level:
                    position = self._block(tokens, position)
                self.stack.pop()
            position += 1
        return position

    def _table(self, tokens: list[Token], position: int) -> int:
        rows: list[list[Token]] = []
        position += 1
        while tokens[position].type != "table_close":
            token = tokens[position]
            if token.type == "tr_open":
                rows.append([])
            elif token.type == "inline":
                rows[-1].append(token)
            position += 1
        width = max((len(r) for r in rows), default=0)
        table = Table(f"Tabella{len(self.container.get_elements('table:table')) + 1}", width=width, height=0)
        for cells in rows:
            row = Row()
            for inline in cells:
                cell = Cell()
                paragraph = Paragraph(style=_PARAGRAPH_STYLES["cell"])
                _inline(paragraph, inline)
                cell.append(paragraph)
                row.append(cell)
            table.append(row)
        self.container.append(table)
        return position + 1


def _inline(paragraph: Element, token: Token) -> None:
    """Text with bold and italic spans; links keep their visible text."""
    styles: list[str] = []
    for child in token.children or []:
        kind = child.type
        if kind in ("strong_open", "em_open"):
            styles.append(_BOLD if kind == "strong_open" else _ITALIC)
        elif kind in ("strong_close", "em_close"):
            if styles:
                styles.pop()
        elif kind in ("text", "code_inline"):
            _append_text(paragraph, child.content, styles[-1] if styles else None)
        elif kind in ("softbreak", "hardbreak"):
            _append_text(paragraph, " ", None)


def _append_text(paragraph: Element, text: str, style: str | None) -> None:
    if not text:
        return
    if style:
        paragraph.append(Span(text, style=style))
    else:
        paragraph.append(text)


def odt_text(data: bytes) -> dict[str, Any]:
    """Headings (level, text) and paragraphs of an ODT: what a test or a reviewer reads back."""
    document = Document(io.BytesIO(data))
    headings = [(int(h.get_attribute("text:outline-level") or 1), str(h)) for h in document.body.headers]
    return {"headings": headings, "paragraphs": [str(p) for p in document.body.paragraphs]}
