"""The national report templates as data, one block each: the section 二 rows with their
columns, the section 三 rows and groups with the labels the template prints, the section 四
table, the header words that tell the templates apart, and the identities that hold across
section 三's rows. The reader, the checks, the section views and the key catalogue all read
these blocks; a new template is one more block in `TEMPLATES`.

2019: 国办公开办函〔2019〕60号.  2021: 国办公开办函〔2021〕30号.

    TEMPLATES["2021"].rows[2]            -> AppRow(key="granted", label="（一）予以公开", number="一", …)
    TEMPLATES["2021"].leaves("other")    -> ("other.no_correction", "other.no_fee", "other.other")
    RESULTS.sides({"results_total": 5, "granted": 3, …}.get) -> (5, 5): the identity holds
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.parsing.labels import split_numbering

Number = int | float


@dataclass(frozen=True, slots=True)
class Column:
    """A value column: its key in figure keys, the header the template prints, the unit."""

    key: str
    label: str
    unit: str = "件"


@dataclass(frozen=True, slots=True)
class ActiveRow:
    """One row of a section 二 table (第二十条 …): its key prefix, label aliases (the first
    names the row in findings), and the figure suffixes of its value columns, in order,
    with their units."""

    key: str
    aliases: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (suffix, unit)


# Labels too generic to be matched without the numbering the template gives them.
GENERIC_LABELS = frozenset({"其他", "总计"})


@dataclass(frozen=True, slots=True)
class AppRow:
    """One row of section 三: its key under `applications.`, its label as the template
    prints it, the numbering of that label (a tie-breaker), the label's text and other
    spellings reports use (matched without numbering), and the group it belongs to."""

    key: str
    label: str
    number: str | None
    aliases: tuple[str, ...]
    group: str | None = None


@dataclass(frozen=True, slots=True)
class AppGroup:
    """A section 三 group (（三）不予公开 …): a label of its own and the rows under it. Its
    figures are the sums of its rows'."""

    key: str
    label: str
    number: str
    aliases: tuple[str, ...]
    rows: tuple[AppRow, ...]


def row(key: str, label: str, *also: str) -> AppRow:
    """`row("granted", "（一）予以公开")` → AppRow(number="一", aliases=("予以公开",))."""
    number, text = split_numbering(label)
    return AppRow(key, label, number, (text, *also))


def group(key: str, label: str, *rows: AppRow, also: tuple[str, ...] = ()) -> AppGroup:
    """`group("unable", "（四）无法提供", row(…), …)` → AppGroup(number="四", its rows' group "unable")."""
    number, text = split_numbering(label)
    assert number is not None, label
    return AppGroup(key, label, number, (text, *also), tuple(replace(r, group=key) for r in rows))


@dataclass(frozen=True, slots=True)
class Identity:
    """sum(left) = sum(right) in every column of section 三. Terms are rows or groups;
    `at` is the row a finding points to; `message` is formatted with {col}, {left},
    {right} (the two sums) and each term's value by its name."""

    left: tuple[str, ...]
    right: tuple[str, ...]
    at: str
    message: str

    @property
    def terms(self) -> tuple[str, ...]:
        return self.left + self.right

    def sides(self, value: Callable[[str], Number | None],
              leaves: Callable[[str], tuple[str, ...]] | None = None) -> tuple[Number, Number] | None:
        """The sums of the two sides; None when a term has no value. `value` gives one row's
        (or group's) value; with `leaves`, a term is the sum of the rows it stands for."""
        sums: list[Number] = []
        for side in (self.left, self.right):
            values = [value(p) for p in (side if leaves is None else [p for t in side for p in leaves(t)])]
            if None in values:
                return None
            sums.append(sum(values))  # type: ignore[arg-type]
        return sums[0], sums[1]


@dataclass(frozen=True, slots=True)
class ReviewTable:
    """Section 四: per kind of case (行政复议, 行政诉讼 …) one block of outcome columns, the
    last the total of the others; and the words its header may hold."""

    kinds: tuple[Column, ...]
    outcomes: tuple[Column, ...]
    header_words: tuple[str, ...]
    header_chars: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "header_chars", frozenset("".join(self.header_words)))

    def keys(self) -> tuple[str, ...]:
        return tuple(f"review_litigation.{k.key}.{o.key}" for k in self.kinds for o in self.outcomes)


