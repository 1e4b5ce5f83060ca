"""Report metadata: title, agency, year covered, publication date, source URL, website code.
Read from a crawler header (标题: / 发布时间: / 原文链接:), the title line, the statistics
period (统计期限自2021年1月1日…, which wins over the title's year), the first paragraph and the
website footer (网站标识码).

    标题：鄂温克族自治旗2020年政府信息公开工作年度报告 / … / 网站标识码：1507240004
    -> Meta(title=…, agency="鄂温克族自治旗", year=2020, site_code="1507240004", …)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.parsing.tolerances import TOLERANCES

_HEADER = re.compile(r"^\s*(标题|发布时间|发布日期|成文日期|原文链接|来源链接|链接|发布机构|来源|网址)\s*[:：]\s*(.*?)\s*$")
_TITLE = re.compile(
    r"(?P<agency>[\u4e00-\u9fff（）()·]{2,40}?)\s*[（(]?\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*[）)]?\s*"
    r"(?:的)?(?:政府)?(?:信息公开|政务公开|政府信息公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_TITLE_YEAR_FIRST = re.compile(
    r"^(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<agency>[\u4e00-\u9fff（）()·]{2,40}?(?:人民政府|管理委员会|管委会|"
    r"委员会|局|厅|委|办公室|办|院|署|中心|会))(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?(?:报告|年报)"
)
_YEAR_TITLE = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:的)?(?:政府)?信息公开(?:工作)?年度?报告")
_PERIOD = re.compile(r"统计[^。\n]{0,8}?(?:期限|时限|时间|区间|范围|时段|周期)[^。\n]{0,12}?(?P<year>(?:19|20)\d{2})\s*年"
                     r"\s*0?1\s*月\s*0?1\s*日")
# the period's end alone: 统计截止时间为2022年12月31日, 数据统计截至2022年12月31日
_PERIOD_END = re.compile(r"统计[^。\n]{0,8}?截[止至][^。\n]{0,8}?(?P<year>(?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")
# years and dates in Chinese numerals (二〇二〇年, 一月一日, 十二月三十一日), read as digits
_CN_DIGIT = dict(zip("〇零○一二三四五六七八九", "000123456789"))
_CN_YEAR = re.compile(r"[〇零○一二三四五六七八九]{4}(?=\s*年)")
_CN_MONTH_DAY = re.compile(r"(?<=[年月至到\d])([一二三四五六七八九十]{1,3})(?=[月日号])")
_SITE_CODE = re.compile(r"网站标识码\s*[:：]?\s*(?P<code>\d{10}|bm\d{8})", re.I)
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-年/.]\s*(?P<m>\d{1,2})\s*[-月/.]\s*(?P<d>\d{1,2})\s*日?")
_URL = re.compile(r"https?://\S+")
# a body named at the start of a sentence; a bare 办 only where no word goes on (办事, 办理, 办法,
# 办结, 办件, 办公: "压缩企业办事时间" names no body)
_AGENCY_IN_PROSE = re.compile(
    r"(?P<agency>[\u4e00-\u9fff]{2,30}?(?:人民政府(?:办公室|办公厅)?|管理委员会|管委会|委员会|综合实验区|局|厅|委|办公室|中心|"
    r"办(?![事理法结件公])))"
)
# what follows a report's name in a sentence, never in a title: a comma and more words
_SENTENCE_GOES_ON = re.compile(r"[，,、；;]\s*[\u4e00-\u9fff]")
_AGENCY_LEAD = re.compile(r"^(?:(?:19|20)\d{2}\s*年度?\s*[,，、]?\s*)?(?:我|本)?")
_AGENCY_STOP = ("根据", "依据", "按照", "深入", "认真", "坚持", "全面", "为", "以", "在", "紧紧", "严格")


@dataclass(slots=True)
class Meta:
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published_at: str | None = None
    source_url: str | None = None
    site_code: str | None = None


def _iso(m: re.Match[str]) -> str | None:
    y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def _clean_agency(name: str) -> str:
    name = re.sub(r"^[#\s]+", "", name)
    name = re.sub(r"^(?:关于)?(?:印发|公布|发布)?", "", name)
    return name.strip("（）() ·")


def _cn_number(s: str) -> str:
    """一 → 1, 十二 → 12, 三十一 → 31, 二十 → 20."""
    if "十" not in s:
        return "".join(_CN_DIGIT[ch] for ch in s)
    tens, _, ones = s.partition("十")
    return str((int(_CN_DIGIT[tens]) if tens else 1) * 10 + (int(_CN_DIGIT[ones]) if ones else 0))


def cn_dates(s: str) -> str:
    """Years, months and days in Chinese numerals as digits: 二〇二〇年一月一日 → 2020年1月1日."""
    if not any(ch in s for ch in "〇零○"):
        return s  # no year in Chinese numerals (二〇…), the common case: nothing to read
    s = _CN_YEAR.sub(lambda m: "".join(_CN_DIGIT[ch] for ch in m.group(0)), s)
    return _CN_MONTH_DAY.sub(lambda m: _cn_number(m.group(1)), s)


def read_meta(lines: list[str], text: str | None = None) -> Meta:
    """The metadata of the normalised `lines` (`text`: the same lines joined, when the
    caller has them)."""
    meta = Meta()
    head = lines[:TOLERANCES.head_lines]
    _read_header(head, meta)
    _read_title(_title_candidates(head, meta.title), meta)
    flat = cn_dates(re.sub(r"\s+", "", "\n".join(lines[:TOLERANCES.period_lines])))
    p = _PERIOD.search(flat) or _PERIOD_END.search(flat)
    if p:  # the statistics period wins over the title
        meta.year = int(p.group("year"))
    if meta.year is None:
        y = _YEAR_TITLE.search(flat)
        if y:
            meta.year = int(y.group("year"))
    if meta.agency is None:
        meta.agency = _agency_from_prose(lines)
    s = _SITE_CODE.search(text if text is not None else "\n".join(lines))
    if s:
        meta.site_code = s.group("code")
    if meta.published_at is None:
        meta.published_at = _signature_date(lines)
    return meta


def _read_header(head: list[str], meta: Meta) -> None:
    """A crawler's header lines: 标题：…, 发布时间：…, 原文链接：…"""
    for line in head:
        m = _HEADER.match(line)
        if not m:
            continue
        field, value = m.group(1), m.group(2)
        if field == "标题" and value:
            meta.title = value
        elif field in ("发布时间", "发布日期", "成文日期") and value:
            d = _DATE.search(value)
            if d and meta.published_at is None:
                meta.published_at = _iso(d)
        elif field in ("原文链接", "来源链接", "链接", "网址"):
            u = _URL.search(value)
            if u:
                meta.source_url = u.group(0)


