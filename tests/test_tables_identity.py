"""Who speaks for each table: names heard in hand-overs, self-introductions, display names and thanks."""

from __future__ import annotations

import pytest

from pipeline.ingest.programme import Programme, TablePlan
from pipeline.tables import Tables, TablesOptions, find_tables, person_of_label
from pipeline.tables.nlp import load_nlp
from pipeline.tables.sentences import Sentence
from pipeline.tables.signals import SignalReader
from tests.test_tables import transcript

FACILITATOR = "SPEAKER_00"
OPENING = [
    (FACILITATOR, "Buonasera a tutti, rientriamo in plenaria. Abbiamo lavorato in tre tavoli."),
    (FACILITATOR, "Sentiamo le restituzioni dei portavoce, cinque minuti ciascuno."),
]
REPORT = [
    "Sì, grazie. Allora, eravamo in otto tra operatori e volontari.",
    "Il problema principale è che i ragazzi dopo la scuola non hanno un posto dove stare.",
    "Poi i trasporti: dalle frazioni la sera i ragazzi non riescono a scendere in paese.",
    "C'è già l'oratorio che apre tre pomeriggi alla settimana con due educatori.",
    "Proponiamo di aprire uno spazio giovani anche il sabato sera con il comune.",
    "Ecco, io ho finito, grazie.",
]


def report(speaker: str, first: str | None = None) -> list[tuple[str, str]]:
    """The stock report, opened by ``first`` instead of its greeting when given."""
    return [(speaker, first or REPORT[0]), *((speaker, text) for text in REPORT[1:])]


def tables_of(turns: list[tuple[str, str]], programme: Programme | None = None) -> Tables:
    return find_tables(transcript(turns), programme=programme, options=TablesOptions())


def spokespersons(turns: list[tuple[str, str]], programme: Programme | None = None) -> list[str | None]:
    return [t.spokesperson.name for t in tables_of(turns, programme).tables]


def test_a_place_after_di_is_no_name_in_a_hand_over() -> None:
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo tre, il tempo libero. Francesco della parrocchia di San Benedetto, vai tu?"),
        *report("SPEAKER_05"),
    ]
    assert spokespersons(turns) == ["Francesco"]


def test_a_lower_case_self_introduction_of_a_name_known_from_zoom() -> None:
    """ "Amadou S." on Zoom: the unusual first name is heard in lower case, the surname completes it."""
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo tre, il tempo libero. Amadou, ti vedo, vai pure."),
        *report("Amadou S.", "si buonasera sono amadou sow faccio il mediatore con l'associazione ponti sul mare"),
    ]
    assert spokespersons(turns) == ["Amadou Sow"]


def test_a_name_the_hand_over_says_with_a_title_outside_the_calling_words() -> None:
    turns = [
        *OPENING,
        (FACILITATOR, "La salute. Per il tavolo tre parla la dottoressa Lucia Improta del distretto sanitario."),
        *report("DESKTOP-QK81TZ"),
    ]
    assert spokespersons(turns) == ["Lucia Improta"]


def test_the_name_thanked_in_a_hand_over_is_the_last_speaker() -> None:
    """ "Grazie Gavino, vai pure": Gavino just spoke; the table now called is Efisio's, who gives his surname."""
    turns = [
        *OPENING,
        (FACILITATOR, "Partiamo dal tavolo due, la parola a Gavino."),
        *report("SPEAKER_01", "Buonasera, sono Gavino Sechi della cooperativa Sa Domo."),
        (FACILITATOR, "Grazie Gavino, vai pure tranquillo. Allora, tavolo uno. Mi dicevano che parla Efisio."),
        *report("SPEAKER_02", "Sì, buonasera. Efisio Manca, dell'associazione Mesa Comune, volontario."),
    ]
    assert spokespersons(turns) == ["Gavino Sechi", "Efisio Manca"]


def test_the_second_voice_named_in_the_hand_over_is_not_the_spokesperson() -> None:
    turns = [
        *OPENING,
        (FACILITATOR, "Perfetto. Terzo tavolo, le famiglie. Annalisa, dell'associazione Fili d'Erba, e poi Pietro."),
        *report("DESKTOP-QP4M2N")[:-1],
        ("DESKTOP-QP4M2N", "Per il resto lascio a Pietro."),
        *report("Pietro Tognali - SerD", "Grazie Annalisa. Pietro Tognali, educatore al SerD di Breno."),
    ]
    assert spokespersons(turns)[0] == "Annalisa"


