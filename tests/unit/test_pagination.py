"""One page of a growing list: which rows, which neighbours, and what an odd page number gives."""
from __future__ import annotations

from coordinator.pagination import page_number, paginate


def test_a_page_holds_its_rows_and_knows_its_neighbours() -> None:
    page = paginate(list(range(1, 121)), 3, size=50)
    assert list(page.items) == list(range(101, 121))
    assert (page.number, page.pages, page.previous, page.next) == (3, 3, 2, None)
    assert (page.first_shown, page.last_shown, page.total) == (101, 120, 120)


def test_a_page_past_the_end_is_the_last_and_an_empty_list_has_one_page() -> None:
    assert paginate(list(range(10)), 7, size=5).number == 2
    empty = paginate([], 1)
    assert (empty.pages, empty.previous, empty.next, empty.first_shown, empty.last_shown) == (1, None, None, 0, 0)


def test_anything_but_a_positive_number_asks_for_the_first_page() -> None:
    assert [page_number(v) for v in (None, "", "0", "-2", "abc", "2")] == [1, 1, 1, 1, 1, 2]