def _title_candidates(head: list[str], crawler_title: str | None) -> list[str]:
    """The crawler's title, then every line of the head that reads like one."""
    tol = TOLERANCES
    candidates = [crawler_title] if crawler_title else []
    for i, line in enumerate(head):
        s = line.strip().lstrip("#").strip()
        if len(s) > tol.title_len and not any(p.strip() for p in head[:i]):
            # the whole text run together on a line (a PDF extraction that keeps no line
            # breaks): the title is its head, up to the first 报告
            s = re.sub(r"^[-—–]\s*\d{1,4}\s*[-—–]\s*", "", s)  # its first page's number
            end = s.find("报告", 0, tol.title_len)
            if end > 0:
                candidates.append(s[:end + 2])
            continue
        if not s or len(s) > tol.title_len:
            continue
        if "报告" in s or "年报" in s:
            # a title may be broken over two lines: 淮安市人民政府 / 2024 年政府信息公开工作年度报告
            prev = next((p.strip().lstrip("#").strip() for p in reversed(head[:i]) if p.strip()), "")
            if prev and len(prev) <= tol.title_first_line_len and not re.search(r"[，。,:：]", prev) \
                    and _YEAR_TITLE.match(cn_dates(s)):
                candidates.append(prev + s)
            candidates.append(s)
    return candidates


