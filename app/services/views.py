"""Per-section views over the long figure table: figure keys (FIGURES.md) → nested,
typed objects a frontend can use without knowing the key format. A figure the report
lacks is null."""

from __future__ import annotations

from collections.abc import Mapping

from app import models as m
from app.parsing.templates import APPLICANT_COLUMNS

Values = Mapping[str, int | float]  # figure key → value (as emitted)


def _pick(values: Values, prefix: str, fields) -> dict:
    return {f: values.get(f"{prefix}.{f}") for f in fields}


def _items(values: Values, name: str) -> m.ItemCounts:
    return m.ItemCounts(**_pick(values, f"active.{name}", m.ItemCounts.model_fields))


def _docs(values: Values, name: str) -> m.DocumentCounts:
    return m.DocumentCounts(**_pick(values, f"active.{name}", m.DocumentCounts.model_fields))


def fees(values: Values) -> m.Fees:
    return m.Fees(**_pick(values, "active.fees", m.Fees.model_fields))


def procurement(values: Values) -> m.Procurement:
    return m.Procurement(**_pick(values, "active.procurement", m.Procurement.model_fields))


def permits(values: Values) -> dict:
    return {name: _items(values, name) for name in ("permit", "other_services", "penalty", "enforcement")}


def active(values: Values) -> dict:
    return {
        "rules": _docs(values, "rules"),
        "normative_docs": _docs(values, "normative_docs"),
        **permits(values),
        "fees": fees(values),
        "procurement": procurement(values),
    }



# (row key, label, group); a group's first row is its total.
_ROWS_HEAD = (
    ("new_received", "一、本年新收政府信息公开申请数量", None),
    ("carried_over", "二、上年结转政府信息公开申请数量", None),
    ("granted", "（一）予以公开", None),
    ("partially_granted", "（二）部分公开", None),
    ("denied", "（三）不予公开", "denied"),
    ("denied.state_secret", "1.属于国家秘密", "denied"),
    ("denied.prohibited_by_law", "2.其他法律行政法规禁止公开", "denied"),
    ("denied.security_stability", "3.危及“三安全一稳定”", "denied"),
    ("denied.third_party", "4.保护第三方合法权益", "denied"),
    ("denied.internal_affairs", "5.属于三类内部事务信息", "denied"),
    ("denied.process_info", "6.属于四类过程性信息", "denied"),
    ("denied.enforcement_files", "7.属于行政执法案卷", "denied"),
    ("denied.administrative_query", "8.属于行政查询事项", "denied"),
    ("unable", "（四）无法提供", "unable"),
    ("unable.not_held", "1.本机关不掌握相关政府信息", "unable"),
    ("unable.needs_creation", "2.没有现成信息需要另行制作", "unable"),
    ("unable.unclear", "3.补正后申请内容仍不明确", "unable"),
    ("not_processed", "（五）不予处理", "not_processed"),
    ("not_processed.complaint", "1.信访举报投诉类申请", "not_processed"),
    ("not_processed.duplicate", "2.重复申请", "not_processed"),
    ("not_processed.publication", "3.要求提供公开出版物", "not_processed"),
    ("not_processed.excessive", "4.无正当理由大量反复申请", "not_processed"),
    ("not_processed.reconfirm", "5.要求行政机关确认或重新出具已获取信息", "not_processed"),
)
_ROWS_OTHER_2019 = (("other", "（六）其他处理", None),)
_ROWS_OTHER_2021 = (
    ("other", "（六）其他处理", "other"),
    ("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other"),
    ("other.no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other"),
    ("other.other", "3.其他", "other"),
)
_ROWS_TAIL = (
    ("results_total", "（七）总计", None),
    ("carried_forward", "四、结转下年度继续办理", None),
)
_OTHER_SUBROWS = tuple(key for key, _, _ in _ROWS_OTHER_2021[1:])


def application_rows(template: str | None, values: Values) -> list[tuple[str, str, str | None]]:
    """The section 三 rows of `template`. (六) is one row in 2019 and a group of three in
    2021; with no template known, the reported figures decide."""
    subrows_reported = any(
        f"applications.{row}.{col}" in values for row in _OTHER_SUBROWS for col, _ in APPLICANT_COLUMNS
    )
    other = _ROWS_OTHER_2021 if template == "2021" or (template is None and subrows_reported) else _ROWS_OTHER_2019
    return [*_ROWS_HEAD, *other, *_ROWS_TAIL]


def applications(template: str | None, values: Values) -> dict:
    rows = [
        m.ApplicationRow(
            key=key, label=label, group=group,
            values=m.ApplicationValues(**{col: values.get(f"applications.{key}.{col}") for col, _ in APPLICANT_COLUMNS}),
        )
        for key, label, group in application_rows(template, values)
    ]
    return {
        "columns": [m.ApplicationColumn(key=k, label=label) for k, label in APPLICANT_COLUMNS],
        "rows": rows,
        "channels": m.ApplicationChannels(**_pick(values, "applications_channel", m.ApplicationChannels.model_fields)),
    }


def review_litigation(values: Values) -> dict:
    return {
        kind: m.Outcomes(**_pick(values, f"review_litigation.{kind}", m.Outcomes.model_fields))
        for kind in ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
    }


def _own_fields(view: type[m.SectionView]) -> list[str]:
    return [f for f in view.model_fields if f not in m.SectionView.model_fields]


def media_accounts(values: Values) -> dict:
    return _pick(values, "media.accounts", _own_fields(m.MediaAccountsView))


def publishing(values: Values) -> dict:
    return _pick(values, "publishing", _own_fields(m.PublishingView))
