"""Prose figures in the wordings reports use beyond the catalogue's examples (invented
sentences): accounts counted without 共 when the sentence lists their parts, WeChat posts of a
政务微信公众号, and website posts never read from one category's count; accounts closed, merged
or opened this year never read as the accounts a body has (nor their 其中 parts); and the
application count restated in 条 checked against the table."""

from __future__ import annotations

import pytest

from app.parsing import parse_text
from app.parsing.prose import find_prose
from test_parsing_units import report_2021


def _found(text: str) -> dict[str, int | float]:
    return {h.key: h.value for h in find_prose(text)}


@pytest.mark.parametrize("text,want", [
    ("本局开设政务新媒体账号7个，其中微信公众号4个、微博3个。", {"media.accounts.total": 7}),
    ("全区运营政务新媒体21个，其中微信公众号15个。", {"media.accounts.total": 21}),
    ("目前共有政务新媒体账号4个，其中微信公众号3个、微博1个。", {"media.accounts.total": 4}),
    ("政务微信公众号全年推送信息388条。", {"publishing.wechat_posts": 388}),
    ("政府微信公开信息1883条。", {"publishing.wechat_posts": 1883}),
    ("在政府网站平台主动公开政府信息904条，其中政策文件30条。", {"publishing.website_posts": 904}),
    ("通过政府门户网站全年主动公开各类政府信息2210条。", {"publishing.website_posts": 2210}),
    # the body's accounts in a clause of their own, beside a closure sentence before or after
    ("本年关停政务新媒体2个，其中微博1个。现有政务新媒体共计8个，其中微信公众号5个、微博3个。",
     {"media.accounts.total": 8, "media.accounts.wechat": 5, "media.accounts.weibo": 3}),
    ("开设政务新媒体8个，其中微信公众号5个、微博3个。本年关停政务新媒体2个，其中微博1个。",
     {"media.accounts.total": 8, "media.accounts.weibo": 3}),
    ("全年新增政务新媒体2个，现有政务新媒体共计12个，其中微信公众号5个、微博4个、其他3个。",
     {"media.accounts.total": 12, "media.accounts.wechat": 5, "media.accounts.weibo": 4, "media.accounts.other": 3}),
])
def test_other_wordings_are_read(text: str, want: dict) -> None:
    got = _found(text)
    assert {k: got.get(k) for k in want} == want


@pytest.mark.parametrize("text,key", [
    ("通过县门户网站公开，全年公开公文类政府信息共152条。", "publishing.website_posts"),  # one category
    ("关停政务新媒体5个。", "media.accounts.total"),  # closed, not run: no 开设/运营 and no parts
    ("新增政务新媒体3个，其中微信公众号1个。", "media.accounts.total"),  # new ones, not the total
    # a 其中 clause of a closure (or of new accounts) counts those, not the body's accounts
    ("关停政务新媒体5个，其中微博2个。", "media.accounts.weibo"),
    ("本年度关停政务新媒体5个，其中微信公众号3个、微博2个。", "media.accounts.wechat"),
    ("整合关停政务新媒体账号4个，其中微博2个、其他2个。", "media.accounts.other"),
    ("我局对政务新媒体进行清理，关停3个，其中微博2个。", "media.accounts.weibo"),
    ("新增政务新媒体3个，其中微信公众号1个。", "media.accounts.wechat"),
    ("关停政务新媒体共5个。", "media.accounts.total"),
])
def test_counts_of_other_things_are_not_read(text: str, key: str) -> None:
    assert key not in _found(text)


@pytest.mark.parametrize("sentence,mismatch", [
    ("2021年，共收到政府信息公开申请58条。", False),  # 条 as the report's counting word: agrees
    ("2021年，共收到政府信息公开申请0条。", True),  # 条, and the table's 58 says otherwise
    ("全年主动公开政府信息125条、依申请公开176条。", False),  # documents given on application
])
def test_the_application_count_in_tiao_is_checked_against_the_table(sentence: str, mismatch: bool) -> None:
    report = parse_text(sentence + "\n" + report_2021())
    found = [f for f in report.findings if f.code == "prose_mismatch"]
    assert bool(found) is mismatch, found
    if mismatch:
        assert found[0].keys == ("applications.new_received.total",)
    assert report.figure_map()["applications.new_received.total"] == 58
