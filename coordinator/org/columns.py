"""The columns of the import files: Swedish or English headers, and the ones the school and people files know; no database.

Below both the file layer (tables.py), which picks a CSV file's delimiter by the headers it knows,
and the importers, which read their rows by these columns.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# ---------------------------------------------------------------------------------------------
# Columns: Swedish or English headers, any case, spaces, hyphens and underscores alike


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", unicodedata.normalize("NFC", text).strip().casefold())


@dataclass(frozen=True)
class Column:
    key: str
    sv: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> set[str]:
        return {header_key(name) for name in (self.sv, self.en, self.key, *self.aliases)}

    @property
    def title(self) -> str:
        return f"{self.sv} ({self.en})"


# ---------------------------------------------------------------------------------------------
# Columns of the school and people files


SCHOOL_COLUMNS = (
    Column("unit_code", "skolenhetskod", "school_unit_code", True, ("unit_code", "skolenhet")),
    Column("name", "namn", "name", True, ("skolnamn", "school_name")),
    Column("district", "stadsdel", "district", True, ("stadsdelskod", "district_code")),
    Column("organiser_type", "huvudman", "organiser_type", True, ("organizer_type", "huvudmannatyp")),
    Column("organiser_name", "huvudmannens namn", "organiser_name", False, ("organizer_name",)),
    Column("school_forms", "skolformer", "school_forms", False, ("skolform", "school_form", "school_types")),
    Column("email", "e-post", "email", False, ("epost", "e-mail", "mejl")),
    Column("phone", "telefon", "phone", False, ("telefonnummer", "phone_number")),
    Column("address", "adress", "address", False, ("besöksadress",)),
    Column("active", "aktiv", "active", False, ("is_active",)),
)

PERSON_COLUMNS = (
    Column("name", "namn", "name", True),
    Column("email", "e-post", "email", True, ("epost", "e-mail", "mejl")),
    Column("organisation", "organisation", "organisation", True, ("organization", "skola/enhet", "enhet", "unit")),
    Column("district", "stadsdel", "district", False, ("stadsdelskod", "district_code")),
    Column("unit_kind", "enhetstyp", "unit_kind", False),
    Column("language", "språk", "language", False),
    Column("functions", "funktioner", "functions", False, ("funktion", "function")),
    Column("deputy_email", "ersättare", "deputy_email", False, ("ersättare e-post", "deputy")),
    Column("phone", "telefon", "phone", False, ("telefonnummer",)),
    Column("active", "aktiv", "active", False, ("is_active",)),
)



@cache
def known_headers() -> frozenset[str]:
    """Every header of the school and person files: the ones that choose the delimiter, for a terms file too."""
    return frozenset().union(*(c.names for c in SCHOOL_COLUMNS + PERSON_COLUMNS))
