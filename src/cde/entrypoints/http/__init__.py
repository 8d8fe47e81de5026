"""The HTTP API (FastAPI): the Kocek CDE contract of ``API.md``, thin over the service."""

from cde.entrypoints.http.app import create_app

__all__ = ["create_app"]
