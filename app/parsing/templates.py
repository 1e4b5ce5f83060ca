"""The national report templates as data: rows, their keys, their label aliases and their
columns. The reader matches rows by label (with these aliases and some tolerance), never by
position, and reads each row's values in the column order given here.

2019: 国办公开办函〔2019〕60号.  2021: 国办公开办函〔2021〕30号.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = ("2019", "2021")


@dataclass(frozen=True, slots=True)
class ActiveRow:
    """One row of a section 二 table (第二十条 …): its key prefix, label aliases, and the
    figure suffixes of its value columns, in order, with their units."""

    key: str
    aliases: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (suffix, unit)


_DOCS_2019 = (("new_made", "件"), ("new_published", "件"), ("total", "件"))
_DOCS_2021 = (("issued", "件"), ("repealed", "件"), ("in_force", "件"))
_ITEMS_2019 = (("prev_items", "项"), ("change", "项"), ("decisions", "件"))

ACTIVE_ROWS: dict[str, tuple[ActiveRow, ...]] = {
    "2019": (
        ActiveRow("active.rules", ("规章",), _DOCS_2019),
        ActiveRow("active.normative_docs", ("规范性文件", "行政规范性文件"), _DOCS_2019),
        ActiveRow("active.permit", ("行政许可",), _ITEMS_2019),
        ActiveRow("active.other_services", ("其他对外管理服务事项", "其他对外管理服务"), _ITEMS_2019),
        ActiveRow("active.penalty", ("行政处罚",), _ITEMS_2019),
        ActiveRow("active.enforcement", ("行政强制",), _ITEMS_2019),
        ActiveRow("active.fees", ("行政事业性收费",), (("prev_items", "项"), ("change", "项"))),
        ActiveRow("active.procurement", ("政府集中采购",), (("items", "项"), ("amount_wan", "万元"))),
    ),
    "2021": (
        ActiveRow("active.rules", ("规章",), _DOCS_2021),
        ActiveRow("active.normative_docs", ("行政规范性文件", "规范性文件"), _DOCS_2021),
        ActiveRow("active.permit", ("行政许可",), (("decisions", "件"),)),
        ActiveRow("active.penalty", ("行政处罚",), (("decisions", "件"),)),
        ActiveRow("active.enforcement", ("行政强制",), (("decisions", "件"),)),
        ActiveRow("active.fees", ("行政事业性收费",), (("amount_wan", "万元"),)),
    ),
}

# Column headers that tell the templates apart (section 二).
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "采购总金额", "采购项目数量"),
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额"),
}

# ---------------------------------------------------------------- section 三

APPLICANT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural_person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social_welfare", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
COLUMN_KEYS = tuple(c for c, _ in APPLICANT_COLUMNS)


@dataclass(frozen=True, slots=True)
class AppRow:
    key: str  # row key under "applications."
    aliases: tuple[str, ...]  # label text without its numbering
    number: str | None  # the numbering the template gives it ("1", "(一)", "一"), a tie-breaker
    group: str | None  # the group it belongs to (denied, unable, not_processed, other)
    templates: tuple[str, ...] = TEMPLATES


@dataclass(frozen=True, slots=True)
class AppGroup:
    key: str
    aliases: tuple[str, ...]
    number: str
    templates: tuple[str, ...] = TEMPLATES


APP_GROUPS: tuple[AppGroup, ...] = (
    AppGroup("denied", ("不予公开",), "三"),
    AppGroup("unable", ("无法提供",), "四"),
    AppGroup("not_processed", ("不予处理",), "五"),
    AppGroup("other", ("其他处理", "其他"), "六", ("2021",)),
)

APP_ROWS: tuple[AppRow, ...] = (
    AppRow("new_received", ("本年新收政府信息公开申请数量", "本年新收政府信息公开申请"), "一", None),
    AppRow("carried_over", ("上年结转政府信息公开申请数量", "上年结转政府信息公开申请"), "二", None),
    AppRow("granted", ("予以公开",), "一", None),
    AppRow("partially_granted", ("部分公开",), "二", None),
    AppRow("denied.state_secret", ("属于国家秘密",), "1", "denied"),
    AppRow("denied.prohibited_by_law", ("其他法律行政法规禁止公开",), "2", "denied"),
    AppRow("denied.security_stability", ("危及三安全一稳定",), "3", "denied"),
    AppRow("denied.third_party", ("保护第三方合法权益",), "4", "denied"),
    AppRow("denied.internal_affairs", ("属于三类内部事务信息",), "5", "denied"),
    AppRow("denied.process_info", ("属于四类过程性信息",), "6", "denied"),
    AppRow("denied.enforcement_files", ("属于行政执法案卷",), "7", "denied"),
    AppRow("denied.administrative_query", ("属于行政查询事项",), "8", "denied"),
    AppRow("unable.not_held", ("本机关不掌握相关政府信息",), "1", "unable"),
    AppRow("unable.needs_creation", ("没有现成信息需要另行制作",), "2", "unable"),
    AppRow("unable.unclear", ("补正后申请内容仍不明确",), "3", "unable"),
    AppRow("not_processed.complaint", ("信访举报投诉类申请",), "1", "not_processed"),
    AppRow("not_processed.duplicate", ("重复申请",), "2", "not_processed"),
    AppRow("not_processed.publication", ("要求提供公开出版物",), "3", "not_processed"),
    AppRow("not_processed.excessive", ("无正当理由大量反复申请",), "4", "not_processed"),
    AppRow("not_processed.reconfirm", ("要求行政机关确认或重新出具已获取信息",), "5", "not_processed"),
    AppRow("other", ("其他处理",), "六", None, ("2019",)),
    AppRow(
        "other.no_correction",
        ("申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请", "申请人无正当理由逾期不补正"),
        "1", "other", ("2021",),
    ),
    AppRow(
        "other.no_fee",
        ("申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请", "申请人逾期未按收费通知要求缴纳费用"),
        "2", "other", ("2021",),
    ),
    AppRow("other.other", ("其他",), "3", "other", ("2021",)),
    AppRow("results_total", ("总计",), "七", None),
    AppRow("carried_forward", ("结转下年度继续办理",), "四", None),
)

# Sub-rows whose label is too generic to be matched without their group and number.
GENERIC_ROWS = frozenset({"other.other", "results_total"})

# ---------------------------------------------------------------- section 四

REVIEW_KINDS: tuple[tuple[str, str], ...] = (
    ("reconsideration", "行政复议"),
    ("litigation_direct", "未经复议直接起诉"),
    ("litigation_after_reconsideration", "复议后起诉"),
)
REVIEW_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
# Words that may sit in section 四's header between the anchor and its 15 values.
REVIEW_HEADER_WORDS = ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果", "维持", "纠正",
                       "其他", "尚未", "审结", "总计", "直接起诉", "未经复议")

# ---------------------------------------------------------------- column headers (GET /catalogue)

# Section 二's column headers as each template prints them, by figure suffix: with the row
# labels above they name every section 二 figure (app/services/catalogue.py).
ACTIVE_COLUMN_LABELS: dict[str, dict[str, str]] = {
    "2019": {"new_made": "本年新制作数量", "new_published": "本年新公开数量", "total": "对外公开总数量",
             "prev_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
             "items": "采购项目数量", "amount_wan": "采购总金额"},
    "2021": {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
             "decisions": "本年处理决定数量", "amount_wan": "本年收费金额"},
}
