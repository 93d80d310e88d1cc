"""Where reports start and end, whose voices they take in, and which table they are (pipeline/tables/reports.py,
turns.py, assembly.py): one behaviour per test, on short plenaries written here."""

from __future__ import annotations

from pipeline.tables import TableReport, TablesOptions, find_tables
from tests.test_tables import transcript

BLANK = TablesOptions(spacy_model="blank")
FACILITATOR = "SPEAKER_00"

FIRST_REPORT = [
    "Grazie. Sono Giulia Bianchi della Cooperativa sociale Il Ponte, portavoce del tavolo uno.",
    "Per quanto riguarda le criticità, mancano spazi per i ragazzi e c'è un forte isolamento delle famiglie.",
    "Le risorse: c'è già lo sportello del Comune di Voghera e funziona bene il doposcuola della parrocchia.",
    "Come proposte, bisognerebbe creare un centro di aggregazione e potenziare l'educativa di strada.",
    "Infine sulla rete, serve un coordinamento stabile tra scuole e servizi, un tavolo permanente.",
]
# A report with no self-introduction and no table named: only the hand-over before it says whose it is.
HOUSING = [
    "Noi eravamo otto, c'erano due ragazzi che sono stati ospiti del dormitorio e hanno parlato tanto.",
    "Il problema più grande è che le case popolari hanno una graduatoria di anni e gli sfratti aumentano.",
    "Esiste un'agenzia per la casa del Comune e c'è un'esperienza di housing sociale che funziona bene.",
    "Proponiamo un fondo di garanzia per i proprietari e bisognerebbe recuperare gli alloggi sfitti.",
    "E la rete: i servizi sociali, il sindacato inquilini e le cooperative devono parlarsi prima degli sfratti.",
]

# A report told plainly: no heading named, few of their cues.
PLAIN_REPORT = [
    "Allora, partirei da quello che abbiamo costruito in questi anni: ci sono tre gruppi appartamento, i ragazzi ci"
    " passano prima i weekend e poi, piano piano, ci vanno a vivere, e le famiglie hanno visto che si può fare.",
    "Però i posti sono dodici in tutto, e le richieste sono più di quaranta, e non possiamo dire a una famiglia tuo"
    " figlio tra cinque anni avrà un posto, perché non lo sappiamo.",
    "E le famiglie hanno paura, perché il figlio nel gruppo appartamento va bene finché i genitori ci sono, e"
    " nessuno gli garantisce cosa succede dopo, e allora molti non cominciano neanche.",
]


def tables_of(turns: list[tuple[str, str]]) -> list[TableReport]:
    return find_tables(transcript(turns), options=BLANK).tables


def first_table(speaker: str = "SPEAKER_01") -> list[tuple[str, str]]:
    return [
        (FACILITATOR, "Buonasera, sono Anna dell'Ufficio di Piano. Passiamo al primo tavolo, do la parola a Giulia."),
        *((speaker, text) for text in FIRST_REPORT),
    ]


def spans(tables: list[TableReport], turns: list[tuple[str, str]]) -> list[list[int]]:
    """Which utterances (by index) each table's report covers."""
    segments = transcript(turns).segments
    return [[i for i, s in enumerate(segments) if t.start <= (s.start + s.end) / 2 <= t.end] for t in tables]