@dataclass(frozen=True, slots=True, eq=False)  # eq=False: hashed by identity, cheap as a cache key
class Template:
    """One national template. `applications` lists section 三 in the template's order:
    rows, and groups holding their rows; `columns` are its applicant columns, the last the
    total of the others."""

    name: str
    cited_as: tuple[str, ...]  # how a report's text cites the template's document
    from_year: int  # reports on this year and later follow it, when nothing else tells
    header_hints: tuple[str, ...]  # table headers only this template has
    active: tuple[ActiveRow, ...]
    active_headers: dict[str, str]  # section 二's column headers as printed, by figure suffix
    applications: tuple[AppRow | AppGroup, ...]
    columns: tuple[Column, ...]
    review: ReviewTable
    identities: tuple[Identity, ...]
    # derived from the above
    rows: tuple[AppRow, ...] = field(init=False)  # every section 三 row, in order
    groups: tuple[AppGroup, ...] = field(init=False)
    hint_rx: re.Pattern[str] = field(init=False)
    _leaves: dict[str, tuple[str, ...]] = field(init=False)

    def __post_init__(self) -> None:
        rows: list[AppRow] = []
        for entry in self.applications:
            rows.extend(entry.rows if isinstance(entry, AppGroup) else (entry,))
        groups = tuple(e for e in self.applications if isinstance(e, AppGroup))
        leaves = {r.key: (r.key,) for r in rows}
        leaves.update({g.key: tuple(r.key for r in g.rows) for g in groups})
        object.__setattr__(self, "rows", tuple(rows))
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "hint_rx", re.compile("|".join(map(re.escape, self.header_hints))))
        object.__setattr__(self, "_leaves", leaves)

    def leaves(self, term: str) -> tuple[str, ...]:
        """The rows a row or group key stands for."""
        return self._leaves[term]

    def row_keys(self) -> tuple[str, ...]:
        """Its section 三 rows' keys (a figure key is applications.<row>.<column>)."""
        return tuple(r.key for r in self.rows)


def adds_up(numbers: list[Number]) -> bool:
    """A row whose last column is the total of the others: [3, 1, 0, 4] adds up, [3, 1, 0, 5] not."""
    return sum(numbers[:-1]) == numbers[-1]


# ---------------------------------------------------------------- section 二

_DOCS_2019 = (("new_made", "件"), ("new_published", "件"), ("total", "件"))
_DOCS_2021 = (("issued", "件"), ("repealed", "件"), ("in_force", "件"))
_ITEMS_2019 = (("prev_items", "项"), ("change", "项"), ("decisions", "件"))

ACTIVE_2019 = (
    ActiveRow("active.rules", ("规章",), _DOCS_2019),
    ActiveRow("active.normative_docs", ("规范性文件", "行政规范性文件"), _DOCS_2019),
    ActiveRow("active.permit", ("行政许可",), _ITEMS_2019),
    ActiveRow("active.other_services", ("其他对外管理服务事项", "其他对外管理服务"), _ITEMS_2019),
    ActiveRow("active.penalty", ("行政处罚",), _ITEMS_2019),
    ActiveRow("active.enforcement", ("行政强制",), _ITEMS_2019),
    ActiveRow("active.fees", ("行政事业性收费",), (("prev_items", "项"), ("change", "项"))),
    ActiveRow("active.procurement", ("政府集中采购",), (("items", "项"), ("amount_wan", "万元"))),
)
# Section 二's column headers as each template prints them, by figure suffix: with the row
# labels they name every section 二 figure (GET /catalogue).
ACTIVE_HEADERS_2019 = {"new_made": "本年新制作数量", "new_published": "本年新公开数量", "total": "对外公开总数量",
                       "prev_items": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量",
                       "items": "采购项目数量", "amount_wan": "采购总金额"}
ACTIVE_HEADERS_2021 = {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
                       "decisions": "本年处理决定数量", "amount_wan": "本年收费金额"}

ACTIVE_2021 = (
    ActiveRow("active.rules", ("规章",), _DOCS_2021),
    ActiveRow("active.normative_docs", ("行政规范性文件", "规范性文件"), _DOCS_2021),
    ActiveRow("active.permit", ("行政许可",), (("decisions", "件"),)),
    ActiveRow("active.penalty", ("行政处罚",), (("decisions", "件"),)),
    ActiveRow("active.enforcement", ("行政强制",), (("decisions", "件"),)),
    ActiveRow("active.fees", ("行政事业性收费",), (("amount_wan", "万元"),)),
)

# ---------------------------------------------------------------- section 三

APPLICANT_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social_welfare", "社会公益组织"),
    Column("legal_service", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)

