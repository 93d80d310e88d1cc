"""Build the Word templates pipeline/documents/templates/verbale.docx and sintesi.docx with python-docx.

    python scripts/make_docx_templates.py            # rewrite both
    python scripts/make_docx_templates.py --check    # exit 1 if the committed ones differ

The templates hold docxtpl fields ({{ tema }}, {%p for tavolo in tavoli %} ...), the same
fields as the Markdown and HTML templates (docs/documents.md). An office restyles a copy
in Word (letterhead in the header, fonts, colours) and puts it in its templates folder;
this script is only how the packaged ones are made, reproducibly (same bytes every run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.documents import PACKAGED_TEMPLATES, stable_zip  # noqa: E402

BLUE = RGBColor(0x0B, 0x4F, 0x8A)
RED = RGBColor(0xB3, 0x26, 0x1E)
GREY = RGBColor(0x5B, 0x67, 0x70)
FONT = "Arial"  # LibreOffice shows it as Liberation Sans, with the same metrics
FIXED_DATE = dt.datetime(2021, 1, 1)
THRESHOLD = "{{ '%g' | format(soglia_somiglianza) }}"
LETTERHEAD = "{% if ente %}{{ ente }}{% if distretto %} – {{ distretto }}{% endif %}"  # the if is closed by the caller


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    color: RGBColor | None = None
    highlight: bool = False
    size: float | None = None  # points


def text(value: str | Run) -> Run:
    return value if isinstance(value, Run) else Run(value)


DOUBT = Run("{% if frase.dubbia %} [da verificare]{% endif %}", bold=True, highlight=True)


# --------------------------------------------------------------------------- document and styles


def new_document(title_field: str) -> DocumentObject:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.3)
    set_styles(document)
    properties = document.core_properties
    properties.title = title_field
    properties.author = properties.last_modified_by = "verbali"
    properties.language = "it-IT"
    properties.created = properties.modified = FIXED_DATE
    properties.revision = 1
    return document


def set_styles(document: DocumentObject) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10.5)
    normal.paragraph_format.space_after = Pt(5)
    normal.paragraph_format.line_spacing = 1.12
    set_language(normal.element, "it-IT")
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 10.5)):
        style = styles[name]
        style.font.name, style.font.size, style.font.color.rgb = FONT, Pt(size), BLUE
        style.font.bold = True
        style.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 9)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
        clear_theme_fonts(style.element)
    styles["Title"].paragraph_format.space_before = Pt(6)
    styles["Heading 3"].font.color.rgb = GREY
    for name in ("List Bullet", "List Bullet 2", "List Number"):
        styles[name].font.name = FONT
        styles[name].paragraph_format.space_after = Pt(3)


def clear_theme_fonts(style_element: OxmlElement) -> None:
    """Heading styles name the theme's fonts, which win over a plain font name: drop them."""
    fonts = style_element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
    if fonts is not None:
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)


def set_language(style_element: OxmlElement, language: str) -> None:
    properties = style_element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), language)
    properties.append(lang)


def header_and_footer(document: DocumentObject, header_field: str) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    add_runs(header, [Run(header_field, bold=True, color=BLUE)])
    border(header, "bottom", "0B4F8A")
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_runs(footer, [Run("{{ bozza }} – pagina ", color=RED)])
    page_number(footer)


def page_number(paragraph: Paragraph) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    value = OxmlElement("w:t")
    value.text = "1"
    run.append(value)
    field.append(run)
    paragraph._p.append(field)


def border(paragraph: Paragraph, side: str, color: str, size: int = 8) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "4"), ("w:color", color)):
        edge.set(qn(key), value)
    borders.append(edge)


# --------------------------------------------------------------------------- paragraphs


def add_runs(paragraph: Paragraph, runs: Iterable[str | Run]) -> Paragraph:
    for item in map(text, runs):
        run = paragraph.add_run(item.text)
        run.bold, run.italic = item.bold or None, item.italic or None
        if item.color is not None:
            run.font.color.rgb = item.color
        if item.highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if item.size is not None:
            run.font.size = Pt(item.size)
    return paragraph


