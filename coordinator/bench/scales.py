"""The benchmark data's scales: which municipalities, how many districts and schools, how much history."""
from __future__ import annotations

from dataclasses import dataclass

ACTOR = "bench"
TERMS = ("HT2027", "VT2028")  # always written, empty: the planning benchmarks plan HT2027
UNIT_CODE_PREFIX = "998"
SCALE_CHOICES = ("city", "national")  # what the command offers; `tiny` is for the tests


@dataclass(frozen=True)
class MunicipalityShape:
    code: str
    name: str
    domain: str
    districts: int
    compulsory_schools: int
    upper_secondary_schools: int


@dataclass(frozen=True)
class Scale:
    """Named municipalities (the first is the city itself, drawn the same at every scale that has it), and
    `small_municipalities` more of one district each, sharing `small_schools` (compulsory, upper-secondary)."""
    name: str
    municipalities: tuple[MunicipalityShape, ...]
    small_municipalities: int = 0
    small_schools: tuple[int, int] = (0, 0)
    independent_share: float = 1 / 3
    # the municipalities after the first keep at most this many years of history (generation time)
    history_years_elsewhere: int | None = None

    @property
    def municipality_count(self) -> int:
        return len(self.municipalities) + self.small_municipalities

    @property
    def districts(self) -> int:
        return sum(m.districts for m in self.municipalities) + self.small_municipalities

    @property
    def compulsory_schools(self) -> int:
        return sum(m.compulsory_schools for m in self.municipalities) + self.small_schools[0]

    @property
    def upper_secondary_schools(self) -> int:
        return sum(m.upper_secondary_schools for m in self.municipalities) + self.small_schools[1]

    @property
    def schools(self) -> int:
        return self.compulsory_schools + self.upper_secondary_schools


def _stockholm(districts: int, compulsory: int, upper_secondary: int) -> MunicipalityShape:
    return MunicipalityShape("0180", "Stockholms stad", "stockholm.example", districts, compulsory, upper_secondary)


STOCKHOLM = _stockholm(11, 330, 90)  # 11 district administrations since 1 July 2023
SCALES = {
    "tiny": Scale("tiny", (_stockholm(2, 6, 2),)),
    "city": Scale("city", (STOCKHOLM,)),
    # the country: 290 municipalities, about 4,800 compulsory and 1,300 upper-secondary school units
    "national": Scale("national", (
        STOCKHOLM,
        MunicipalityShape("1480", "Göteborgs stad", "goteborg.example", 4, 200, 60),
        MunicipalityShape("1280", "Malmö stad", "malmo.example", 5, 125, 35),
    ), small_municipalities=287, small_schools=(4800 - 655, 1300 - 185), history_years_elsewhere=3),
}


def scale_named(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; one of {', '.join(SCALES)}") from None


class DatabaseNotEmpty(Exception):
    """Benchmark data goes into an empty database only: mixed with other data it measures nothing known."""