_HEAD = (
    row("new_received", "一、本年新收政府信息公开申请数量", "本年新收政府信息公开申请"),
    row("carried_over", "二、上年结转政府信息公开申请数量", "上年结转政府信息公开申请"),
    row("granted", "（一）予以公开"),
    row("partially_granted", "（二）部分公开"),
    group("denied", "（三）不予公开",
          row("denied.state_secret", "1.属于国家秘密"),
          row("denied.prohibited_by_law", "2.其他法律行政法规禁止公开"),
          row("denied.security_stability", "3.危及“三安全一稳定”"),
          row("denied.third_party", "4.保护第三方合法权益"),
          row("denied.internal_affairs", "5.属于三类内部事务信息"),
          row("denied.process_info", "6.属于四类过程性信息"),
          row("denied.enforcement_files", "7.属于行政执法案卷"),
          row("denied.administrative_query", "8.属于行政查询事项")),
    group("unable", "（四）无法提供",
          row("unable.not_held", "1.本机关不掌握相关政府信息"),
          row("unable.needs_creation", "2.没有现成信息需要另行制作"),
          row("unable.unclear", "3.补正后申请内容仍不明确")),
    group("not_processed", "（五）不予处理",
          row("not_processed.complaint", "1.信访举报投诉类申请"),
          row("not_processed.duplicate", "2.重复申请"),
          row("not_processed.publication", "3.要求提供公开出版物"),
          row("not_processed.excessive", "4.无正当理由大量反复申请"),
          row("not_processed.reconfirm", "5.要求行政机关确认或重新出具已获取信息")),
)
_TAIL = (
    row("results_total", "（七）总计"),
    row("carried_forward", "四、结转下年度继续办理"),
)
_OTHER_2019 = row("other", "（六）其他处理")
_OTHER_2021 = group(
    "other", "（六）其他处理",
    row("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "申请人无正当理由逾期不补正"),
    row("other.no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "申请人逾期未按收费通知要求缴纳费用"),
    row("other.other", "3.其他"),
    also=("其他",),
)

INTAKE = Identity(  # 一 + 二 = (七) + 四
    ("new_received", "carried_over"), ("results_total", "carried_forward"), "results_total",
    "{col}: 本年新收 {new_received} + 上年结转 {carried_over} ≠ 办理结果总计 {results_total} "
    "+ 结转下年度 {carried_forward}.")
RESULTS = Identity(  # (七) = (一) + … + (六)
    ("results_total",),
    ("granted", "partially_granted", "denied", "unable", "not_processed", "other"), "results_total",
    "{col}: (一)…(六) add up to {right}, (七)总计 says {left}.")

# ---------------------------------------------------------------- section 四

REVIEW = ReviewTable(
    kinds=(
        Column("reconsideration", "行政复议"),
        Column("litigation_direct", "未经复议直接起诉"),
        Column("litigation_after_reconsideration", "复议后起诉"),
    ),
    outcomes=(
        Column("upheld", "结果维持"),
        Column("corrected", "结果纠正"),
        Column("other", "其他结果"),
        Column("pending", "尚未审结"),
        Column("total", "总计"),
    ),
    # words that may sit in the header between the table's anchor and its 15 values
    header_words=("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果", "维持", "纠正",
                  "其他", "尚未", "审结", "总计", "直接起诉", "未经复议"),
)

# ---------------------------------------------------------------- the templates

TEMPLATES: dict[str, Template] = {
    "2019": Template(
        name="2019",  # 国办公开办函〔2019〕60号
        cited_as=("〔2019〕60号",),
        from_year=2019,
        header_hints=("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "采购总金额",
                      "采购项目数量"),
        active=ACTIVE_2019,
        active_headers=ACTIVE_HEADERS_2019,
        applications=(*_HEAD, _OTHER_2019, *_TAIL),
        columns=APPLICANT_COLUMNS,
        review=REVIEW,
        identities=(INTAKE, RESULTS),
    ),
    "2021": Template(
        name="2021",  # 国办公开办函〔2021〕30号
        cited_as=("〔2021〕30号", "[2021]30号"),
        from_year=2021,
        header_hints=("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
                      "逾期不补正", "逾期未按收费通知"),
        active=ACTIVE_2021,
        active_headers=ACTIVE_HEADERS_2021,
        applications=(*_HEAD, _OTHER_2021, *_TAIL),
        columns=APPLICANT_COLUMNS,
        review=REVIEW,
        identities=(INTAKE, RESULTS),
    ),
}