def _read_title(candidates: list[str], meta: Meta) -> None:
    """Title, year and agency from the first candidate that reads as a report's title; the
    year alone from one that names only the year. A line of the text (not the crawler's
    title) that goes on past the report's name as a sentence (…年度报告，年度报告中所列…) is
    prose wrapped onto a line of its own, whose start is the middle of a name, not a title;
    nor is one that cites a notice by its name (_named_body)."""
    crawler_title = meta.title
    for c in candidates:
        flat_c = cn_dates(c.replace(" ", ""))  # 二〇二〇年度 read as 2020年度; the title kept as written
        m = _TITLE_YEAR_FIRST.search(flat_c) or _TITLE.search(flat_c)
        if m and m.start() > 0 and flat_c[m.start() - 1] in "，,。；;":
            m = None  # a sentence that names the report (…要求，现公布XX2020年…年度报告，), not a title
        elif m and c != crawler_title and _SENTENCE_GOES_ON.match(flat_c, m.end()):
            m = None
        name = _named_body(m.group("agency")) if m else None
        if m and name is None:
            m = None  # a notice cited by name (…管委会办公室关于编制公布2021年…年度报告有关事项的通知), not a title
        if m:
            meta.title = meta.title or c
            meta.year = int(m.group("year"))
            agency = _clean_agency(name or "")
            if agency and not re.fullmatch(r"[关于的]+", agency):
                meta.agency = agency
            return
        if meta.year is None:
            y = _YEAR_TITLE.search(cn_dates(c.replace(" ", "")))
            if y:
                meta.year = int(y.group("year"))


def _named_body(name: str) -> str | None:
    """The body a title's name part names, or None when it names a notice instead. A page's
    navigation run into the title (…政府信息公开平潭综合实验区经济发展局政府信息公开年报平潭综合实验区
    经济发展局2019年…): what follows the last report word. An office's notice that publishes the
    report (安吉县人民政府办公室关于印发安吉县2021年…报告的通知): the body after 关于印发 / 公布 / 发布.
    A notice the report cites (…办公室关于编制公布2021年…年度报告有关事项的通知): None."""
    name = re.split(r"年报|报告", name)[-1]
    rest = re.sub(r"^[#\s]*关于", "", name)
    if "关于" not in rest:
        return name
    tail = re.sub(r"^(?:印发|公布|发布)", "", rest.rsplit("关于", 1)[1])
    return None if len(tail) < 2 or tail.startswith(_NOTICE_VERBS) else tail


_NOTICE_VERBS = ("编制", "做好", "报送", "开展", "公开", "印发", "公布", "发布", "组织", "加强", "进一步")


def _agency_from_prose(lines: list[str]) -> str | None:
    for line in lines[:TOLERANCES.agency_lines]:
        s = line.strip()
        if len(s) < TOLERANCES.agency_line_len:
            continue
        s = _AGENCY_LEAD.sub("", re.sub(r"^\s*(?:19|20)\d{2}\s*年度?\s*[,，、]\s*", "", s))
        m = _AGENCY_IN_PROSE.match(s)
        if m and not m.group("agency").startswith(_AGENCY_STOP):
            return m.group("agency")
        m = re.search(r"现(?:将|公布|予以公布)([\u4e00-\u9fff]{2,30}?(?:人民政府|管委会|委员会|局|厅))", s)
        if m:
            return m.group(1)
    return None


def _signature_date(lines: list[str]) -> str | None:
    """A date standing alone on a line, near the title or at the end (the signature)."""
    n = TOLERANCES.signature_lines
    lo, hi = TOLERANCES.signature_len
    for line in lines[:n] + lines[-n:]:
        s = line.strip().strip("()（）")
        if lo <= len(s) <= hi:
            m = _DATE.fullmatch(s.replace(" ", ""))
            if m:
                return _iso(m)
    return None