def test_a_report_may_open_by_greeting_the_room() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Passiamo alla casa. Valentina, vai."),
        ("SPEAKER_02", "Sì, buonasera a tutti. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [7, 8, 9, 10, 11]


def test_a_presenter_who_leads_hands_over_at_the_end_of_the_report_not_at_a_place_inside_it() -> None:
    leader = "SPEAKER_01"
    turns = [
        (FACILITATOR, "Eccoci, vedo che rientrate tutti."),
        (leader, "Marco? Marco ci senti?"),
        (FACILITATOR, "Gli è saltata la corrente, dice di andare avanti senza di lui."),
        (leader, "Allora andiamo in ordine. Comincio io che sono il tavolo uno, va bene?"),
        (leader, "Allora, io sono Silvia Brunori, psicologa della cooperativa Il Cerchio Aperto."),
        *((leader, text) for text in FIRST_REPORT[1:3]),
        (
            leader,
            "E a Corciano c'è un'esperienza che ci è piaciuta molto, un educatore che aggancia i ragazzi online,"
            " e da lì qualcuno, piano piano, è tornato a uscire.",
        ),
        *((leader, text) for text in FIRST_REPORT[3:]),
        (leader, "Ecco, io avrei finito."),
        (leader, "Passo al tavolo due, Luca."),
        ("SPEAKER_02", "Sì, grazie Silvia. Buonasera, Luca Tiberi, dell'Informagiovani del comune."),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert [t.table_number for t in tables] == [1, 2]
    assert [t.spokesperson.name for t in tables] == ["Silvia Brunori", "Luca Tiberi"]
    assert spans(tables, turns)[0] == list(range(4, 11))  # the proposals after Corciano are hers too


def test_a_report_starts_after_the_presenters_words_about_the_line() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il tavolo due, la casa. Marco, ci sei?"),
        ("SPEAKER_02", "Mi sentite? Aspettate che tolgo il muto, il computer si è bloccato."),
        (FACILITATOR, "Sì, ti sentiamo, vai pure."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert [t.table_number for t in tables] == [1, 2]
    assert spans(tables, turns)[1] == [9, 10, 11, 12, 13]


def test_a_report_resumes_after_a_question_in_the_middle() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il tavolo due, la casa. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        ("SPEAKER_02", HOUSING[1]),
        ("SPEAKER_03", "Scusa Marco se ti interrompo, ma la graduatoria è del comune o dell'ALER?"),
        ("SPEAKER_02", "Dell'ALER, ma il comune fa la raccolta delle domande."),
        ("SPEAKER_03", "Ok, grazie, scusa, vai pure avanti."),
        *(("SPEAKER_02", text) for text in HOUSING[2:]),
    ]
    tables = tables_of(turns)
    assert [t.table_number for t in tables] == [1, 2]
    assert spans(tables, turns)[1] == list(range(7, 15))
    assert any("resumed" in e for e in tables[1].evidence)


def test_a_colleague_the_presenter_hands_over_to_continues_the_report_whatever_the_words() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il tavolo due, la casa. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:3]),
        ("SPEAKER_02", "Passo a Ornella."),
        ("SPEAKER_03", "Sì, grazie, buonasera, Ornella Queirolo dell'associazione Amici del Campanile."),
        ("SPEAKER_03", "La famiglia sotto sfratto non chiede aiuto perché si vergogna, e arriva quando è tardi."),
        *(("SPEAKER_03", text) for text in HOUSING[3:]),
    ]
    tables = tables_of(turns)
    assert [t.table_number for t in tables] == [1, 2]
    assert spans(tables, turns)[1] == list(range(7, 15))


# A comment from the floor that reads like a report: a problem, a resource, a proposal, a network.
COMMENT = [
    "Sì, buonasera, grazie. Io sono una figlia, mia madre ha la demenza da quattro anni, e la criticità che vivo"
    " è che non so mai a chi rivolgermi, ogni volta è un ufficio diverso e nessuno mi richiama.",
    "E quando si parla di risorse e di rete, io da figlia vorrei una proposta semplice: qualcuno che mi chiami"
    " lui, una volta, per dirmi quello che c'è, perché il caffè Alzheimer l'ho scoperto per caso da una vicina.",
]


def test_a_question_from_the_floor_before_the_next_table_is_no_report() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Prima dell'ultimo gruppo c'è una domanda, la signora Penna. Prego."),
        *(("Marisa Penna", text) for text in COMMENT),
        (FACILITATOR, "Grazie signora, lo segniamo. Ultimo gruppo, la casa. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    assert [t.spokesperson.name for t in tables_of(turns)] == ["Giulia Bianchi", "Marco Neri"]


def test_a_question_asked_in_a_tables_name_after_a_raised_hand_is_no_report() -> None:
    question = (
        "Sì, una domanda veloce a Giulia, perché al nostro tavolo sul lavoro questa cosa è uscita: un ragazzo che ha"
        " aperto un'attività e va in crisi, con l'ansia e i debiti, a chi si rivolge? Lo sportello arriva fino a che"
        " età? Perché le risorse ci sono ma nessuno le conosce, e la rete tra servizi e associazioni non funziona."
    )
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. C'è la mano alzata di Martina, prego."),
        ("Galaxy di Martina", question),
        ("SPEAKER_01", "Fino a ventiquattro anni, poi si passa al centro di salute mentale."),
        (FACILITATOR, "Bene, abbiamo finito. Grazie a tutti e buona serata."),
    ]
    assert [t.spokesperson.name for t in tables_of(turns)] == ["Giulia Bianchi"]


