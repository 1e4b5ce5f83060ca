"""Rewrite the README's curl examples with what a real server answers.

Starts `disclosure serve` on a fresh SQLite file in a temp dir (key `change-me`), runs
each example with bash from the repo root (the corpus is at ../shared/corpus), and
replaces the README between the `examples:start` / `examples:end` markers.

    .venv/bin/python tools/readme_examples.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
START, END = "<!-- examples:start -->", "<!-- examples:end -->"
SHOWN = "localhost:8000"
KEY = "change-me"
POST = f"-H 'Authorization: Bearer {KEY}'"
PRETTY = "python3 -m json.tool --no-ensure-ascii"

EXAMPLES: list[tuple[str, str, str]] = [
    ("Health", "", f"curl -s {SHOWN}/healthz"),
    ("Submit a report", "Plain text (the charset comes from the header, else it is detected); 201 and a Location:",
     f"curl -s -i -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' "
     "--data-binary @../shared/corpus/ewenki-2020.txt"),
    ("", "The same bytes again: 200 and the same report, never a duplicate:",
     f"curl -s -o /dev/null -D - -X POST {SHOWN}/reports {POST} "
     "-H 'Content-Type: text/plain' --data-binary @../shared/corpus/ewenki-2020.txt | grep -iE '^(HTTP|location)'"),
    ("", "HTML (here GB2312-encoded, declared in its meta tag), with where it was published:",
     f"curl -s -X POST '{SHOWN}/reports?source_url=http://www.ewenke.gov.cn/' {POST} -H 'Content-Type: text/html' "
     f"--data-binary @../shared/corpus/ewenki-2020.page.html | {PRETTY} | head -4"),
    ("", "JSON, `{\"text\": …, \"source_url\": …}`:",
     "python3 -c 'import json; print(json.dumps({\"text\": open(\"../shared/corpus/ewenki-2020.markdown.md\").read(), "
     "\"source_url\": \"http://www.ewenke.gov.cn/\"}))' | "
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: application/json' --data-binary @- | {PRETTY} | head -4"),
    ("List reports", "Filters `year`, `region` (code prefix), `agency` (substring), `template`, `status`; "
     "`limit` (1–500, default 50); follow `next` (also a `Link` header):",
     f"curl -s '{SHOWN}/reports?region=1507&year=2020&limit=2' | {PRETTY} | grep -E '\"(id|agency|next)\"'"),
    ("One report", "", f"curl -s {SHOWN}/reports/1 | {PRETTY}"),
    ("Figures", "Every figure with its unit, section and source (line number in `/text`, span, the line); "
     "`prefix` narrows:",
     f"curl -s '{SHOWN}/reports/1/figures?prefix=active.permit.' | {PRETTY}"),
    ("Sections", "Typed objects; `null` where the report lacks the figure.",
     f"curl -s {SHOWN}/reports/1/active | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/permits | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/fees | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/procurement | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/review-litigation | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/media-accounts | {PRETTY} --compact"),
    ("", "", f"curl -s {SHOWN}/reports/1/publishing | {PRETTY} --compact"),
    ("", "Section 三 as rows × applicant columns (group totals included), and the application channels; "
     "here the columns and the first rows:",
     f"curl -s {SHOWN}/reports/1/applications | python3 -c 'import json, sys; d = json.load(sys.stdin); "
     "print(json.dumps(d[\"columns\"][:2], ensure_ascii=False)); "
     "[print(json.dumps(r, ensure_ascii=False)) for r in d[\"rows\"][:6]]; print(json.dumps(d[\"channels\"]))'"),
    ("Findings", "What the template's own checks found (none for the seed):",
     f"curl -s {SHOWN}/reports/1/findings"),
    ("Text", "`original` (default) is the decoded document the figures' line numbers refer to; "
     "`normalized` the simplified copy the parser matched on:",
     f"curl -s {SHOWN}/reports/1/text | sed -n 40p"),
    ("", "", f"curl -s '{SHOWN}/reports/1/text?form=normalized' | sed -n 40p"),
    ("Errors", "Always `application/problem+json` with a stable `code`:",
     f"curl -s {SHOWN}/reports/99"),
    ("", "", f"curl -s -X POST {SHOWN}/reports -H 'Content-Type: text/plain' --data-binary @../shared/corpus/ewenki-2020.txt"),
    ("", "", f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: application/pdf' --data-binary @../shared/corpus/huaian-2024.pdf"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def render(port: int) -> str:
    out: list[str] = []
    for heading, text, command in EXAMPLES:
        if heading:
            out.append(f"### {heading}\n")
        if text:
            out.append(f"{text}\n")
        run = subprocess.run(["bash", "-c", command.replace(SHOWN, f"127.0.0.1:{port}")], cwd=REPO,
                             capture_output=True, text=True, timeout=60)
        output = run.stdout.replace(f"127.0.0.1:{port}", SHOWN).replace("\r", "")
        if not output.endswith("\n"):
            output += "\n"
        out.append(f"```console\n$ {command}\n{output}```\n")
    return "\n".join(out)


def main() -> int:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/readme.db", "DISCLOSURE_API_KEYS": KEY}
        server = subprocess.Popen([Path(sys.executable).with_name("disclosure"), "serve", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            examples = render(port)
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{examples}{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