def test_a_spokesperson_named_only_by_the_thanks_after_the_report() -> None:
    """ "Grazie Gianluca." names him; "Grazie professoressa, Matilde dell'ATS ha una domanda." names nobody."""

    def thanked(thanks: str) -> list[str | None]:
        start = [*OPENING, (FACILITATOR, "Iniziamo dal tavolo uno, il carcere. A voi.")]
        return spokespersons([*start, *report("SPEAKER_02"), (FACILITATOR, thanks)])

    assert thanked("Grazie Gianluca. Ci sono domande?") == ["Gianluca"]
    assert thanked("Grazie professoressa, Matilde dell'ATS ha una domanda.") == [None]


def test_a_short_first_name_is_the_programme_s_full_one() -> None:
    """ "Galaxy di Nino" and "Nino, ci sei?" for the programme's Antonino Currò."""
    programme = Programme(tables=(TablePlan(1, "anziani", "Rosa Spada"), TablePlan(3, "villaggi", "Antonino Currò")))
    turns = [*OPENING, (FACILITATOR, "Adesso il tavolo tre, i villaggi. Nino, ci sei?"), *report("Galaxy di Nino")]
    assert spokespersons(turns, programme) == ["Antonino Currò"]


def test_a_display_name_squeezed_by_the_track_file_keeps_the_person_apart() -> None:
    """Zoom's track file gives back "Elisa Cardinali - AST Ancona" as "Elisa Cardinali-AST Ancona"."""
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo tre, il tempo libero. A voi."),
        *report("Elisa Cardinali-AST Ancona"),
    ]
    assert [(t.spokesperson.name, t.spokesperson.organisation) for t in tables_of(turns).tables] == [
        ("Elisa Cardinali", "AST Ancona")
    ]


def introduced(text: str) -> str | None:
    """The name a sentence introduces its speaker by, read with the packaged pipeline."""
    nlp = load_nlp(TablesOptions().nlp_settings())
    return SignalReader(nlp).read(Sentence(0, 0, "x", nlp.nlp(text)[:], 0.0, 1.0)).intro_name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("sono gerardo insegno all'istituto comprensivo di pietrelcina", "Gerardo"),
        ("buonasera a tutti sono la giulia del centro anziani", "Giulia"),
        (
            "Buonasera, sono la coordinatrice della cooperativa La Rondine, Silvia Ferrari, e riporto io.",
            "Silvia Ferrari",
        ),
        ("allora io sono la dottoressa bianchi del consultorio", "Bianchi"),
        ("sì grazie fabrizio claudia pitoni sono assistente sociale a cittaducale", "Claudia Pitoni"),
        ("buonasera giulia bianchi cooperativa il ponte tavolo tre", "Giulia Bianchi"),
        ("Buonasera a tutti, sono Bianchi, Giulia Bianchi, della Caritas.", "Giulia Bianchi"),
        ("sì sono io buonasera rita di loreto della cooperativa la maiella", "Rita Di Loreto"),
        ("grazie buongiorno cosimo dell'aquila cooperativa il delfino", "Cosimo Dell'Aquila"),
        ("parto io grazie buonasera teresa cerra sono psicologa al consultorio", "Teresa Cerra"),
    ],
)
def test_self_introductions_in_lower_case_or_after_the_role(text: str, name: str) -> None:
    assert introduced(text) == name


def test_the_facilitator_introducing_herself_in_the_hand_over_is_not_called() -> None:
    turns = [
        (FACILITATOR, "Bentornati in plenaria. Per chi arriva adesso, sono Tiziana Vitali dell'Ufficio di Piano."),
        (FACILITATOR, "Partiamo dalla stanza uno, la scuola. A voi."),
        *report("SPEAKER_01"),
    ]
    assert spokespersons(turns) == [None]


