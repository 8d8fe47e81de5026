"""A browser for the workspace's tests, without a browser: it keeps the cookies (the
TestClient's), reads each page's forms as a browser would (every named input, select and
textarea with its value; buttons only when pressed) and submits them.

Import it by name (``from web_client import Browser``): ``tests/`` is on pytest's
``pythonpath`` (pyproject.toml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

import httpx

__all__ = ["Browser", "Form", "cookie_flags", "forms_of"]

_TEXT_INPUTS = {"text", "hidden", "password", "date", "number", "email", "search", "tel", ""}


@dataclass
class Form:
    id: str | None
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        return dict(self.fields)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("id"), a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and "name" in a:
            kind = a.get("type", "text").lower()
            if kind in _TEXT_INPUTS or (kind in ("checkbox", "radio") and "checked" in a):
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and "name" in a:
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a, [])
        elif tag == "textarea" and "name" in a:
            self._textarea = (a["name"], [])

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option[2].append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else "".join(text), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = next((v for v, s in options if s), options[0][0] if options else "")
            self._form.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            value = "".join(text)
            self._form.fields.append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> dict[str, Form]:
    """The page's forms by id."""
    parser = _Forms()
    parser.feed(html)
    return {f.id: f for f in parser.forms if f.id}


def cookie_flags(response: httpx.Response, name: str) -> dict[str, str | bool]:
    """The attributes of the cookie ``name`` the response sets (lower-case names; flags
    without a value are True); empty when it sets none."""
    for header in response.headers.get_list("set-cookie"):
        first, *attributes = [p.strip() for p in header.split(";")]
        key, _, value = first.partition("=")
        if key == name:
            found: dict[str, str | bool] = {"value": value}
            for attribute in attributes:
                k, eq, v = attribute.partition("=")
                found[k.lower()] = v if eq else True
            return found
    return {}


class Browser:
    """One person's browser on the workspace (a TestClient: its cookies persist)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.page: httpx.Response | None = None

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, follow_redirects=False, **kwargs)
        self.page = response
        return response

    def open(self, url: str) -> httpx.Response:
        """GET ``url`` and follow redirects, as a person following a link."""
        response: httpx.Response = self.client.get(url, follow_redirects=True)
        self.page = response
        return response

    def form(self, form_id: str) -> Form:
        assert self.page is not None, "no page is open"
        found = forms_of(self.page.text)
        assert form_id in found, f"no form #{form_id} on {self.page.url}"
        return found[form_id]

    @property
    def csrf(self) -> str:
        assert self.page is not None
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.page.text)
        assert match, "no CSRF token on the page"
        return unescape(match.group(1))

    def submit(
        self,
        form_id: str,
        changes: dict[str, str] | None = None,
        *,
        button: tuple[str, str] | None = None,
        files: dict[str, Any] | None = None,
        follow: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Submit the form as it stands on the page, with ``changes`` typed in and
        ``button`` (name, value) pressed."""
        form = self.form(form_id)
        values = form.values()
        values.update(changes or {})
        if button is not None:
            values[button[0]] = button[1]
        url = form.action or str(self.page.url if self.page else "")
        if form.method == "get":
            response = self.client.get(url, params=values, follow_redirects=follow)
        else:
            response = self.client.post(
                url, data=values, files=files, follow_redirects=follow, headers=headers
            )
        self.page = response
        return response

    def sign_in(
        self,
        credential: str,
        *,
        role: str = "Eksekutif",
        name: str = "Ana Analis",
        user_id: str = "analis-1",
        next_url: str | None = None,
        follow: bool = True,
    ) -> httpx.Response:
        self.get("/ui/signin" + (f"?next={next_url}" if next_url else ""))
        return self.submit(
            "signin-form",
            {"credential": credential, "role": role, "user_name": name, "user_id": user_id},
            follow=follow,
        )
