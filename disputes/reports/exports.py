"""The queue and the dispute list as CSV or XLSX, in bounded memory.

Rows are read in chunks (QuerySet.iterator) and written as they come: CSV streams to the
client, XLSX goes through openpyxl's write-only workbook into a temporary file. Text that a
spreadsheet would read as a formula (starting with =, +, -, @, a tab or a carriage return)
is prefixed with an apostrophe. CSV starts with a UTF-8 byte order mark so Excel shows
Chinese.

The parties' phones are masked unless the exporter reveals them with a reason, and then only
on the rows of disputes their role covers (disputes.contacts.may_reveal); the research export
(disputes.reports.research) has none. Every export is one `export` audit entry
(docs/personal-data-masking.md).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import contacts
from disputes.models import Dispute

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """A cell value that no spreadsheet evaluates: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header() -> list[str]:
    return [
        _("Reference"), _("Title"), _("State"), _("Level"), _("Category"), _("Grid"), _("Claimant"),
        _("Respondent"), _("Mediator"), _("Filed at"), _("Due"), _("Overdue"), _("Settled at"),
        _("Closed at"), _("Outcome"), _("Claimant's phone"), _("Respondent's phone"),
    ]  # fmt: skip


def _local(value: datetime | None):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _phone(d: Dispute, party: str, user, reveal: bool) -> str:
    phone = getattr(d, f"{party}_phone")
    if contacts.is_own(d, user, party) or (reveal and contacts.may_reveal(d, user)):
        return phone
    return contacts.masked("phone", phone)


def rows(qs: QuerySet[Dispute], user=None, reveal: bool = False) -> Iterator[list]:
    """One list of plain values per dispute (datetimes local and naive, for spreadsheets);
    phones masked unless `reveal` and `user` may reveal that dispute's."""
    yes, no = _("yes"), _("no")
    for d in qs.select_related("category", "grid", "mediator").iterator(chunk_size=CHUNK):
        yield [
            d.reference, d.title, d.get_state_display(), d.get_level_display(), d.category.display_name,
            d.grid.display_name(), d.claimant_name, d.respondent_name,
            d.mediator.display_name if d.mediator else "", _local(d.created_at),
            _local(d.due_at), yes if d.is_overdue() else no, _local(d.settled_at), _local(d.closed_at),
            d.get_outcome_display(), _phone(d, "claimant", user, reveal), _phone(d, "respondent", user, reveal),
        ]  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(head: list[str], lines: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(head)
    for line in lines:
        yield writer.writerow(
            [neutralise(v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v) for v in line]
        )


def csv_response(head: list[str], lines: Iterable[list], name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in _csv_lines(head, lines)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def xlsx_response(head: list[str], lines: Iterable[list], name: str) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=name[:31])
    sheet.append(head)
    for line in lines:
        cells = []
        for value in line:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    spool = tempfile.TemporaryFile()
    book.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{name}.xlsx", content_type=XLSX_TYPE)


def response(kind: str, head: list[str], lines: Iterable[list], name: str):
    return csv_response(head, lines, name) if kind == "csv" else xlsx_response(head, lines, name)
