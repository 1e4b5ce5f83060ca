"""Prose figures in the wordings reports use beyond the catalogue's examples (invented
sentences): accounts counted without 共 when the sentence lists their parts, WeChat posts of a
政务微信公众号, and website posts never read from one category's count."""

from __future__ import annotations

import pytest

from app.parsing.prose import find_prose


def _found(text: str) -> dict[str, int | float]:
    return {h.key: h.value for h in find_prose(text)}


@pytest.mark.parametrize("text,want", [
    ("本局开设政务新媒体账号7个，其中微信公众号4个、微博3个。", {"media.accounts.total": 7}),
    ("全区运营政务新媒体21个，其中微信公众号15个。", {"media.accounts.total": 21}),
    ("政务微信公众号全年推送信息388条。", {"publishing.wechat_posts": 388}),
    ("政府微信公开信息1883条。", {"publishing.wechat_posts": 1883}),
    ("在政府网站平台主动公开政府信息904条，其中政策文件30条。", {"publishing.website_posts": 904}),
    ("通过政府门户网站全年主动公开各类政府信息2210条。", {"publishing.website_posts": 2210}),
])
def test_other_wordings_are_read(text: str, want: dict) -> None:
    got = _found(text)
    assert {k: got.get(k) for k in want} == want


@pytest.mark.parametrize("text,key", [
    ("通过县门户网站公开，全年公开公文类政府信息共152条。", "publishing.website_posts"),  # one category
    ("关停政务新媒体5个。", "media.accounts.total"),  # closed, not run: no 开设/运营 and no parts
    ("新增政务新媒体3个，其中微信公众号1个。", "media.accounts.total"),  # new ones, not the total
])
def test_counts_of_other_things_are_not_read(text: str, key: str) -> None:
    assert key not in _found(text)