def test_a_call_by_first_name_and_association_names_the_person_not_the_association() -> None:
    turns = [
        *OPENING,
        (FACILITATOR, "E per ultimo il gruppo sui lavoratori stranieri. Karim, dell'associazione Approdi."),
        *report("DESKTOP-OLB4T2"),
    ]
    assert spokespersons(turns) == ["Karim"]


def test_the_first_voice_s_full_name_wins_over_the_device_owner_s() -> None:
    """On her son's tablet: "sono io, Lorenzo è mio figlio ... Giovanna Zoli, insegno lettere"."""
    first = "Sì, sono io, Lorenzo è mio figlio, scusate il nome. Giovanna Zoli, insegno lettere alle medie."
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo tre, il tempo libero. A voi."),
        *report("iPad di Lorenzo", first),
    ]
    assert spokespersons(turns) == ["Giovanna Zoli"]


def test_a_call_by_first_name_and_town_is_still_a_call_and_names_the_person() -> None:
    turns = [*OPENING, (FACILITATOR, "Il tavolo due, il lavoro. Lorella, da Vitorchiano."), *report("SPEAKER_02")]
    assert spokespersons(turns) == ["Lorella"]


def test_an_office_s_account_glued_by_an_older_track_parser_is_no_person() -> None:
    """Audio-in transcripts made before the fix carry "Ufficiodi Piano Lodi" as a speaker label."""
    assert person_of_label("Ufficiodi Piano Lodi") is None
    assert person_of_label("Salvatore Mura") == "Salvatore Mura"


@pytest.mark.parametrize(
    ("label", "person"),
    [
        ("Dott.ssa Rita Campisi", "Rita Campisi"),  # a title is no part of the name
        ("Sindaco Cevo", None),  # an office-holder's account: a town follows, not a surname
        ("Unione Montana-Perosa", None),  # a body's account
        ("Centro Impiego Pinerolo", None),
        ("CISS Pinerolo-Sala Riunioni", None),  # a body's acronym first
        ("Ass.Servizi Sociali Caltagirone", None),
        ("Partecipante", None),
        ("Paola Ferrari-Ser DP", "Paola Ferrari"),  # a track file's hyphen before a body of two words
        ("Maria Rossi-Bianchi", "Maria Rossi-Bianchi"),  # a double surname stays whole
        ("MARIO ROSSI", "MARIO ROSSI"),
    ],
)
def test_display_names_of_bodies_offices_and_titled_people(label: str, person: str | None) -> None:
    assert person_of_label(label) == person


def test_a_titled_display_name_gives_the_name_without_the_title() -> None:
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo due, la salute."),
        *report("Dott.ssa Rita Campisi", "Sì, buonasera, Rita Campisi del consultorio familiare."),
    ]
    assert spokespersons(turns) == ["Rita Campisi"]


def test_two_capitalised_words_set_off_by_commas_are_a_place_not_a_name() -> None:
    text = (
        "sì grazie, sono in palestra, scusate il rumore. il nostro tavolo era sulla povertà educativa, e qui a "
        "Termoli i ragazzi sono concentrati in certi quartieri, il rione sud, Difesa Grande, e nei paesi."
    )
    assert introduced(text) is None


def test_a_capitalised_word_after_a_plural_article_is_no_name_in_a_hand_over() -> None:
    """ "prima le Valli": the valleys' table, not a person called Valli."""
    turns = [
        *OPENING,
        (FACILITATOR, "Il tavolo quattro arriva dopo. Adesso il tavolo tre, prima le Valli."),
        *report("SPEAKER_03"),
    ]
    assert spokespersons(turns) == [None]


def test_a_device_owner_s_first_name_and_the_programme_s_full_name_are_one_person() -> None:
    """ "Galaxy A52 di Teresa" and the programme's "Teresa Manco", called as the wrong table: still Teresa Manco."""
    programme = Programme(tables=(TablePlan(3, "anziani", "Rosa Spada"), TablePlan(4, "caregiver", "Teresa Manco")))
    turns = [
        *OPENING,
        (FACILITATOR, "Adesso il tavolo tre, i caregiver. Teresa, tocca a te."),
        *report("Galaxy A52 di Teresa"),
    ]
    assert spokespersons(turns, programme) == ["Teresa Manco"]