def test_who_speaks_asked_alone_hands_the_floor_over() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie. Passiamo alle strutture, alle case di riposo, ci siamo? Chi parla?"),
        ("DESKTOP-AT4K9M", "Buonasera a tutti. " + HOUSING[0]),
        *(("DESKTOP-AT4K9M", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [7, 8, 9, 10, 11]


def test_naming_who_speaks_next_hands_the_floor_over() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Giustissimo, segnato. Adesso l'abitare e il dopo di noi."),
        (FACILITATOR, "Ornella, so che parli tu e poi Marco del comune."),
        (
            "SPEAKER_02",
            "Sì, buonasera, sono Ornella Bertaina della cooperativa Il Ciliegio, gestiamo due gruppi appartamento.",
        ),
        *(("SPEAKER_02", text) for text in PLAIN_REPORT),
    ]
    tables = tables_of(turns)
    assert [t.spokesperson.name for t in tables] == ["Giulia Bianchi", "Ornella Bertaina"]


def test_naming_the_owner_of_the_next_device_hands_the_floor_over() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso la casa e i ghetti, diciamo gli insediamenti informali."),
        (FACILITATOR, "Mamadou, ti vedo, vuoi parlare tu?"),
        *(("Galaxy di Mamadou", text) for text in HOUSING),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [8, 9, 10, 11, 12]


def test_a_table_called_by_its_bare_number() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Allora, cambio, facciamo prima il tre, la casa, perché Marco ha un impegno."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
        (FACILITATOR, "Grazie Marco. Ci rivediamo il dodici dicembre, buona serata a tutti."),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 3]


def test_a_presenter_who_thanks_the_last_voice_and_calls_the_next_ends_the_report() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il gruppo delle famiglie. Claudia, tocca a te. Vai pure."),
        ("SPEAKER_02", "Sì, grazie. Claudia Pitoni, assistente sociale a Cittaducale. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:3]),
        ("SPEAKER_02", "Ma la parte delle proposte la dice Enzo, che è un papà. Enzo, tocca a te."),
        ("SPEAKER_03", "Grazie, buonasera. Sono Enzo Sebastiani, il papà di Antonio. " + HOUSING[3]),
        ("SPEAKER_03", HOUSING[4]),
        ("SPEAKER_02", "Grazie Enzo. Chi manca? Ilaria, quella della salute, ci sei?"),
        ("SPEAKER_04", "Ci sono ci sono, scusate, avevo l'audio sul computer sbagliato."),
        ("SPEAKER_04", "Allora, sono Ilaria Desideri, lavoro al centro diurno della ASL di Rieti. " + PLAIN_REPORT[0]),
        *(("SPEAKER_04", text) for text in PLAIN_REPORT[1:]),
    ]
    tables = tables_of(turns)
    assert [t.spokesperson.name for t in tables] == ["Giulia Bianchi", "Claudia Pitoni", "Ilaria Desideri"]
    assert spans(tables, turns)[1] == list(range(7, 13))


def test_a_number_guessed_from_the_order_takes_the_first_one_not_yet_heard() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Fabrizio, tu c'eri nel gruppo del lavoro, vai tu?"),
        (
            "SPEAKER_02",
            "Sì. Fabrizio Mareri, cooperativa Terminillo Lavoro. Noi eravamo il tavolo quattro. " + HOUSING[0],
        ),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
        (FACILITATOR, "Grazie Fabrizio. Adesso le famiglie, Claudia, vai tu."),
        ("SPEAKER_03", "Sì, grazie. Claudia Pitoni, assistente sociale a Cittaducale. " + PLAIN_REPORT[0]),
        *(("SPEAKER_03", text) for text in PLAIN_REPORT[1:]),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 4, 2]


def test_a_table_called_that_never_presents_is_skipped_by_the_order() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Il tavolo due non ha scelto un portavoce, ci manderanno la scheda scritta."),
        (FACILITATOR, "Quindi passiamo alla casa, con Marco."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 3]


def test_a_bare_call_after_a_hand_over_naming_a_table_is_still_for_that_table() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Tavolo tre, donne e lavoro. Chi parla per il tre?"),
        ("SPEAKER_05", "Eh, dovevo parlare io o Lucia, avevamo detto. Lucia ci sei?"),
        (FACILITATOR, "Lucia mi ha scritto in chat che è in macchina. Vai tu Samira, tranquilla."),
        ("SPEAKER_05", "Va bene. Allora, sono Samira, dell'associazione Donne in Rete. " + HOUSING[0]),
        *(("SPEAKER_05", text) for text in HOUSING[1:]),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 3]


