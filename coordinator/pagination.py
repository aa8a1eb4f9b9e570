"""One page of a list that can grow (people, schools, logins, the protocol register, meetings): which rows, and
the links to the pages before and after. Pure, no Flask: the view passes the requested page number."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # from 1
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.number * self.size, self.total)


def page_number(value: str | None) -> int:
    """The page asked for (`?sida=`); 1 for anything that is not a positive whole number."""
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


def paginate(rows: Sequence[T], number: int, size: int = PAGE_SIZE) -> Page[T]:
    """The `number`th page of `rows` (the last page when asked for one past it)."""
    total = len(rows)
    last = max(1, -(-total // size))
    number = min(max(1, number), last)
    return Page(items=rows[(number - 1) * size:number * size], number=number, size=size, total=total)
