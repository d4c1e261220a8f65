"""Fixed name lists for synthetic people, by language group; no list mixes real identities."""

from __future__ import annotations

from typing import NamedTuple


class NameList(NamedTuple):
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]


ITALIAN = NameList(
    female=(
        "Maria", "Anna", "Giulia", "Francesca", "Chiara", "Sara", "Laura", "Elena", "Paola",
        "Silvia", "Marta", "Federica", "Alessia", "Valentina", "Roberta", "Giovanna", "Teresa",
        "Lucia", "Rosa", "Angela",
    ),
    male=(
        "Marco", "Luca", "Giuseppe", "Giovanni", "Andrea", "Francesco", "Matteo", "Paolo",
        "Stefano", "Alessandro", "Davide", "Roberto", "Simone", "Antonio", "Pietro", "Carlo",
        "Fabio", "Mario", "Enrico", "Lorenzo",
    ),
    family=(
        "Rossi", "Bianchi", "Ferrari", "Bosio", "Fiorini", "Ghisolfi", "Manfredi", "Zanoni",
        "Superti", "Barbieri", "Bodini", "Lanfranchi", "Ruggeri", "Guarneri", "Stradivari",
        "Amati", "Mainardi", "Tinelli", "Cavalli", "Pedretti", "Rizzi", "Galli", "Conti",
        "Moretti", "Ferraroni", "Bertoletti", "Lazzari", "Pagliari", "Sartori", "Fontana",
    ),
)  # fmt: skip

ROMANIAN = NameList(
    female=("Ioana", "Elena", "Andreea", "Mihaela", "Cristina", "Gabriela", "Daniela", "Alina"),
    male=("Andrei", "Mihai", "Ion", "Alexandru", "Florin", "Bogdan", "Cristian", "Vasile"),
    family=("Popescu", "Ionescu", "Dumitru", "Stan", "Munteanu", "Constantin", "Marin", "Tudor"),
)

ARABIC = NameList(
    female=("Fatima", "Amina", "Khadija", "Salma", "Nadia", "Samira", "Leila", "Yasmine"),
    male=("Mohamed", "Youssef", "Ahmed", "Karim", "Rachid", "Hicham", "Said", "Omar"),
    family=("Benali", "El Amrani", "Bouzid", "Haddad", "Tazi", "Alaoui", "Idrissi", "Cherkaoui"),
)

INDIAN = NameList(
    female=("Harpreet", "Simran", "Manpreet", "Priya", "Kavita", "Gurleen", "Sunita", "Anjali"),
    male=("Gurpreet", "Harjit", "Rajesh", "Amit", "Sukhdev", "Manjit", "Sandeep", "Ravi"),
    family=("Singh", "Kaur", "Sharma", "Kumar", "Gill", "Sandhu", "Patel", "Dhillon"),
)

BY_LANGUAGE: dict[str, NameList] = {
    "it": ITALIAN,
    "ro": ROMANIAN,
    "ar": ARABIC,
    "fr": ARABIC,
    "pa": INDIAN,
    "hi": INDIAN,
    "en": INDIAN,
}

STREETS = (
    "Via dei Tigli", "Via delle Rose", "Via Sintetica", "Via Esempio", "Via del Campo",
    "Via dei Mulini", "Via della Chiesa", "Via Roma", "Via Garibaldi", "Via Mazzini",
    "Viale dei Pioppi", "Via del Sole", "Piazza della Pace", "Via delle Viole",
)  # fmt: skip
COMPANY_FORMS = ("Immobiliare {name} S.r.l.", "{name} Case S.a.s.", "Gestioni {name} S.r.l.")
INSTITUTIONS = {
    "sas_operator": ("Abitare Sociale {name} S.c.r.l.", "Fondazione Casa {name}"),
    "cooperative": ("Cooperativa Edificatrice {name}", "Cooperativa Abitare {name}"),
}
