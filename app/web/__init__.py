"""The pages a person looks at (GET / and GET /reports/{id} in a browser, /reports/{id}/view):
Jinja2 templates rendered on the server with autoescape on (every text from a report is
untrusted), their stylesheet and script served by this service from the package (no CDN),
and the Content-Security-Policy that lets exactly those run."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2
from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from app import mediatypes

ASSETS_URL = "/assets"
# The pages' policy: scripts and styles from this service only (no inline script, no inline
# style attribute), images from the service (page renderings) only, forms posted to it only
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def package_dir(name: str) -> Path:
    return Path(str(resources.files("app.web") / name))


# autoescape on for every template, whatever its name: a report's text is untrusted input
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(package_dir("templates"))), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True)
templates = Jinja2Templates(env=_ENV)


def _quality(accept: list[tuple[str, float]], media: str) -> float:
    """The q the Accept list gives `media`: its most specific match's (type/subtype, type/*, */*)."""
    kind = media.split("/", 1)[0] + "/*"
    best: tuple[int, float] = (-1, 0.0)
    for listed, q in accept:
        rank = 2 if listed == media else 1 if listed == kind else 0 if listed == "*/*" else -1
        if rank > best[0]:
            best = (rank, q)
    return best[1] if best[0] >= 0 else 0.0


def prefers_html(accept_header: str | None) -> bool:
    """HTML only when the Accept header prefers text/html (or XHTML) over application/json:
    a browser's `text/html,…,*/*;q=0.8` does; `*/*`, `application/json` or no header do not."""
    if not accept_header or "html" not in accept_header.lower():
        return False
    accept = mediatypes.accepted(accept_header)
    html = max(_quality(accept, "text/html"), _quality(accept, "application/xhtml+xml"))
    return html > 0 and html > _quality(accept, "application/json")


def wants_html(request: Request) -> bool:
    return prefers_html(request.headers.get("accept"))


def root_of(request: Request) -> str:
    return request.scope.get("root_path", "").rstrip("/")