def para(document: DocumentObject, *runs: str | Run, style: str | None = None) -> Paragraph:
    return add_runs(document.add_paragraph(style=style), runs)


def tag(document: DocumentObject, statement: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag: ``{%p for ... %}``; it vanishes in the output."""
    document.add_paragraph(f"{{%p {statement} %}}")


def heading(document: DocumentObject, title: str, level: int) -> None:
    document.add_heading(title, level=level)


def note(document: DocumentObject, value: str) -> None:
    para(document, Run(value, italic=True, color=GREY))


def draft_banner(document: DocumentObject) -> None:
    banner = para(document, Run("{{ bozza }}", bold=True, color=RED))
    banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for side in ("top", "left", "bottom", "right"):
        border(banner, side, "B3261E", size=18)
    tag(document, "if parti_dubbie")
    note(
        document,
        "Le parti segnate [da verificare] sono state attribuite automaticamente con bassa affidabilità: "
        "vanno controllate sulla registrazione.",
    )
    tag(document, "endif")


def bullets(document: DocumentObject, loop: str, *runs: str | Run, style: str = "List Bullet") -> None:
    tag(document, f"for {loop}")
    para(document, *runs, style=style)
    tag(document, "endfor")


def key_value_table(document: DocumentObject, rows: list[tuple[str, str]]) -> Table:
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in rows:
        cells = table.add_row().cells
        add_runs(cells[0].paragraphs[0], [Run(label, bold=True)])
        add_runs(cells[1].paragraphs[0], [value])
        shade(cells[0], "EEF3F8")
    set_widths(table, [3.5, 12.9])
    return table


def set_widths(table: Table, widths: list[float]) -> None:
    """Fixed column widths (Word reads the cells', LibreOffice the grid's)."""
    table.autofit = False
    for index, width in enumerate(widths):
        table.columns[index].width = Cm(width)
        for cell in table.columns[index].cells:
            cell.width = Cm(width)


def loop_table(
    document: DocumentObject, headers: list[str], loop: str, cells: list[str], widths: list[float], size: float = 10
) -> None:
    """A table with a header row and one row per item (docxtpl ``{%tr for %}`` rows)."""
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for index, title in enumerate(headers):
        add_runs(table.rows[0].cells[index].paragraphs[0], [Run(title, bold=True, size=size)])
        shade(table.rows[0].cells[index], "EEF3F8")
    table.rows[1].cells[0].paragraphs[0].text = f"{{%tr for {loop} %}}"
    for index, value in enumerate(cells):
        add_runs(table.rows[2].cells[index].paragraphs[0], [Run(value, size=size)])
    table.rows[3].cells[0].paragraphs[0].text = "{%tr endfor %}"
    repeat_header(table)
    set_widths(table, widths)


def shade(cell: _Cell, color: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    fill = OxmlElement("w:shd")
    fill.set(qn("w:val"), "clear")
    fill.set(qn("w:color"), "auto")
    fill.set(qn("w:fill"), color)
    properties.append(fill)


def repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


# --------------------------------------------------------------------------- verbale


def build_verbale() -> DocumentObject:
    document = new_document("{{ titolo }}")
    header_and_footer(document, LETTERHEAD + "{% else %}{{ titolo }}{% endif %}")
    draft_banner(document)
    verbale_heading(document)
    verbale_opening(document)
    verbale_tables(document)
    verbale_discussion(document)
    verbale_appendix(document)
    return document


def verbale_heading(document: DocumentObject) -> None:
    document.add_heading("{{ titolo }}", level=0)
    para(document, Run("{{ tema }}", bold=True))
    tag(document, "if processo")
    para(document, "Percorso di coprogrammazione: ", Run("{{ processo }}", bold=True))
    tag(document, "endif")
    key_value_table(
        document,
        [
            ("Data", "{% if data %}{{ giorno_settimana }} {{ data }}{% else %}non indicata{% endif %}"),
            (
                "Orario",
                "{% if ora_inizio %}dalle ore {{ ora_inizio }} alle ore {{ ora_fine }}{% else %}non indicato{% endif %}"
                " (durata della registrazione: {{ durata }})",
            ),
            ("Modalità", "{{ modalita }}"),
            ("Riunione Zoom", "{% if id_riunione %}{{ id_riunione }} – {% endif %}«{{ argomento_zoom }}»"),
        ],
    )


def verbale_opening(document: DocumentObject) -> None:
    heading(document, "Premessa", 1)
    para(document, "{{ premessa }}")
    heading(document, "Partecipanti", 1)
    para(
        document,
        "{% if partecipanti %}Persone presenti o intervenute (dai nomi Zoom e dalla registrazione): "
        '{{ partecipanti | join(", ") }}.{% else %}Nessun partecipante individuato automaticamente.{% endif %}',
    )
    tag(document, "if organizzazioni")
    para(document, 'Enti e organizzazioni menzionati: {{ organizzazioni | join(", ") }}.')
    tag(document, "endif")
    note(document, "Elenco ricavato automaticamente dalla registrazione: da completare con il registro delle presenze.")
    heading(document, "Ordine del giorno", 1)
    tag(document, "for punto in ordine_del_giorno")
    para(document, "{{ punto.titolo }}", style="List Number")
    bullets(document, "voce in punto.voci", "{{ voce }}", style="List Bullet 2")
    tag(document, "endfor")
    heading(document, "1. Introduzione", 1)
    missing = "Nessuna introduzione individuata nella registrazione."
    contributions(document, "introduzione", "introduzione.interventi", missing)


def contributions(document: DocumentObject, condition: str, items: str, missing: str) -> None:
    tag(document, f"if {condition}")
    tag(document, f"for intervento in {items}")
    para(
        document,
        Run("{{ intervento.oratore }}", bold=True),
        " [{{ intervento.tempo.ora }}]",
        Run("{% if intervento.tavolo %} (sul Tavolo {{ intervento.tavolo }}){% endif %}", color=GREY),
        ": {{ intervento.testo }}",
    )
    tag(document, "endfor")
    tag(document, "else")
    para(document, missing)
    tag(document, "endif")


def verbale_tables(document: DocumentObject) -> None:
    heading(document, "2. Restituzione dei tavoli di lavoro", 1)
    tag(document, "if avviso_tavoli")
    para(document, Run("{{ avviso_tavoli }}", bold=True, color=RED))
    tag(document, "endif")
    tag(document, "for tavolo in tavoli")
    document.add_heading("{{ tavolo.titolo }}", level=2).add_run(
        "{% if tavolo.dubbio %} [da verificare]{% endif %}"
    ).font.highlight_color = WD_COLOR_INDEX.YELLOW
    para(
        document,
        "Portavoce: ",
        Run("{{ tavolo.portavoce_testo }}", bold=True),
        " – resoconto dalle [{{ tavolo.inizio.ora }}] alle [{{ tavolo.fine.ora }}]",
    )
    bullets(document, "nota in tavolo.note", Run("{{ nota }}", italic=True, highlight=True))
    tag(document, "for domanda in tavolo.domande")
    heading(document, "{{ domanda.titolo }}", 3)
    bullets(document, "frase in domanda.sintesi", "{{ frase.testo }} [{{ frase.tempo.ora }}]", DOUBT)
    tag(document, "if not domanda.sintesi")
    note(document, "Nessun elemento riferito a questa domanda guida.")
    tag(document, "endif")
    tag(document, "endfor")
    tag(document, "endfor")
    tag(document, "if tavoli_non_presentati")
    para(document, "Tavoli senza resoconto:")
    bullets(document, "voce in tavoli_non_presentati", "{{ voce }}")
    tag(document, "endif")
    tag(document, "if tavoli")
    note(
        document,
        "Sintesi estrattiva: frasi pronunciate dai portavoce, ripulite da intercalari ed esitazioni; "
        "il testo integrale è in allegato.",
    )
    tag(document, "endif")


def verbale_discussion(document: DocumentObject) -> None:
    heading(document, "3. Domande e interventi", 1)
    contributions(document, "discussione", "discussione", "Nessun intervento individuato.")
    heading(document, "4. Chiusura dei lavori", 1)
    contributions(document, "chiusura", "chiusura.interventi", "Nessuna chiusura individuata nella registrazione.")
    tag(document, "if parti_dubbie")
    heading(document, "Parti da verificare", 1)
    bullets(document, "voce in parti_dubbie", "{{ voce }}")
    tag(document, "endif")
    tag(document, "if avvisi")
    heading(document, "Avvertenze", 1)
    bullets(document, "voce in avvisi", "{{ voce }}")
    tag(document, "endif")


def verbale_appendix(document: DocumentObject) -> None:
    heading(document, "Allegato – Testo integrale dei resoconti", 1)
    para(document, "Trascrizione completa della sessione: {{ trascrizione }}; registrazione: {{ audio }}.")
    tag(document, "for tavolo in tavoli")
    heading(document, "{{ tavolo.titolo }}", 2)
    tag(document, "for domanda in tavolo.domande")
    tag(document, "if domanda.testo_integrale")
    heading(document, "{{ domanda.titolo }}", 3)
    bullets(document, "frase in domanda.testo_integrale", "[{{ frase.tempo.ora }}] {{ frase.testo }}", DOUBT)
    tag(document, "endif")
    tag(document, "endfor")
    tag(document, "if tavolo.altro")
    heading(document, "Altri passaggi del resoconto (saluti, presentazione, chiusura)", 3)
    bullets(document, "frase in tavolo.altro", "[{{ frase.tempo.ora }}] {{ frase.testo }}")
    tag(document, "endif")
    tag(document, "endfor")
    tag(document, "if note_tecniche")
    heading(document, "Note tecniche dell'elaborazione", 2)
    bullets(document, "voce in note_tecniche", "{{ voce }}")
    tag(document, "endif")


# --------------------------------------------------------------------------- sintesi


def build_sintesi() -> DocumentObject:
    document = new_document("{{ titolo }}")
    header_and_footer(document, LETTERHEAD + "{% endif %}")
    draft_banner(document)
    document.add_heading("{{ titolo }}", level=0)
    para(document, "Percorso: ", Run("{{ processo }}", bold=True))
    para(document, "{% if periodo %}Sessioni svolte {{ periodo }}.{% endif %}")
    sintesi_sessions(document)
    sintesi_recurring(document)
    sintesi_by_table(document)
    sintesi_proposals(document)
    sintesi_traceability(document)
    return document


def sintesi_sessions(document: DocumentObject) -> None:
    heading(document, "1. Sessioni considerate", 1)
    loop_table(
        document,
        ["Sessione", "Tema", "Tavoli"],
        "sessione in sessioni",
        ["{{ sessione.etichetta }}", "{{ sessione.tema }}", "{{ sessione.tavoli }}"],
        [6.5, 8, 2],
    )
    bullets(document, "voce in avvisi", Run("{{ voce }}", italic=True))


def sintesi_recurring(document: DocumentObject) -> None:
    heading(document, "2. Punti ricorrenti", 1)
    note(
        document,
        "Punti espressi da più tavoli, anche in sessioni diverse, riuniti per somiglianza del contenuto "
        f"(soglia {THRESHOLD}): il numero indica quanti tavoli li hanno espressi.",
    )
    tag(document, "for punto in punti_ricorrenti")
    para(
        document,
        Run("[{{ punto.codice }}] {{ punto.titolo_domanda }}: ", bold=True),
        "{{ punto.testo }} ",
        Run("– ricorre in {{ punto.ricorrenze }} tavoli, {{ punto.sessioni }} sessioni", bold=True, color=BLUE),
        style="List Bullet",
    )
    bullets(
        document,
        "rif in punto.riferimenti",
        "{{ rif.testo }} [{{ rif.tempo.ora }}] (voce {{ rif.voce }})",
        style="List Bullet 2",
    )
    tag(document, "else")
    para(document, "Nessun punto è stato espresso da più di un tavolo.")
    tag(document, "endfor")


def sintesi_by_table(document: DocumentObject) -> None:
    heading(document, "3. Sintesi per tema e per tavolo", 1)
    tag(document, "for tema in temi")
    heading(document, "{{ tema.tema }}", 2)
    tag(document, "for tavolo in tema.tavoli")
    heading(document, "{{ tavolo.titolo }} – {{ tavolo.sessione }}", 3)
    doubt = Run("{% if tavolo.dubbio %} [da verificare]{% endif %}", highlight=True)
    para(document, "Portavoce: {{ tavolo.portavoce }}", doubt)
    tag(document, "for domanda in tavolo.domande")
    para(document, Run("{{ domanda.titolo }}", bold=True, color=BLUE))
    tag(document, "for punto in domanda.punti")
    para(
        document,
        "{{ punto.testo }} [{{ punto.codice }}]",
        Run("{% if punto.ricorrenze > 1 %} – ricorre in {{ punto.ricorrenze }} tavoli{% endif %}", bold=True),
        Run("{% if punto.dubbia %} [da verificare]{% endif %}", highlight=True),
        style="List Bullet",
    )
    tag(document, "else")
    note(document, "Nessun elemento.")
    tag(document, "endfor")
    tag(document, "endfor")
    tag(document, "endfor")
    tag(document, "endfor")


def sintesi_proposals(document: DocumentObject) -> None:
    heading(document, "4. Elenco delle proposte", 1)
    tag(document, "for punto in proposte")
    para(
        document,
        Run("[{{ punto.codice }}] ", bold=True),
        "{{ punto.testo }}",
        Run(" ({{ punto.riferimenti | map(attribute='testo') | join('; ') }})", color=GREY),
        style="List Number",
    )
    tag(document, "else")
    para(document, "Nessuna proposta individuata.")
    tag(document, "endfor")


def sintesi_traceability(document: DocumentObject) -> None:
    heading(document, "5. Tabella di tracciabilità", 1)
    note(
        document,
        "Ogni voce rimanda alla sessione, al tavolo, al portavoce e al punto della registrazione in cui è stata detta.",
    )
    loop_table(
        document,
        ["N.", "Punto", "Voce", "Sessione, tavolo, portavoce", "Tempo"],
        "voce in voci",
        [
            "{{ voce.numero }}",
            "{{ voce.codice }}",
            "{{ voce.testo }}{% if voce.dubbia %} [da verificare]{% endif %}",
            "{{ voce.sessione }}; {{ voce.tavolo }}; {{ voce.portavoce }}",
            "{{ voce.tempo.ora }}",
        ],
        [0.9, 1.5, 7.0, 5.0, 2.0],
        size=8.5,
    )
    heading(document, "Metodo", 2)
    note(
        document,
        "Voci: le frasi dei resoconti dei tavoli attribuite a una delle quattro domande guida, ripulite da "
        "intercalari ed esitazioni. Punti: voci della stessa domanda guida con le stesse parole di contenuto "
        f"(somiglianza rapidfuzz token_set_ratio ≥ {THRESHOLD}). Il testo di un punto è la voce "
        "più simile alle altre; le altre formulazioni restano nella tabella di tracciabilità.",
    )


# --------------------------------------------------------------------------- main


def render(document: DocumentObject) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return stable_zip(buffer.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed template is out of date")
    arguments = parser.parse_args()
    stale = []
    for name, build in (("verbale.docx", build_verbale), ("sintesi.docx", build_sintesi)):
        target = PACKAGED_TEMPLATES / name
        data = render(build())
        if arguments.check:
            if not target.is_file() or target.read_bytes() != data:
                stale.append(name)
        else:
            target.write_bytes(data)
            print(f"wrote {target.relative_to(ROOT)} ({len(data)} bytes)")
    if stale:
        print(f"out of date: {', '.join(stale)} (run scripts/make_docx_templates.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
