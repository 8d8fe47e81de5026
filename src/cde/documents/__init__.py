"""Documents made from a result object: the credit memo as a PDF (``memo_pdf``).

Domain-like: it reads the result object the engine returns (and the API stores), formats
it with the domain's own helpers (``cde.domain.text``: Indonesian numbers and dates), lays
it out with a Jinja2 template and prints it with WeasyPrint, imported only when a PDF is
asked for (the optional extra ``cde[pdf]``). No clock, no settings, no I/O of its own: the
caller passes the cooperative's name, the language and the time the memo is printed.
"""

from __future__ import annotations

from cde.documents.memo_pdf import (
    MemoSubject,
    PdfUnavailableError,
    memo_html,
    memo_view,
    render_memo_pdf,
    subject_of,
)

__all__ = [
    "MemoSubject",
    "PdfUnavailableError",
    "memo_html",
    "memo_view",
    "render_memo_pdf",
    "subject_of",
]
