"""Figures stated in the narrative (new-media accounts, website posts, interpretations,
press conferences, …), and numbers the narrative restates of the tables. Patterns are
deliberately narrow: a figure absent is better than a figure wrong. Each pattern is (key,
unit, regex with one group `n`); a key may have several, and its first that matches wins.

    政务新媒体共计12个，其中微信公众号5个   -> media.accounts.total 12, media.accounts.wechat 5
    全年受理政府信息公开申请60件 (the tables: 58 new, 3 carried over: 58 or 61)   -> prose_mismatch
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from dataclasses import dataclass

from app.parsing.findings import Code, finding
from app.parsing.model import Figure, Finding, Source
from app.parsing.normalize import Normalized

_GAP = r"[^。；;！!？?\n]"  # inside one clause, on one line
_WGAP = r"[^。；;！!？?]"  # inside one clause, across hard-wrapped lines
_NUM = r"(?P<n>\d+(?:\.\d+)?)\s*(?P<approx>余|多)?"


@dataclass(frozen=True, slots=True)
class ProsePattern:
    key: str
    unit: str
    regex: re.Pattern[str]
    # words that, in the clause the match starts in or in the match before its number, say it
    # counts other things (关停政务新媒体5个，其中微博2个: closed accounts, not the body's)
    refuse: re.Pattern[str] | None = None


# accounts closed, merged, cleared or opened this year are not the accounts a body has
_NOT_HELD = re.compile(r"关停|关闭|停用|停更|注销|撤销|撤并|合并|整合|清理|清退|下线|迁移|取消|新增|新开|新建|新注册")
_CLAUSE_START = re.compile(r"[。；;！!？?\n，,][^。；;！!？?\n，,]*$")
_LOOKBACK = 40  # characters looked back for the clause a match starts in


def _p(key: str, unit: str, pattern: str) -> ProsePattern:
    return ProsePattern(key, unit, re.compile(pattern), _NOT_HELD if key.startswith("media.accounts.") else None)


def _refused(p: ProsePattern, text: str, m: re.Match[str]) -> bool:
    """Whether the clause of the match, up to its number, says it counts other things."""
    if p.refuse is None:
        return False
    back = text[max(0, m.start() - _LOOKBACK):m.start()]
    cut = _CLAUSE_START.search(back)
    clause = back[cut.start() + 1:] if cut else back
    return p.refuse.search(clause + text[m.start():m.start("n")]) is not None


PATTERNS: tuple[ProsePattern, ...] = (
    _p("media.accounts.total", "个",
       rf"政务新媒体{_WGAP}{{0,24}}?(?:共计|共有|合计|总计|总数|共)\s*{_NUM}\s*个"),
    # 共有/现有 before the noun: the accounts a body has (目前共有政务新媒体账号4个)
    _p("media.accounts.total", "个", rf"(?:共有|现有|共开设|共运营)政务新媒体(?:账号|平台)?\s*{_NUM}\s*个"),
    # without 共: only a body's own accounts (开设/运营/开通 …) whose parts the sentence lists after 其中
    _p("media.accounts.total", "个",
       rf"(?:开设|运营|开通|管理|拥有)政务新媒体(?:账号|平台)?\s*{_NUM}\s*个\s*[,，]?\s*其中"),
    _p("media.accounts.wechat", "个", rf"政务新媒体{_WGAP}{{0,60}}?微信公众号\s*{_NUM}\s*个"),
    _p("media.accounts.weibo", "个", rf"政务新媒体{_WGAP}{{0,80}}?(?:新浪)?微博\s*{_NUM}\s*个"),
    _p("media.accounts.other", "个", rf"政务新媒体{_WGAP}{{0,100}}?微博\s*\d+\s*个\s*[,，、]\s*其他\s*{_NUM}\s*个"),
    # posts of one category (公文类政府信息152条) are not the website's posts: 各类 (all kinds) is
    _p("publishing.website_posts", "条",
       rf"(?:政府|门户)网站{_WGAP}{{0,16}}?(?:发布|公开)(?:(?!(?<!各)类)[^。；;！!？?条（(]){{0,14}}?(?<![\d.])(?<!第){_NUM}\s*条"),
    _p("publishing.weibo_posts", "条", rf"政府微博{_GAP}{{0,8}}?(?:公开|发布){_GAP}{{0,8}}?(?<![\d.]){_NUM}\s*条"),
    _p("publishing.wechat_posts", "条",
       rf"(?:政府|政务)微信(?:公众号)?{_GAP}{{0,8}}?(?:公开|发布|推送){_GAP}{{0,8}}?(?<![\d.]){_NUM}\s*条"),
    _p("publishing.gazette_items", "条", rf"政府公报{_GAP}{{0,8}}?(?:公开|发布){_GAP}{{0,8}}?(?<![\d.]){_NUM}\s*条"),
    _p("publishing.policy_interpretations", "篇",
       rf"(?:发布|制作|开展|推出){_WGAP}{{0,12}}?政策(?:文件)?解读(?:材料|稿件|信息)?\s*(?<![\d.]){_NUM}\s*(?:篇|个|条|件|期)"),
    _p("publishing.press_conferences", "次",
       rf"(?:举办|召开|组织){_WGAP}{{0,240}}?新闻发布会\s*{_NUM}\s*(?:场|次)"),
    _p("publishing.online_interviews", "期", rf"在线访谈(?:活动|节目)?\s*{_NUM}\s*(?:期|次|场)"),
    _p("publishing.consultations", "期", rf"民意征集(?:活动)?\s*{_NUM}\s*(?:期|次)"),
    _p("publishing.letters_answered", "件", rf"答复网上(?:信件|来信|留言)\s*{_NUM}\s*(?:件|封|条)"),
    _p("applications_channel.online", "件", rf"网上申请\s*{_NUM}\s*件"),
    _p("applications_channel.in_person", "件", rf"当面申请\s*{_NUM}\s*件"),
)


@dataclass(frozen=True, slots=True)
class ProseHit:
    key: str
    unit: str
    value: int | float
    approximate: bool
    start: int  # offset of the number in the normalised text
    end: int


def _cut_by_wrap(text: str, start: int, end: int) -> bool:
    """A number at the start or end of a line with digits across the break (…信息4 / 511条)
    may be one number cut by a hard wrap, and one with digits a space away (信息 8 5 1 6 条)
    one number letter-spaced: which, cannot be told."""
    i = start
    while i > 0 and text[i - 1] == " ":
        i -= 1
    if i < start and i > 0 and text[i - 1].isdigit():
        return True  # digits a space before (8 5 1 6 条, letter-spaced or cells): which number, cannot be told
    if i > 0 and text[i - 1] == "\n":
        i -= 1
        while i > 0 and text[i - 1] == " ":
            i -= 1
        if i > 0 and text[i - 1].isdigit():
            return True
    j = end
    while j < len(text) and text[j] == " ":
        j += 1
    if j > end and j < len(text) and text[j].isdigit():
        return True
    if j < len(text) and text[j] == "\n":
        j += 1
        while j < len(text) and text[j] == " ":
            j += 1
        if j < len(text) and text[j].isdigit():
            return True
    return False


def find_prose(text: str) -> list[ProseHit]:
    hits: list[ProseHit] = []
    found: set[str] = set()
    for p in PATTERNS:
        if p.key in found:
            continue  # a key's first pattern that matches wins
        m = p.regex.search(text)
        while m is not None and _refused(p, text, m):
            m = p.regex.search(text, m.start() + 1)  # a later match, maybe in a clause of its own
        if not m or _cut_by_wrap(text, m.start("n"), m.end("n")):
            continue
        raw = m.group("n")
        value: int | float = float(raw) if "." in raw else int(raw)
        hits.append(ProseHit(p.key, p.unit, value, bool(m.group("approx")), m.start("n"), m.end("n")))
        found.add(p.key)
    return hits


def prose_figures(norm: Normalized, text: str, skip: dict[str, Figure]) -> dict[str, Figure]:
    """The narrative's figures (find_prose over `text`, the normalised text) whose keys are
    not in `skip`, each with its source on the text as received."""
    line_starts = [0, *accumulate(len(line) + 1 for line in norm.lines)]
    out: dict[str, Figure] = {}
    for hit in find_prose(text):
        if hit.key in skip:
            continue
        li = bisect.bisect_right(line_starts, hit.start) - 1
        col = hit.start - line_starts[li]
        start, end = norm.original_span(li, col, col + (hit.end - hit.start))
        flags = ("approximate",) if hit.approximate else ()
        out[hit.key] = Figure(key=hit.key, value=hit.value, unit=hit.unit, section=hit.key.split(".")[0],
                              source=Source(li + 1, start, end, norm.original_lines[li]), flags=flags)
    return out


# Table figures the narrative often restates. They never become figures by themselves: they
# choose among the splits of a run-together row that the arithmetic leaves open, and a
# disagreement with the table is reported. Keys are per template.
_HINTS: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    "2019": (
        ("active.normative_docs.new_made", re.compile(rf"(?:制发|制定|出台)(?:行政)?规范性文件\s*{_NUM}\s*件")),
        ("active.rules.new_made", re.compile(rf"(?:制发|制定|出台)(?:政府)?规章\s*{_NUM}\s*件")),
        ("active.procurement.items", re.compile(rf"(?:完成|开展|实施)(?:政府)?(?:集中)?采购项目\s*{_NUM}\s*(?:个|项)")),
    ),
    "2021": (
        ("active.normative_docs.issued", re.compile(rf"(?:制发|制定|出台)(?:行政)?规范性文件\s*{_NUM}\s*件")),
        ("active.rules.issued", re.compile(rf"(?:制发|制定|出台)(?:政府)?规章\s*{_NUM}\s*件")),
    ),
}


def find_hints(text: str, template: str) -> dict[str, int | float]:
    out: dict[str, int | float] = {}
    for key, rx in _HINTS.get(template, ()):
        m = rx.search(text)
        if m and not m.group("approx") and not _cut_by_wrap(text, m.start("n"), m.end("n")):
            raw = m.group("n")
            out[key] = float(raw) if "." in raw else int(raw)
    return out


# Totals the narrative restates, checked against the tables (the tables win). Each is a
# pattern and the alternative sums of figure keys the stated number may mean: reports say
# 受理 for new applications, or for new plus carried over. Applications are counted in 件, or
# in 条 by a report that counts everything so (共收到政府信息公开申请3条); 依申请公开…N条 counts
# the documents given on application, not applications.
_CROSS_CHECKS: tuple[tuple[re.Pattern[str], tuple[tuple[str, ...], ...]], ...] = (
    (re.compile(rf"(?:收到|受理|新收)[^。；;，,\d]{{0,16}}?(?<!依)申请(?!公开)[^。；;，,\d]{{0,8}}?(?<![\d.]){_NUM}\s*[件条]"),
     (("applications.new_received.total",),
      ("applications.new_received.total", "applications.carried_over.total"))),
    (re.compile(rf"办理[^。；;，,\d]{{0,12}}?(?<!依)申请(?!公开)\s*(?<![\d.]){_NUM}\s*[件条]"),
     (("applications.results_total.total",),)),
    (re.compile(rf"(?<!、)行政复议\s*(?<![\d.]){_NUM}\s*(?:件|起)"),
     (("review_litigation.reconsideration.total",),)),
    (re.compile(rf"行政诉讼\s*(?<![\d.]){_NUM}\s*(?:件|起)"),
     (("review_litigation.litigation_direct.total", "review_litigation.litigation_after_reconsideration.total"),)),
)


@dataclass(frozen=True, slots=True)
class Disagreement:
    keys: tuple[str, ...]
    stated: int | float
    table: int | float
    start: int  # offset of the stated number in the normalised text


def cross_check(text: str, figures: dict[str, int | float]) -> list[Disagreement]:
    """Totals the text states that match none of the sums they may mean."""
    out: list[Disagreement] = []
    for rx, alternatives in _CROSS_CHECKS:
        m = rx.search(text)
        if not m or m.group("approx"):
            continue
        raw = m.group("n")
        stated = float(raw) if "." in raw else int(raw)
        sums = [sum(figures[k] for k in alt) for alt in alternatives if all(k in figures for k in alt)]
        if sums and stated not in sums:
            first = next(alt for alt in alternatives if all(k in figures for k in alt))
            out.append(Disagreement(first, stated, sums[0], m.start("n")))
    return out


def prose_disagreements(text: str, figures: dict[str, Figure], hints: dict[str, int | float]) -> list[Finding]:
    """A prose_mismatch finding for each total the text states that no sum of the tables'
    figures it may mean gives (cross_check), and for each hint (find_hints) the table
    contradicts. The tables are kept."""
    out: list[Finding] = []
    for d in cross_check(text, {k: f.value for k, f in figures.items()}):
        out.append(finding(Code.PROSE_MISMATCH, f"The text states {d.stated} where the tables give {d.table} "
                                                f"({' + '.join(d.keys)}); the tables are kept.", d.keys,
                           text.count("\n", 0, d.start) + 1))
    for key, value in hints.items():
        if key in figures and figures[key].value != value:
            source = figures[key].source
            out.append(finding(Code.PROSE_MISMATCH, f"{key}: the table says {figures[key].value}, the text says "
                                                    f"{value}; the table is kept.", (key,),
                               source.line if source else None))
    return out


# What each prose figure counts, in the words reports use (GET /catalogue, app/catalogue.py)
LABELS: dict[str, str] = {
    "media.accounts.total": "政务新媒体账号总数",
    "media.accounts.wechat": "政务新媒体 / 微信公众号",
    "media.accounts.weibo": "政务新媒体 / 微博",
    "media.accounts.other": "政务新媒体 / 其他",
    "publishing.website_posts": "政府网站发布信息",
    "publishing.weibo_posts": "政府微博公开信息",
    "publishing.wechat_posts": "政府微信公开信息",
    "publishing.gazette_items": "政府公报公开信息",
    "publishing.policy_interpretations": "政策解读",
    "publishing.press_conferences": "新闻发布会",
    "publishing.online_interviews": "在线访谈",
    "publishing.consultations": "民意征集",
    "publishing.letters_answered": "答复网上信件",
    "applications_channel.online": "网上申请",
    "applications_channel.in_person": "当面申请",
}