def test_presenters_who_pass_the_floor_to_the_next_table_once_their_report_is_over() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Finito un tavolo, passatevi la parola fra voi. Marco, tocca a te."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
        ("SPEAKER_02", "Ho finito, grazie."),
        ("SPEAKER_05", "Posso fare una domanda a Marco? La graduatoria è del comune o dell'ALER?"),
        ("SPEAKER_02", "Dell'ALER, dottore, ma il comune raccoglie le domande."),
        ("SPEAKER_02", "Allora passo a Ilaria, che ha il tavolo sulla solitudine."),
        (
            "SPEAKER_03",
            "Grazie Marco. Buonasera, sono Ilaria Cherici della cooperativa Terre di Piero. " + PLAIN_REPORT[0],
        ),
        *(("SPEAKER_03", text) for text in PLAIN_REPORT[1:]),
        ("SPEAKER_03", "Abbiamo finito. E adesso tocca a Paolo per le RSA e i centri diurni."),
        ("SPEAKER_04", "Paolo Nocentini, del sindacato pensionati di Arezzo. " + HOUSING[0]),
        *(("SPEAKER_04", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    names = ["Giulia Bianchi", "Marco Neri", "Ilaria Cherici", "Paolo Nocentini"]
    assert [t.spokesperson.name for t in tables] == names
    assert tables[2].sentences[-1].text == "Abbiamo finito."


def test_a_voice_nobody_introduced_that_goes_on_with_the_report_is_part_of_it() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il tavolo due, la casa. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:3]),
        ("SPEAKER_03", "E poi nei paesi, scusate se mi inserisco, le case vuote ci sono ma nessuno le affitta."),
        ("SPEAKER_02", "Giusto. " + HOUSING[3]),
        ("SPEAKER_02", HOUSING[4]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert any(s.text.startswith("E poi nei paesi") for s in tables[1].sentences)


def test_the_facilitator_who_reports_a_table_says_so_in_other_words() -> None:
    turns = [
        (FACILITATOR, "Eccoci, bentornati. Erano due tavoli, uno sui giovani e uno sulla casa."),
        (
            FACILITATOR,
            "E siccome il primo tavolo l'ho facilitato io e ho gli appunti qui, la sintesi del primo la faccio io.",
        ),
        (FACILITATOR, "Dunque, per chi non mi conosce, sono Beatrice Mencucci dell'Ufficio di Piano."),
        *((FACILITATOR, text) for text in FIRST_REPORT[1:]),
        (FACILITATOR, "Questo è il primo tavolo. Adesso tocca a Marco per la casa. Marco, ci sei?"),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert [t.table_number for t in tables] == [1, 2]
    assert tables[0].spokesperson.name == "Beatrice Mencucci"


def test_a_report_announced_as_shared_takes_in_the_second_voice_nobody_introduced() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Andiamo avanti con la scuola. Silvia, siete pronti?"),
        (
            "SPEAKER_02",
            "Sì, eccomi. Buonasera, Silvia Baccaglini, insegno a Rovigo. Lo raccontiamo in due. " + HOUSING[0],
        ),
        *(("SPEAKER_02", text) for text in HOUSING[1:4]),
        ("SPEAKER_03", "Sì, e alla primaria il discorso è un po' diverso. " + PLAIN_REPORT[0]),
        *(("SPEAKER_03", text) for text in PLAIN_REPORT[1:]),
        ("SPEAKER_02", "Aggiungo io l'ultima. " + HOUSING[4]),
    ]
    tables = tables_of(turns)
    assert [t.spokesperson.name for t in tables] == ["Giulia Bianchi", "Silvia Baccaglini"]
    assert spans(tables, turns)[1] == list(range(7, 15))


def test_the_introductions_list_of_tables_calls_none_of_them() -> None:
    turns = [
        (FACILITATOR, "Rieccoci. I tavoli erano tre: i giovani, poi la casa, e per ultimo il lavoro."),
        (FACILITATOR, "Partiamo dai giovani, chi ha preso gli appunti?"),
        ("SPEAKER_01", "Io. Sono Giulia Bianchi della Cooperativa sociale Il Ponte."),
        *(("SPEAKER_01", text) for text in FIRST_REPORT[1:]),
        *(("SPEAKER_01", text) for text in PLAIN_REPORT),
        (FACILITATOR, "Grazie Giulia. Adesso la casa. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 2]


def test_a_hand_over_by_theme_takes_the_number_of_the_introductions_list() -> None:
    turns = [
        (
            FACILITATOR,
            "Rieccoci. Nell'ordine avevamo: giovani e scuola, poi lavoro e inserimento, poi abitare e sfratti.",
        ),
        (FACILITATOR, "Cominciamo dai giovani. Giulia, vai."),
        *(("SPEAKER_01", text) for text in FIRST_REPORT),
        (FACILITATOR, "Grazie Giulia. Il lavoro lo facciamo dopo, passiamo all'abitare e agli sfratti. Marco, vai."),
        ("SPEAKER_02", "Buonasera, sono Marco Neri dell'Associazione Il Melograno. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    assert [t.table_number for t in tables_of(turns)] == [1, 3]


# A report as Whisper base may hear it on a poor line: the hand-over, the self-introduction and the
# table's name garbled away, the rest plain talk with few heading cues (about 230 words).
GARBLED_REPORT = [
    "si convi allora noi eravamo in molti più o meno c'erano due professori un paio di cooperative e i ragazzi"
    " della consulta che sono venuti in tre e hanno parlato tanto e questo è stato bello",
    "diciamo che da noi i ragazzi che lasciano la scuola sono sopra la media della provincia soprattutto nei"
    " professionali e dopo i sedici anni non li segue più nessuno perché non c'è un obbligo",
    "poi ci sono i pezzi che già ci sono il doposcuola della parrocchia lo studio pomeridiano che pagano i comuni"
    " e la cooperativa che fa l'orientamento in terza media ma sono cose piccole e ognuno va per conto suo",
    "allora la prima cosa andare a cercare i ragazzi cioè degli educatori che escono e vanno nei posti dove"
    " stanno i ragazzi in piazza nei bar alle palestre anche la sera e il sabato",
    "e poi un punto unico dove la scuola quando un ragazzo smette di venire lo segnala subito e qualcuno lo"
    " chiama entro una settimana non dopo sei mesi quando ormai è tardi e la famiglia non risponde più",
    "e anche i genitori che spesso non sanno a chi chiedere e si vergognano quindi uno sportello nelle scuole"
    " aperto il pomeriggio con qualcuno che parla anche le lingue delle famiglie straniere basta direi questo",
]


def test_a_long_turn_after_a_hand_over_by_name_is_a_report_though_its_opening_is_garbled() -> None:
    turns = [
        *first_table(),
        (
            FACILITATOR,
            "Grazie Giulia vai pure allora adesso Sara per la scuola e i ragazzi che hanno smesso di studiare.",
        ),
        *(("SPEAKER_02", text) for text in GARBLED_REPORT[:4]),
        (FACILITATOR, "Grazie Sara. Ci rivediamo il dodici dicembre, buona serata a tutti."),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [7, 8, 9, 10]


def test_after_a_report_a_voice_holding_the_floor_is_the_next_report() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia, chiarissima. Andiamo avanti, ultimo gruppo."),
        *(("SPEAKER_02", text) for text in GARBLED_REPORT),
        (FACILITATOR, "Grazie davvero. Ci rivediamo il dodici dicembre, buona serata a tutti."),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [7, 8, 9, 10, 11, 12]
    assert tables[1].doubtful  # nothing but its length says it is a report: the editor checks it


def test_a_comment_from_the_floor_stays_a_comment() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Vedo una mano alzata, prego."),
        (
            "SPEAKER_03",
            "Sì, solo una precisazione: lo sportello del Comune di Voghera è aperto anche il sabato mattina.",
        ),
        (FACILITATOR, "Grazie. Ci rivediamo il dodici dicembre, buona serata a tutti."),
    ]
    assert len(tables_of(turns)) == 1


def test_the_floor_given_for_a_question_long_ago_does_not_silence_the_next_report() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Vedo una mano alzata, signora Pannacci, prego."),
        ("SPEAKER_03", "Sì, grazie, sono una mamma. Volevo chiedere se lo sportello di Voghera è aperto il sabato."),
        ("SPEAKER_04", "Buonasera signora, sì, il sabato mattina, dalle nove a mezzogiorno, con un'educatrice."),
        ("SPEAKER_03", "Benissimo, grazie."),
        (FACILITATOR, "Grazie, dottor Bianchi, andiamo avanti."),
        *(("SPEAKER_02", text) for text in GARBLED_REPORT),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == list(range(11, 17))


def test_the_voice_a_report_announces_at_its_start_is_the_same_table_after_an_interruption() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. L'ultimo tavolo, il benessere dei giovani. Giorgio e Chiara, mi pare."),
        ("SPEAKER_02", "Sì, è così. Giorgio Mantelli. Allora parto io e poi Chiara, che ha preso gli appunti."),
        *(("SPEAKER_02", text) for text in HOUSING[1:3]),
        ("SPEAKER_03", "Sì, grazie Giorgio. Chiara Zanichelli, educatrice. " + PLAIN_REPORT[0]),
        ("SPEAKER_03", PLAIN_REPORT[1]),
        (FACILITATOR, "Scusa Chiara, ti interrompo un secondo: questi posti li gestisce una cooperativa?"),
        ("SPEAKER_03", "Una cooperativa, sì, con le famiglie. " + PLAIN_REPORT[2]),
        *(("SPEAKER_03", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == list(range(7, 18))


def test_a_voice_named_at_a_reports_start_goes_on_with_that_table_after_the_first_drops() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia. Adesso il gruppo sulla casa. Angela, ci sei?"),
        ("Angela Masi", "Ci sono, buonasera. Angela Masi, nel gruppo con me c'era anche Ibrahima. " + HOUSING[0]),
        *(("Angela Masi", text) for text in HOUSING[1:]),
        (FACILITATOR, "Angela si è bloccata, credo sia caduta. Ibrahima, te la senti di andare avanti tu?"),
        ("Ibrahima Diallo", "Sì, va bene, faccio il mediatore. " + PLAIN_REPORT[0]),
        *(("Ibrahima Diallo", text) for text in PLAIN_REPORT[1:]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == list(range(7, 16))


def test_a_voice_that_only_tests_its_line_before_a_long_turn_is_not_an_empty_report() -> None:
    turns = [
        *first_table(),
        (FACILITATOR, "Grazie Giulia, chiarissima."),
        ("SPEAKER_02", "Mi sentite? Aspettate che tolgo il muto."),
        ("SPEAKER_03", "Scusate, ma siamo già alla fine?"),
        *(("SPEAKER_02", text) for text in GARBLED_REPORT),
    ]
    tables = tables_of(turns)
    assert all(t.end > t.start for t in tables)


def test_with_nobody_handing_over_the_first_presenter_opens_the_reports() -> None:
    turns = [
        (
            "SPEAKER_00",
            "Pronto, si sente? La coordinatrice non riesce a rientrare, se siete d'accordo andiamo avanti noi.",
        ),
        ("SPEAKER_01", "Sì sì, andate avanti, io sto registrando, così poi gliela giriamo."),
        (
            "SPEAKER_00",
            "Va bene. Allora comincio io con il mio. Sono Antonella Di Lena, della cooperativa Il Trabucco.",
        ),
        *(("SPEAKER_00", text) for text in GARBLED_REPORT),
        ("SPEAKER_02", "Grazie Antonella. Sono Valentina De Gregorio, portavoce del tavolo due. " + HOUSING[0]),
        *(("SPEAKER_02", text) for text in HOUSING[1:]),
    ]
    tables = tables_of(turns)
    assert [t.spokesperson.name for t in tables] == ["Antonella Di Lena", "Valentina De Gregorio"]


def test_a_presenter_passing_to_another_group_ends_the_report() -> None:
    turns = [
        ("SPEAKER_00", "Allora, come d'accordo non facciamo moderazione: ogni gruppo passa la parola al successivo."),
        ("SPEAKER_00", "Chi comincia? Elisa, vai pure tu."),
        ("SPEAKER_01", "Va bene, parto io. Sono Elisa Qualizza dell'istituto comprensivo. " + HOUSING[0]),
        *(("SPEAKER_01", text) for text in HOUSING[1:]),
        ("SPEAKER_01", "Io passo la parola a Matteo, che ha fatto il gruppo sugli adolescenti. Matteo, vai."),
        ("SPEAKER_02", "Sì, grazie Elisa. Allora, noi eravamo il gruppo degli adolescenti. " + PLAIN_REPORT[0]),
        *(("SPEAKER_02", text) for text in PLAIN_REPORT[1:]),
    ]
    tables = tables_of(turns)
    assert len(tables) == 2
    assert spans(tables, turns)[1] == [8, 9, 10]
