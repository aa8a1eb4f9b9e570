"""Every free day's and half day's name the holidays package gives is marked for translation, and the English
catalogue says it as the package's own English does."""
from __future__ import annotations

import holidays
from babel.messages.pofile import read_po

from coordinator.config import PROJECT_ROOT
from coordinator.terms.calendar import HOLIDAY_NAMES

YEARS = range(2024, 2046)


def _names(language: str) -> dict[object, str]:
    names = {}
    for categories in (("public", "de_facto"), ("bank",)):
        found = holidays.country_holidays("SE", years=YEARS, categories=categories, language=language,
                                          include_sundays=False)
        names.update({(categories, day): name for day, name in found.items()})
    return names


def test_every_swedish_holiday_name_is_marked_and_translated_as_the_package_does():
    swedish, english = _names("sv"), _names("en_US")
    with (PROJECT_ROOT / "coordinator/translations/en/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    assert set(swedish.values()) <= set(HOLIDAY_NAMES)
    for key, name in swedish.items():
        assert catalogue.get(name).string == english[key], name
