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
SUMMARY = ("python3 -c 'import json, sys; r = json.load(sys.stdin); "
           "print(r[\"id\"], r[\"year\"], r[\"agency\"], r[\"region_code\"], r[\"level\"], r[\"template\"])'")
STATS = ("python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[\"keys\"], d[\"by\"]); "
         "[print(json.dumps(s, ensure_ascii=False)) for s in d[\"stats\"]]'")
CHANGES = ("python3 -c 'import json, sys; d = json.load(sys.stdin); "
           "[print(c[\"change_seq\"], c[\"id\"], c[\"change\"], c[\"agency\"]) for c in d[\"data\"]]; "
           "print(\"cursor\", d[\"cursor\"], \"next\", d[\"next\"])'")

EXAMPLES: list[tuple[str, str, str]] = [
    ("Health", "", f"curl -s {SHOWN}/healthz"),
    ("Where everything is", "`GET /` links to the collections, the figure catalogue and the documentation:",
     f"curl -s {SHOWN}/ | {PRETTY}"),
    ("Figure catalogue", "Every figure key a report can have, read from the parser's templates: its Chinese "
     "label (row / column as the template prints them), unit, section and templates; `template=` and "
     "`section=` narrow it, `format=csv|ndjson` as for the lists (docs/FIGURES.md explains the keys):",
     f"curl -s '{SHOWN}/catalogue?template=2021&section=active' | python3 -c 'import json, sys; "
     "[print(json.dumps(e, ensure_ascii=False)) for e in json.load(sys.stdin)[\"data\"]]'"),
    ("", "", f"curl -s '{SHOWN}/catalogue?section=review_litigation&format=csv' | head -4"),
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
    ("", "`source_url` must be an absolute http(s) URL (it is shown as a link):",
     f"curl -s -X POST '{SHOWN}/reports?source_url=javascript:alert(1)' {POST} -H 'Content-Type: text/plain' "
     "--data-binary @../shared/corpus/ewenki-2020.txt"),
    ("", "A URL to fetch written without its scheme is refused with the form to send:",
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: application/json' "
     "-d '{\"url\": \"www.example.gov.cn/2020/report.html\"}' | python3 -c 'import json, sys; "
     "print(json.load(sys.stdin)[\"detail\"])'"),
    ("List reports", "Filters `year` (`2020`, `2019,2021`, `2019-2021`), `region` (code or prefix), `agency` "
     "(substring), `template`, `status`, `level`, `on_time`; `sort` (`id`, `year`, `agency`, `region`, "
     "`published_at`, `-` for descending); `limit` (1–500, default 50); follow `next` (also a `Link` header):",
     f"curl -s '{SHOWN}/reports?region=1507&year=2020&limit=2' | {PRETTY} | grep -E '\"(id|agency|next)\"'"),
    ("", "Chinese in the URL as people type it (raw UTF-8: the server reads it as if percent-encoded), or "
     "percent-encoded by curl with `-G --data-urlencode`; bytes that are not UTF-8 are a `400 url_not_utf8`:",
     f"curl -s '{SHOWN}/reports?agency=鄂温克&limit=1' | {PRETTY} | grep -E '\"(id|agency)\"'"),
    ("", "", f"curl -s -G {SHOWN}/reports --data-urlencode 'agency=鄂温克' -d limit=1 | {PRETTY} | "
             "grep -E '\"(id|agency)\"'"),
    ("One report", "", f"curl -s {SHOWN}/reports/1 | {PRETTY}"),
    ("Figures", "Every figure with its unit, section and source (line number in `/text`, span, the line); "
     "`prefix` narrows:",
     f"curl -s '{SHOWN}/reports/1/figures?prefix=active.permit.' | {PRETTY}"),
    ("", "`format=csv` (UTF-8 with a BOM, for spreadsheets) or `format=ndjson`; `/findings` too:",
     f"curl -s '{SHOWN}/reports/1/figures?prefix=active.permit.&format=csv'"),
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
    # ----- across reports (issue 4)
    ("Across reports", "Three more reports for the queries below (2021 template), and a second year of the seed's "
     "body (for the example: its text with the year and two figures changed):",
     "for f in huaian-2024.txt shuyang-2025.txt pingtan-2024.txt; do "
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' --data-binary @../shared/corpus/$f | "
     f"{SUMMARY}; done; "
     "sed 's/2020/2021/g; s/41505/43210/; s/| 743 |/| 802 |/' ../shared/corpus/ewenki-2020.txt | "
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' --data-binary @- | {SUMMARY}"),
    ("Regions", "A division of the bundled GB/T 2260 table: its report count (its own bodies' and those of every "
     "division under it), ancestors and children (here the first three):",
     f"curl -s {SHOWN}/regions/150700 | python3 -c 'import json, sys; d = json.load(sys.stdin); "
     "kids = d.pop(\"children\"); print(json.dumps(d, ensure_ascii=False, indent=2)); "
     "[print(json.dumps(k, ensure_ascii=False)) for k in kids[:3]]'"),
    ("", "`parent=` lists the divisions under one (provinces without it), `level=` and `q=` (part of the name) "
     "search the table; every report filter takes `region=` as a code or a prefix on the significant digits "
     "(`32` = `320000` = 江苏省 and all under it, `3208` = `320800` = 淮安市 and its counties):",
     f"curl -s -G {SHOWN}/regions --data-urlencode q=淮安 | {PRETTY} --compact"),
    ("Figures across reports", "One row per (report, key), one indexed query. `key` repeats; `key=active.permit` "
     "names the key and everything below it, `key=applications.denied.` is a plain prefix; `year` takes one, a "
     "list or a range; `sort` by `report`, `year`, `region`, `agency`, `key`, `value` (`-` descending):",
     f"curl -s '{SHOWN}/figures?key=active.permit.decisions&year=2020-2025&region=15,32&limit=3' | {PRETTY}"),
    ("", "Every row at once as CSV (UTF-8 with a BOM, for spreadsheets; `Accept: text/csv` works too):",
     f"curl -s '{SHOWN}/figures?key=active.permit.decisions&format=csv'"),
    ("", "or as NDJSON, one object a line (`format=ndjson` or `Accept: application/x-ndjson`):",
     f"curl -s -H 'Accept: application/x-ndjson' '{SHOWN}/figures?key=active.fees.amount_wan'"),
    ("Statistics", "Per key and group: count, sum, min, max, mean, and coverage; `by` = `province`, `city`, "
     "`county` (the division the report's region rolls up to), `year`, `template`, `level`, or two or three of "
     "them (`by=province,year`):",
     f"curl -s '{SHOWN}/stats?key=active.permit.decisions&by=province' | {STATS}"),
    ("", "A key counts only the reports whose template defines it: `active.normative_docs.total` is the 2019 "
     "template's (2021 has `in_force`), so the 2021-template reports are not in its scope; a report without "
     "the figure lowers the coverage. `exact=true` leaves out figures not read exactly as printed — pingtan's "
     "`repealed` is inferred (its row's digits run together in the text; the split chosen by the report's "
     "prose and the measured priors, flagged `inferred`) — so here it lowers the coverage too:",
     f"curl -s '{SHOWN}/stats?key=active.normative_docs.total&key=active.normative_docs.repealed&by=year"
     f"&exact=true' | {STATS}"),
    ("", "The figures themselves say how each was read (`flags`), and `exact=true` works on every figure "
     "endpoint:",
     f"curl -s '{SHOWN}/figures?key=active.normative_docs.repealed&format=csv'; "
     f"curl -s '{SHOWN}/figures?key=active.normative_docs.repealed&format=csv&exact=true'"),
    ("Year over year", "`with=previous` (default): the same body's report for the year before; `with=<id>` any "
     "other; per key both values and the change:",
     f"curl -s '{SHOWN}/reports/5/compare?prefix=active.pe' | python3 -c 'import json, sys; d = json.load(sys.stdin); "
     "print(d[\"basis\"], d[\"report\"], d[\"other\"]); "
     "[print(json.dumps(r, ensure_ascii=False)) for r in d[\"figures\"]]'"),
    ("Lists that scale", "Every list: `sort`, an opaque `cursor` (from `next`, also in the `Link` header), "
     "`count=true` for the exact total, `format=csv|ndjson` for every row at once:",
     f"curl -s -o /dev/null -D - '{SHOWN}/reports?sort=-year&limit=2&count=true' | grep -iE '^(link|vary):'"),
    ("", "", f"curl -s '{SHOWN}/reports?sort=-year&limit=2&count=true' | python3 -c 'import json, sys; "
     "d = json.load(sys.stdin); print([(r[\"id\"], r[\"year\"]) for r in d[\"data\"]], d[\"total\"], d[\"next\"])'"),
    ("Polling", "Every GET answers with a strong `ETag` and `Cache-Control: no-cache`, report resources with "
     "`Last-Modified` too:",
     f"curl -s -o /dev/null -D - {SHOWN}/reports/1 | grep -iE '^(etag|cache-control|last-modified):'"),
    ("", "Sent back in `If-None-Match`, the ETag gets `304 Not Modified` and no body while nothing changed "
     "(lists and queries stamp their ETag from the data version, so this costs one small query):",
     f"etag=$(curl -s -o /dev/null -D - '{SHOWN}/stats?key=active.permit.decisions&by=city' | sed -n 's/^etag: //Ip' "
     f"| tr -d '\\r'); curl -s -o /dev/null -w '%{{http_code}}\\n' -H \"If-None-Match: $etag\" "
     f"'{SHOWN}/stats?key=active.permit.decisions&by=city'"),
    ("", "`/changes` lists the reports created, revised, re-parsed or removed (see Deleting a document) after a cursor, oldest change first, with the "
     "`cursor` to send as `since` next time (filters apply: `region=1507` polls one city):",
     f"curl -s '{SHOWN}/changes?limit=3' | {CHANGES}"),
    ("", "After a re-parse of report 4, only it:",
     f"cursor=$(curl -s '{SHOWN}/changes' | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"cursor\"])'); "
     f"curl -s -o /dev/null -X POST {SHOWN}/reports/4/reparse {POST}; curl -s \"{SHOWN}/changes?since=$cursor\" | {CHANGES}"),
    ("Timeliness", "`deadline` (31 January of the next year for departments, 31 March for governments) and "
     "`on_time` on every report, and the filter `on_time=true|false`:",
     f"curl -s '{SHOWN}/reports?on_time=true' | python3 -c 'import json, sys; "
     "[print(r[\"id\"], r[\"agency\"], r[\"level\"], r[\"published_at\"], r[\"deadline\"], r[\"on_time\"]) "
     "for r in json.load(sys.stdin)[\"data\"]]'"),
    ("Browsers", "CORS on reads (origins from `DISCLOSURE_CORS_ORIGINS`, default `*`), with `ETag`, `Link` and "
     "`Last-Modified` readable by scripts:",
     f"curl -s -o /dev/null -D - -H 'Origin: https://example.org' {SHOWN}/regions/150700 | grep -i '^access-control'"),
    ("", "`/docs` (Swagger UI) and `/redoc` load their scripts and styles from the service itself, no CDN:",
     f"curl -s {SHOWN}/docs | grep -oE '(src|href)=\"[^\"]*\"'"),
    ("", "Security headers on every answer; `/docs` and `/redoc` send a policy of their own that lets their "
     "scripts run (see \"Security headers\" below):",
     f"curl -s -o /dev/null -D - {SHOWN}/reports/1 | grep -iE '^(content-security-policy|x-content-type-options|"
     "x-frame-options|referrer-policy):'"),
    # ----- the published files (issue 11): after the queries above, so that their documents are 8 and 9
    ("PDF and Word", "The published PDF as it is (a PDF is known by its bytes, whatever the Content-Type): "
     "every figure, the same metadata as its text copy — so it joins that report (淮安 2024, report 2) as "
     "another of its documents, a `copy` whose figures agree:",
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: application/pdf' "
     f"--data-binary @../shared/corpus/huaian-2024.pdf | python3 -c 'import json, sys; r = json.load(sys.stdin); "
     "print(r[\"id\"], r[\"submission\"], \"document\", r[\"document_id\"], r[\"status\"], r[\"figure_count\"], "
     "r[\"year\"], r[\"agency\"], r[\"region_code\"], r[\"template\"])'"),
    ("", "The document's own parse (`/documents/{id}`) says where on which page each figure stands: `page`, and "
     "`box` = `[x0, top, x1, bottom]` in PDF points from the page's top-left corner; its line is the table row "
     "as read from the page:",
     f"curl -s {SHOWN}/documents/8 | python3 -c 'import json, sys; d = json.load(sys.stdin); "
     "print(json.dumps([f for f in d[\"parse\"][\"figures\"] if f[\"key\"].startswith(\"active.permit.\")], "
     "ensure_ascii=False, indent=1))'"),
    ("", "The original file back, as received, with its content type and its SHA-256 as ETag:",
     f"curl -s -o /dev/null -D - {SHOWN}/documents/8/content | grep -iE '^(content-type|content-length|etag):'"),
    ("", "A Word .docx (here the seed's Word copy, as the tests make it):",
     ".venv/bin/python tests/documents.py ewenki-2020 > /tmp/ewenki-2020.docx && "
     f"curl -s -X POST {SHOWN}/reports {POST} -H "
     "'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document' "
     f"--data-binary @/tmp/ewenki-2020.docx | {SUMMARY}"),
    ("", "A PDF of pictures with no text on them (here two ruled pages, only a page number each) is\n"
     "kept, `failed`, with a finding naming its pages (a scanned report is read by OCR instead):",
     ".venv/bin/python -c 'import sys; sys.path.insert(0, \"tests\"); import documents; "
     "sys.stdout.buffer.write(documents.image_only_pdf(2))' | "
     f"curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: application/pdf' --data-binary @- | "
     "python3 -c 'import json, sys; r = json.load(sys.stdin); print(r[\"id\"], r[\"status\"])' && "
     f"curl -s {SHOWN}/reports/6/findings | python3 -c 'import json, sys; "
     "print(json.load(sys.stdin)[\"findings\"][0][\"message\"])'"),
    # ----- indicators and cross-year checks (issue 15): the unlabelled series, reports 7–14
    ("Indicators", "Two bodies' consecutive reports from the unlabelled corpus: 经济发展局 2019–2023 (both "
     "templates) and 君山片区管理局 2023–2025:",
     "for f in jingfa-2019 jingfa-2020 jingfa-2021 jingfa-2022 jingfa-2023 junshan-2023 junshan-2024 junshan-2025; "
     f"do curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' "
     f"--data-binary @../shared/corpus/unlabelled/pingtan-$f.txt | {SUMMARY}; done"),
    ("", "The dictionary: each indicator's id, names, formula over catalogue keys, unit and caveats (here the "
     "first and the formulas of the rest):",
     f"curl -s {SHOWN}/indicators | python3 -c 'import json, sys; d = json.load(sys.stdin)[\"indicators\"]; "
     "print(json.dumps(d[0], ensure_ascii=False, indent=2)); [print(i[\"id\"], i[\"name_zh\"], i[\"formula\"]) "
     "for i in d[1:]]'"),
    ("", "One report's indicators: value, numerator, denominator, or null with the reason; `exact` is false when "
     "a figure used was repaired from run-together digits; `new_applications_change` is against the same body's "
     "previous year:",
     f"curl -s {SHOWN}/reports/13/indicators | python3 -c 'import json, sys; "
     "[print(json.dumps(i, ensure_ascii=False)) for i in json.load(sys.stdin)[\"indicators\"]]'"),
    ("", "`/stats?indicator=` per group: the sums of the numerators and of the denominators over the reports that "
     "have both sides (`count` of them), and their ratio — never a mean of the reports' ratios:",
     f"curl -s '{SHOWN}/stats?indicator=disclosure_rate&indicator=unable_rate&by=template' | python3 -c "
     "'import json, sys; [print(json.dumps(s, ensure_ascii=False)) for s in json.load(sys.stdin)[\"indicator_stats\"]]'"),
    ("", "`/figures?indicator=`: the value per report, in any `/figures` order, CSV and NDJSON too:",
     f"curl -s '{SHOWN}/figures?indicator=disclosure_rate&sort=-value&format=csv'"),
    ("Cross-year checks", "Against the same body's reports of the year before and after: the carry-over (both "
     "templates and across the change), `in_force` (2021), `prev_items` (2019), each `holds` / `fails` / `unknown` "
     "with both values and the other report; 经济发展局 2022 (`format=csv|ndjson`: one row per check):",
     f"curl -s '{SHOWN}/reports/10/checks?format=csv'"),
    ("", "Across the template change (经济发展局 2021 against 2020) only the carry-over applies; the first year of "
     "a series has no previous report (unknown):",
     f"curl -s {SHOWN}/reports/9/checks | python3 -c 'import json, sys; d = json.load(sys.stdin); "
     "print(d[\"previous_report_id\"], d[\"next_report_id\"], d[\"summary\"]); "
     "[print(c[\"direction\"], c[\"check\"], c[\"verdict\"], c[\"left\"], c[\"right\"], c[\"reason\"]) "
     "for c in d[\"checks\"]]'"),
    ("", "", f"curl -s {SHOWN}/reports/7/checks | python3 -c 'import json, sys; d = json.load(sys.stdin); "
             "[print(c[\"direction\"], c[\"check\"], c[\"verdict\"], c[\"reason\"]) for c in d[\"checks\"]]'"),
    ("", "Quality signals: completeness (the template's table cells present, sections without a figure), "
     "timeliness, `copied_from_previous` (every figure and most sentences equal to the year before), "
     "year-over-year jumps (×10 or more, the larger at least 20, both read exactly):",
     f"curl -s {SHOWN}/reports/14/checks | python3 -c 'import json, sys; "
     "print(json.dumps(json.load(sys.stdin)[\"signals\"], ensure_ascii=False, indent=1))'"),
    ("", "An evaluator's list: every report of a region that fails a cross-year check (`checks=fails`; also "
     "`holds`, `unknown`, and `copied=true|false`), with its verdict counts — here 平潭 (3501 covers its "
     "bodies), in CSV (it begins with a byte-order mark, for spreadsheets):",
     f"curl -s '{SHOWN}/reports?region=3501&checks=fails&sort=year&format=csv' | python3 -c 'import csv; "
     "[print(r[\"id\"], r[\"year\"], r[\"agency\"], r[\"checks_failing\"], r[\"checks_holding\"], r[\"checks_unknown\"]) "
     "for r in csv.DictReader(open(0, encoding=\"utf-8-sig\"))]'"),
    ("Corrections", "A person may state a figure's value, with the reason (write key): it is served everywhere "
     "— figures, CSV, sections, `/figures`, `/stats`, checks, indicators — with the flag `corrected`, the parser's "
     "reading beside it and who (the key's label: `label=KEY` in `DISCLOSURE_API_KEYS`, else `key-` and 8 hex "
     "digits of its SHA-256; never the key), when and why. It survives re-parses and moves the report in "
     "`/changes`; 201 for a figure's first correction, 200 when it replaces one; the key must be of the "
     "catalogue and of the report's template, the value an integer (decimals for amounts in 万元):",
     f"curl -s -X PUT {SHOWN}/reports/1/figures/applications.new_received.total {POST} "
     "-H 'Content-Type: application/json' -d '{\"value\": 13, \"reason\": \"an example: a reviewer states the value "
     f"read in the published original\"}}' | {PRETTY}"),
    ("", "`DELETE` withdraws it (the parser's value is served again); `/corrections` keeps the history:",
     f"curl -s -o /dev/null -w '%{{http_code}}\\n' -X DELETE {SHOWN}/reports/1/figures/applications.new_received.total "
     f"{POST}; curl -s {SHOWN}/reports/1/corrections | {PRETTY}"),
    ("Deleting a document", "A mistaken submission goes with `DELETE /documents/{id}` (write key): its report "
     "is reconciled again from the documents left — figures, findings, cross-year checks and `/stats` follow — and "
     "moves in `/changes`. Here another layout of report 1 is posted (it joins report 1 as a copy) and deleted:",
     f"doc=$(curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' --data-binary "
     "@../shared/corpus/ewenki-2020.cells.txt | python3 -c 'import json, sys; r = json.load(sys.stdin); "
     "print(r[\"document_id\"])'); "
     f"curl -s -X DELETE {SHOWN}/documents/$doc {POST} | {PRETTY}; "
     f"curl -s -o /dev/null -w '%{{http_code}}\\n' {SHOWN}/documents/$doc"),
    ("", "With its last document the report itself goes: its URL answers 410, and `/changes` lists it as "
     "`removed`, with the region, year and body it had (filters by region or year still find it), so that a "
     "poller drops it; the same bytes may be sent again later:",
     f"cursor=$(curl -s {SHOWN}/changes | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"cursor\"])'); "
     f"r=$(curl -s -X POST {SHOWN}/reports {POST} -H 'Content-Type: text/plain' --data-binary "
     "@../shared/corpus/unlabelled/pingtan-touzi-2024.txt); "
     "rid=$(echo \"$r\" | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"id\"])'); "
     "doc=$(echo \"$r\" | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"document_id\"])'); "
     f"curl -s -X DELETE {SHOWN}/documents/$doc {POST}; echo; curl -s {SHOWN}/reports/$rid; echo; "
     f"curl -s \"{SHOWN}/changes?since=$cursor&region=3501\" | python3 -c 'import json, sys; "
     "[print(json.dumps({k: c[k] for k in (\"change_seq\", \"id\", \"change\", \"reason\", \"year\", "
     "\"region_code\", \"agency\")}, ensure_ascii=False)) for c in json.load(sys.stdin)[\"data\"]]'"),
    ("Errors", "Always `application/problem+json` with a stable `code`:",
     f"curl -s {SHOWN}/reports/99"),
    ("", "", f"curl -s -X POST {SHOWN}/reports -H 'Content-Type: text/plain' --data-binary @../shared/corpus/ewenki-2020.txt"),
    ("", "", f"head -c 100000 ../shared/corpus/huaian-2024.pdf | curl -s -X POST {SHOWN}/reports {POST} "
     "-H 'Content-Type: application/pdf' --data-binary @-"),
    ("", "The HTTP layer's refusals too, e.g. a request target over 8 KiB (see Limits and overload):",
     f"curl -s \"{SHOWN}/reports?agency=$(python3 -c 'print(\"a\" * 9000)')\""),
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
        if not output.strip() or run.stderr.strip():
            # an example that prints nothing, or fails on the way, shows the reader nothing true
            raise SystemExit(f"example printed nothing or failed: {command}\n{run.stderr}")
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
