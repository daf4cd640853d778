"""Staff lists that grow, a page at a time: the page and status parameters of a list's URL,
checked, and the numbers of one page. Pure: no Flask, no database.

Every such list reads a fixed number of statements whatever its length (the counts per
status, the rows of one page, and what those rows need in one more at most); the template
shows it with the ``status_filter`` and ``pager`` macros of ``templates/_macros.html``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = [
    "BAD_PAGE",
    "BAD_STATUS",
    "PER_PAGE",
    "ListRequest",
    "Listing",
    "PageSpan",
    "page_span",
    "read_list_request",
    "read_page",
]

PER_PAGE = 50
# A page number beyond the last shows the last page; beyond this it is nonsense.
_MAX_PAGE = 10**6 - 1

BAD_PAGE = "Dit paginanummer bestaat niet. Begin bij pagina 1."
BAD_STATUS = "Kies een status uit de lijst."

Row = TypeVar("Row")
Status = TypeVar("Status", bound=enum.Enum)


@dataclass(frozen=True)
class ListRequest(Generic[Status]):
    """What the URL asks for: a status (None: every status) and a page number; with a Dutch
    ``error`` for a bad value, in which case the first page of every status is shown."""

    status: Status | None
    page: int
    error: str | None = None


def read_page(args: Mapping[str, str]) -> int | None:
    """The ``pagina`` parameter (1 when absent); None unless it is a whole number from 1."""
    raw = args.get("pagina", "1")
    if raw.isascii() and raw.isdigit() and 0 < int(raw) <= _MAX_PAGE:
        return int(raw)
    return None


def read_list_request(args: Mapping[str, str], statuses: Iterable[Status]) -> ListRequest[Status]:
    """The ``status`` and ``pagina`` parameters, checked: a status must be one of
    ``statuses`` (by value), a page a whole number from 1."""
    raw_status = args.get("status", "")
    status = next((s for s in statuses if s.value == raw_status), None)
    if raw_status and status is None:
        return ListRequest(None, 1, BAD_STATUS)
    page = read_page(args)
    if page is None:
        return ListRequest(None, 1, BAD_PAGE)
    return ListRequest(status, page)


@dataclass(frozen=True)
class PageSpan:
    """Page ``page`` of ``pages``: rows ``offset`` up to ``offset + limit``."""

    page: int
    pages: int
    offset: int
    limit: int


def page_span(total: int, page: int, per_page: int = PER_PAGE) -> PageSpan:
    """The page asked for, kept between the first and the last (a page past the end is the
    last one); an empty list has one, empty, page."""
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    return PageSpan(page, pages, (page - 1) * per_page, per_page)


@dataclass(frozen=True)
class Listing(Generic[Row, Status]):
    """One page of a list, with what the filter and the pager show."""

    rows: list[Row]
    status: Status | None  # the filter; None: every status
    counts: dict[Status, int]  # per status, over the whole list
    page: int
    pages: int
    total: int  # rows that match the filter

    @property
    def everything(self) -> int:
        return sum(self.counts.values())
