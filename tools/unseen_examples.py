"""Write the synthetic reports of tests/data/unseen/: one (or a pair) per class of layout or
wording seen on real reports nobody tuned for (docs/unseen-reports.md), each with the figures
it holds in the corpus's *.expected.json format.

    .venv/bin/python tools/unseen_examples.py [OUTDIR]     # default tests/data/unseen

Every report is invented: the places are real divisions (so that region codes can be
checked), the bodies are generic departments of them, and every figure, sentence and date is
made up here; no text is copied from a published report. Each report is built from its
figures, so the expected file is the data the text was written from, and the arithmetic of
the template holds by construction (section 三 totals, results and carry-over are computed;
the class that prints a wrong 总计 says so in its expectations).

Beside the corpus's fields (file, year, agency, region_code, template, partial, note,
figures) an expected file carries:
- "class": the class's id in docs/unseen-reports.md;
- "expect": what a parser that handles the class does beyond reading the figures —
  "inferred" keys it can only give flagged `inferred` (or leave out, when its evidence has no
  clear margin), "derived" keys it gives flagged `derived`, "absent" keys that no evidence
  singles out (the figures are in "figures", as the truth, but a careful parser leaves them
  out with an ambiguous_split finding), "findings" it raises ({"code", "keys"}), "notes" the
  annotations a figure keeps, "printed" figures kept as the report prints them although
  they contradict their parts, and "evidence": what decides;
- "pair": for a report read with its body's other year, that report's file.
"""

from __future__ import annotations

import html as htmlmod
import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.parsing import templates as T  # noqa: E402

OUT = REPO / "tests" / "data" / "unseen"
APPLICANTS = tuple(c.key for c in T.APPLICANT_COLUMNS if c.key != "total")
RESULT_ROWS_2019 = ("granted", "partially_granted", "denied.state_secret", "denied.prohibited_by_law",
                    "denied.security_stability", "denied.third_party", "denied.internal_affairs",
                    "denied.process_info", "denied.enforcement_files", "denied.administrative_query",
                    "unable.not_held", "unable.needs_creation", "unable.unclear", "not_processed.complaint",
                    "not_processed.duplicate", "not_processed.publication", "not_processed.excessive",
                    "not_processed.reconfirm")
OTHER_ROWS = {"2019": ("other",), "2021": ("other.no_correction", "other.no_fee", "other.other")}
GROUPS = {"2019": ("denied", "unable", "not_processed"), "2021": ("denied", "unable", "not_processed", "other")}
KINDS = tuple(k.key for k in T.REVIEW.kinds)
OUTCOMES = ("upheld", "corrected", "other", "pending")

# ---------------------------------------------------------------- the template's printed labels

NOTICE = {"2019": "《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》（国办公开办函〔2019〕60号）",
          "2021": "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）"}
APP_LABELS = {
    "new_received": ["一、本年新收政府信息公开申请数量"],
    "carried_over": ["二、上年结转政府信息公开申请数量"],
    "granted": ["三、本年度办理结果", "（一）予以公开"],
    "partially_granted": ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"],
    "denied.state_secret": ["（三）不予公开", "1.属于国家秘密"],
    "denied.prohibited_by_law": ["2.其他法律行政法规禁止公开"],
    "denied.security_stability": ["3.危及“三安全一稳定”"],
    "denied.third_party": ["4.保护第三方合法权益"],
    "denied.internal_affairs": ["5.属于三类内部事务信息"],
    "denied.process_info": ["6.属于四类过程性信息"],
    "denied.enforcement_files": ["7.属于行政执法案卷"],
    "denied.administrative_query": ["8.属于行政查询事项"],
    "unable.not_held": ["（四）无法提供", "1.本机关不掌握相关政府信息"],
    "unable.needs_creation": ["2.没有现成信息需要另行制作"],
    "unable.unclear": ["3.补正后申请内容仍不明确"],
    "not_processed.complaint": ["（五）不予处理", "1.信访举报投诉类申请"],
    "not_processed.duplicate": ["2.重复申请"],
    "not_processed.publication": ["3.要求提供公开出版物"],
    "not_processed.excessive": ["4.无正当理由大量反复申请"],
    "not_processed.reconfirm": ["5.要求行政机关确认或重新出具已获取信息"],
    "other": ["（六）其他处理"],
    "other.no_correction": ["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    "other.no_fee": ["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    "other.other": ["3.其他"],
    "results_total": ["（七）总计"],
    "carried_forward": ["四、结转下年度继续办理"],
}
GROUP_LABELS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理",
                "other": "（六）其他处理"}
APP_HEADER = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
              ["自然人", "法人或其他组织", "总计"],
              ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
REVIEW_HEADER = [["行政复议", "行政诉讼"],
                 ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
                 ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2]
ACTIVE_TABLES = {
    "2019": [("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
              [("active.rules", "规章"), ("active.normative_docs", "规范性文件")]),
             ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
              [("active.permit", "行政许可"), ("active.other_services", "其他对外管理服务事项")]),
             ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
              [("active.penalty", "行政处罚"), ("active.enforcement", "行政强制")]),
             ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"],
              [("active.fees", "行政事业性收费")]),
             ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"],
              [("active.procurement", "政府集中采购")])],
    "2021": [("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
              [("active.rules", "规章"), ("active.normative_docs", "行政规范性文件")]),
             ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], [("active.permit", "行政许可")]),
             ("第二十条第（六）项", ["信息内容", "本年处理决定数量"],
              [("active.penalty", "行政处罚"), ("active.enforcement", "行政强制")]),
             ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], [("active.fees", "行政事业性收费")])],
}
SUFFIXES_BY_TPL = {tpl: {row.key: tuple(s for s, _ in row.columns) for row in T.TEMPLATES[tpl].active}
                   for tpl in T.TEMPLATES}


# ---------------------------------------------------------------- a report as data

@dataclass(kw_only=True)
class Report:
    """An invented report: its metadata, its figures as the tables hold them, and its prose.
    `active`: row key → values in the template's column order (2019 procurement amount in
    万元; a 2019 change as a signed number). `apps`: row key → the six applicant columns,
    for new_received, carried_over and every result row (totals, results and carry-over
    are computed). `review`: kind → (upheld, corrected, other, pending)."""

    stem: str = ""
    cls: str = ""
    template: str
    year: int
    agency: str = ""  # full official name: the expected agency (every example names one)
    title_agency: str = ""  # as the title prints it
    region_code: str | None = None
    active: dict[str, tuple]
    apps: dict[str, tuple[int, ...]]
    review: dict[str, tuple[int, int, int, int]]
    posts: int = 0  # publishing.website_posts, stated in the standard wording
    stated_new: int | None = None  # the new applications section 一 states, when not the table's
    count_word: str = "件"  # the word section 一 counts them in
    interpretations: int = 0  # publishing.policy_interpretations
    extra_prose: list[str] = field(default_factory=list)  # sentences added to section 一
    extra_figures: dict[str, float] = field(default_factory=dict)  # prose figures they state
    year_in_prose: bool = True  # section 一 opens with "2022年，…" (else "本年度，…")
    title: str | None = None  # the title line, when not the usual one
    period: str | None = None  # the statistics-period sentence, when not the usual one
    footer: list[str] = field(default_factory=list)  # lines after the signature (site chrome)
    signature: str | None = None
    note: str = ""
    expect: dict = field(default_factory=dict)
    pair: str | None = None
    suffix: str = ".txt"

    # ------------------------------------------------------------ figures
    def result_rows(self) -> tuple[str, ...]:
        return RESULT_ROWS_2019 + OTHER_ROWS[self.template]

    def app_rows(self) -> dict[str, tuple[int, ...]]:
        """Every section 三 row with its 7 columns, in the template's order."""
        zero = (0,) * 6
        rows: dict[str, tuple[int, ...]] = {}
        for key in ("new_received", "carried_over", *self.result_rows()):
            vals = tuple(self.apps.get(key, zero))
            assert len(vals) == 6, key
            rows[key] = vals + (sum(vals),)
        results = [sum(rows[k][i] for k in self.result_rows()) for i in range(7)]
        rows["results_total"] = tuple(results)
        forward = tuple(rows["new_received"][i] + rows["carried_over"][i] - results[i] for i in range(7))
        assert all(v >= 0 for v in forward), f"{self.stem}: more results than applications"
        rows["carried_forward"] = forward
        return rows

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, values in self.active.items():
            for suffix, v in zip(SUFFIXES_BY_TPL[self.template][key], values):
                out[f"{key}.{suffix}"] = v
        rows = self.app_rows()
        groups_done: set[str] = set()
        for key, vals in rows.items():
            group = key.split(".")[0] if "." in key else None
            if group in GROUPS[self.template] and group not in groups_done:
                groups_done.add(group)
                subs = [k for k in rows if k.startswith(group + ".")]
                for i, col in enumerate((*APPLICANTS, "total")):
                    out[f"applications.{group}.{col}"] = sum(rows[k][i] for k in subs)
            for col, v in zip((*APPLICANTS, "total"), vals):
                out[f"applications.{key}.{col}"] = v
        for kind in KINDS:
            vals = self.review.get(kind, (0, 0, 0, 0))
            for o, v in zip(OUTCOMES, vals):
                out[f"review_litigation.{kind}.{o}"] = v
            out[f"review_litigation.{kind}.total"] = sum(vals)
        if self.posts:
            out["publishing.website_posts"] = self.posts
        if self.interpretations:
            out["publishing.policy_interpretations"] = self.interpretations
        out.update(self.extra_figures)
        return out

    # ------------------------------------------------------------ text blocks
    def title_line(self) -> str:
        return self.title or f"{self.title_agency}{self.year}年政府信息公开工作年度报告"

    def preamble(self) -> str:
        period = self.period or (f"本报告所列数据的统计期限自{self.year}年1月1日起至{self.year}年12月31日止。")
        return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{NOTICE[self.template]}要求编制。"
                "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、"
                f"存在的主要问题及改进情况、其他需要报告的事项。{period}如对本报告有疑问，请与本单位办公室联系。")

    def overview(self) -> list[str]:
        new = self.app_rows()["new_received"][6]
        paras = ["一、总体情况",
                 f"{f'{self.year}年' if self.year_in_prose else '本年度'}，我单位深入贯彻落实《条例》，坚持以公开为常态、不公开为例外，围绕中心工作推进政务公开，"
                 "各项工作有序开展。"]
        first = "（一）主动公开。"
        if self.posts:
            first += f"全年通过政府门户网站发布信息{self.posts}条，"
        if self.interpretations:
            first += f"发布政策解读{self.interpretations}篇，"
        first += "重点做好政策文件、财政资金和行政执法信息的公开。"
        paras.append(first)
        stated = new if self.stated_new is None else self.stated_new
        paras.append(f"（二）依申请公开。畅通网上、信函和当面申请渠道，严格按照法定时限答复，全年新收政府信息公开申请"
                     f"{stated}{self.count_word}。")
        paras.extend(self.extra_prose)
        paras.append("（三）政府信息管理。落实公开属性源头认定和保密审查制度，做好文件的动态更新和集中公开。")
        paras.append("（四）监督保障。将政务公开纳入年度工作考核，开展业务培训，接受社会评议。")
        return paras

    def closing(self) -> list[str]:
        sig = self.signature or self.agency
        return ["五、存在的主要问题及改进情况",
                "（一）存在的主要问题：一是公开内容的深度还不够；二是政策解读的形式比较单一。"
                "（二）改进措施：一是加强重点领域信息公开；二是丰富政策解读形式，提高解读质量。",
                "六、其他需要报告的事项",
                "本年度未收取信息处理费。无其他需要报告的事项。",
                sig, f"{self.year + 1}年1月20日", *self.footer]


# ---------------------------------------------------------------- tables as rows of cells

def fmt(v: float, *, signed: bool = False) -> str:
    if signed and v:
        return ("增" if v > 0 else "减") + fmt(abs(v))
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def active_rows(r: Report, *, unit_in_cell: bool = True) -> list[list[str]]:
    rows: list[list[str]] = []
    for heading, header, body in ACTIVE_TABLES[r.template]:
        present = [(k, label) for k, label in body if k in r.active]
        if not present:
            continue
        rows.append([heading])
        rows.append(list(header))
        for key, label in present:
            vals = r.active[key]
            suffixes = SUFFIXES_BY_TPL[r.template][key]
            cells = []
            for s, v in zip(suffixes, vals):
                if s == "change":
                    cells.append(fmt(v, signed=True))
                elif s == "amount_wan" and r.template == "2019" and unit_in_cell:
                    cells.append(fmt(v) + "万元")
                else:
                    cells.append(fmt(v))
            rows.append([label, *cells])
    return rows


def app_rows(r: Report) -> list[list[str]]:
    rows = [list(h) for h in APP_HEADER]
    for key, vals in r.app_rows().items():
        rows.append([*APP_LABELS[key], *(fmt(v) for v in vals)])
    return rows


def review_numbers(r: Report) -> list[str]:
    out = []
    for kind in KINDS:
        vals = r.review.get(kind, (0, 0, 0, 0))
        out += [fmt(v) for v in vals] + [fmt(sum(vals))]
    return out


def review_rows(r: Report) -> list[list[str]]:
    return [list(h) for h in REVIEW_HEADER] + [review_numbers(r)]


# ---------------------------------------------------------------- how a copy lays them out

def as_pipe(rows: list[list[str]]) -> list[str]:
    """A table as a copy from a web page gives it: one line a row, cells joined by ' | '."""
    return [" | ".join(cells) + " |" for cells in rows]


def as_run(rows: list[list[str]], sep: str) -> str:
    """A table flattened by a crawler: every cell one after the other, `sep` between them."""
    return sep.join(c for cells in rows for c in cells)


def document(r: Report, blocks: dict[str, list[str] | str], *, one_line: str | None = None) -> str:
    """The whole report. `blocks` gives each table's text ('二', '三', '四'); `one_line` set
    to a separator puts the body on one line, as the crawler copies of published pages do."""
    parts: list[str] = [r.preamble(), *r.overview(), "二、主动公开政府信息情况", blocks["二"],
                        "三、收到和处理政府信息公开申请情况", blocks["三"],
                        "四、政府信息公开行政复议、行政诉讼情况", blocks["四"], *r.closing()]
    if one_line is not None:
        flat = [p if isinstance(p, str) else one_line.join(p) for p in parts]
        head = [f"标题: {r.title_line()}", f"发布时间: {r.year + 1}-01-20 09:30", "栏目: 政府信息公开年报",
                "==================== 正文 ===================="]
        return "\n".join(head) + "\n" + f"{r.title_line()} " + one_line.join(flat)
    lines = [r.title_line(), ""]
    for p in parts:
        lines.extend(p if isinstance(p, list) else [p])
    return "\n".join(lines) + "\n"


def pipe_document(r: Report, **override: list[str]) -> str:
    blocks = {"二": as_pipe(active_rows(r)), "三": as_pipe(app_rows(r)), "四": as_pipe(review_rows(r))}
    blocks.update(override)
    return document(r, blocks)


def run_document(r: Report, sep: str, **override: str) -> str:
    blocks = {"二": as_run(active_rows(r), sep), "三": as_run(app_rows(r), sep), "四": as_run(review_rows(r), sep)}
    blocks.update(override)
    return document(r, blocks, one_line=" ")


def html_table(rows: list[list[str]], blank: str = "") -> str:
    out = ["<table border=\"1\" cellspacing=\"0\">"]
    for cells in rows:
        tds = "".join(f"<td><p>{htmlmod.escape(c) if c else blank}</p></td>" for c in cells)
        out.append(f"<tr>{tds}</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_document(r: Report, tables: dict[str, str]) -> str:
    def p(text: str) -> str:
        return f"<p>{htmlmod.escape(text)}</p>"

    body = [f"<h1>{htmlmod.escape(r.title_line())}</h1>", p(r.preamble()), *map(p, r.overview()),
            p("二、主动公开政府信息情况"), tables["二"], p("三、收到和处理政府信息公开申请情况"), tables["三"],
            p("四、政府信息公开行政复议、行政诉讼情况"), tables["四"], *map(p, r.closing())]
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{htmlmod.escape(r.title_line())}</title>\n</head>\n<body>\n<div class=\"article\">\n"
            + "\n".join(body) + "\n</div>\n</body>\n</html>\n")


# ---------------------------------------------------------------- the invented bodies

def base_2021(**kw) -> Report:
    """A county department of some size, 2021 template, figures on every row."""
    apps = {
        "new_received": (21, 4, 0, 1, 2, 0), "carried_over": (2, 0, 0, 0, 0, 0),
        "granted": (9, 2, 0, 0, 1, 0), "partially_granted": (3, 0, 0, 0, 0, 0),
        "denied.prohibited_by_law": (1, 0, 0, 0, 0, 0), "denied.third_party": (1, 0, 0, 0, 0, 0),
        "denied.process_info": (2, 0, 0, 0, 0, 0), "unable.not_held": (4, 1, 0, 0, 0, 0),
        "unable.needs_creation": (1, 0, 0, 0, 0, 0), "not_processed.complaint": (1, 0, 0, 0, 0, 0),
        "not_processed.duplicate": (1, 0, 0, 0, 1, 0), "other.no_correction": (0, 1, 0, 0, 0, 0),
    }
    args = dict(template="2021", year=2022,
                active={"active.rules": (0, 0, 0), "active.normative_docs": (4, 1, 37), "active.permit": (1260,),
                        "active.penalty": (85,), "active.enforcement": (3,), "active.fees": (12.6,)},
                apps=apps, review={"reconsideration": (2, 1, 0, 1), "litigation_direct": (1, 0, 0, 0),
                                   "litigation_after_reconsideration": (0, 0, 0, 1)},
                posts=1136, interpretations=12)
    args.update(kw)
    return Report(**args)


def small_2021(**kw) -> Report:
    """A small bureau, 2021 template: few applications, every section 三 figure one digit (a
    crawler's run-together rows then split one way only)."""
    apps = {"new_received": (3, 1, 0, 0, 0, 0), "carried_over": (1, 0, 0, 0, 0, 0),
            "granted": (2, 0, 0, 0, 0, 0), "partially_granted": (1, 0, 0, 0, 0, 0),
            "unable.not_held": (0, 1, 0, 0, 0, 0), "other.no_correction": (1, 0, 0, 0, 0, 0)}
    args = dict(template="2021", year=2023,
                active={"active.rules": (0, 0, 0), "active.normative_docs": (3, 0, 9), "active.permit": (412,),
                        "active.penalty": (27,), "active.enforcement": (0,), "active.fees": (0,)},
                apps=apps, review={"reconsideration": (1, 0, 0, 0)}, posts=264, interpretations=5)
    args.update(kw)
    return Report(**args)


def base_2019(**kw) -> Report:
    apps = {
        "new_received": (14, 2, 0, 0, 1, 0), "carried_over": (1, 0, 0, 0, 0, 0),
        "granted": (6, 1, 0, 0, 0, 0), "partially_granted": (2, 0, 0, 0, 0, 0),
        "denied.third_party": (1, 0, 0, 0, 0, 0), "unable.not_held": (3, 1, 0, 0, 1, 0),
        "not_processed.duplicate": (1, 0, 0, 0, 0, 0), "other": (1, 0, 0, 0, 0, 0),
    }
    args = dict(template="2019", year=2020,
                active={"active.rules": (0, 0, 0), "active.normative_docs": (5, 5, 42),
                        "active.permit": (136, 4, 2318), "active.other_services": (12, 0, 95),
                        "active.penalty": (210, -6, 47), "active.enforcement": (18, 0, 2),
                        "active.fees": (7, -1), "active.procurement": (6, 318.4)},
                apps=apps, review={"reconsideration": (1, 0, 1, 0), "litigation_direct": (0, 0, 0, 1)},
                posts=842, interpretations=9)
    args.update(kw)
    return Report(**args)


def small_2019(**kw) -> Report:
    apps = {"new_received": (2, 0, 0, 0, 1, 0), "granted": (1, 0, 0, 0, 1, 0), "unable.not_held": (1, 0, 0, 0, 0, 0)}
    args = dict(template="2019", year=2020,
                active={"active.rules": (0, 0, 0), "active.normative_docs": (2, 2, 9),
                        "active.permit": (0, 0, 0), "active.other_services": (0, 0, 0),
                        "active.penalty": (0, 0, 0), "active.enforcement": (0, 0, 0),
                        "active.fees": (0, 0), "active.procurement": (0, 0)},
                apps=apps, review={}, posts=310, interpretations=4)
    args.update(kw)
    return Report(**args)


# ---------------------------------------------------------------- the classes

# Real divisions (so that region codes can be checked) and generic departments: one body a
# report, so that no two invented reports are one body's same year or consecutive years by
# accident (only the cross-year pair is).
BODIES = (("安吉县", "交通运输局", "330523"), ("海盐县", "自然资源和规划局", "330424"), ("桐乡市", "农业农村局", "330483"),
          ("平湖市", "卫生健康局", "330482"), ("长兴县", "教育局", "330522"), ("嘉善县", "住房和城乡建设局", "330421"),
          ("海宁市", "民政局", "330481"), ("德清县", "市场监督管理局", "330521"), ("南湖区", "民政局", "330402"),
          ("秀洲区", "水利局", "330411"), ("吴兴区", "应急管理局", "330502"), ("南浔区", "司法局", "330503"),
          ("安吉县", "文化和广电旅游体育局", "330523"), ("海盐县", "农业农村局", "330424"), ("桐乡市", "司法局", "330483"),
          ("平湖市", "住房和城乡建设局", "330482"), ("长兴县", "水利局", "330522"), ("嘉善县", "民政局", "330421"),
          ("海宁市", "文化和广电旅游体育局", "330481"), ("德清县", "交通运输局", "330521"), ("秀洲区", "教育局", "330411"),
          ("吴兴区", "卫生健康局", "330502"), ("南浔区", "农业农村局", "330503"), ("长兴县", "应急管理局", "330522"),
          ("海盐县", "民政局", "330424"), ("桐乡市", "教育局", "330483"), ("嘉善县", "教育局", "330421"))
_next_body = iter(BODIES)


def nxt() -> dict:
    place, department, code = next(_next_body)
    return {"agency": place + department, "title_agency": place + department, "region_code": code}


def glued_2021_active(r: Report, row: str, text: str) -> str:
    """Section 二 run together, with one row's digits replaced by `text` (its label kept)."""
    rows = active_rows(r)
    label = dict(lab for _, _, body in ACTIVE_TABLES[r.template] for lab in body)[row]
    return "".join(text if cells[0] == label else "".join(cells) for cells in rows)


def examples() -> list[tuple[Report, str]]:
    """(report, its text) for every class."""
    global _next_body
    _next_body = iter(BODIES)
    out: list[tuple[Report, str]] = []

    # -- run-together section 二 cells that no identity splits: inferred by evidence
    r = small_2021(stem="split-prose-2021", cls="split-by-prose", **nxt(),
                   active={**small_2021().active, "active.normative_docs": (45, 18, 302)},
                   extra_prose=["全年制发行政规范性文件45件，清理废止不再适用的文件，及时更新现行有效文件目录。"],
                   note="Crawler copy, every cell run together. 行政规范性文件4518302: the prose gives 本年制发 45; of "
                        "the splits of 18302 left (1|8302, 18|302, 1830|2), 废止 ≤ 现行有效 and the digit counts of "
                        "neighbouring cells leave 18|302.",
                   expect={"inferred": ["active.normative_docs.repealed", "active.normative_docs.in_force"],
                           "evidence": "prose (制发行政规范性文件45件), then priors docs_repealed_le_in_force and "
                                       "neighbour_digits_within_1_二"})
    out.append((r, run_document(r, "")))

    r = small_2019(stem="split-priors-docs-2019", cls="split-by-priors", **nxt(),
                   active={**small_2019().active, "active.normative_docs": (37, 37, 52)},
                   note="Crawler copy, every cell run together. 规范性文件373752 has 10 splits; only 37|37|52 has "
                        "本年新制作 = 本年新公开 and 对外公开总数量 at least as large.",
                   expect={"inferred": ["active.normative_docs.new_made", "active.normative_docs.new_published",
                                        "active.normative_docs.total"],
                           "evidence": "priors docs_made_eq_published, docs_total_ge_published"})
    out.append((r, run_document(r, "")))

    r = small_2019(stem="split-priors-items-2019", cls="split-by-priors", **nxt(),
                   active={**small_2019().active, "active.permit": (287, 0, 153)},
                   note="Crawler copy, every cell run together. 行政许可2870153 has 11 splits: 28|70|153, 2|870|153 "
                        "and others have |增/减| > 上一年项目数量; 2870|1|53, 2870|15|3 and 28701|5|3 keep it but put "
                        "cells 2 to 4 digits apart beside a non-zero 增/减. The priors prefer 287|0|153, weakly: a "
                        "parser gives it only if its margin is clear, flagged inferred; else it leaves the row out.",
                   expect={"inferred": ["active.permit.prev_items", "active.permit.change", "active.permit.decisions"],
                           "evidence": "priors items_change_within_prev, items_change_zero, neighbour_digits_within_1_二 "
                                       "(0 exempt); a weak margin"})
    out.append((r, run_document(r, "")))

    pair_body = nxt()
    prev = small_2021(stem="split-cross-year-2021-a", cls="split-by-cross-year", year=2022, **pair_body,
                      active={**small_2021().active, "active.normative_docs": (6, 2, 31)},
                      apps={"new_received": (3, 1, 0, 0, 0, 0), "carried_over": (1, 0, 0, 0, 0, 0),
                            "granted": (2, 0, 0, 0, 0, 0), "partially_granted": (1, 0, 0, 0, 0, 0),
                            "unable.not_held": (0, 1, 0, 0, 0, 0)},  # one carried forward, into the next year
                      note="The body's previous year, cells a space apart (read exactly): 行政规范性文件 6 2 31.",
                      pair="split-cross-year-2021-b.txt")
    out.append((prev, run_document(prev, " ")))
    r = small_2021(stem="split-cross-year-2021-b", cls="split-by-cross-year", year=2023, **pair_body,
                   active={**small_2021().active, "active.normative_docs": (1, 10, 22)},
                   note="Crawler copy, run together: 行政规范性文件11022 is 1|10|22 or 11|0|22 (both keep 废止 ≤ 现行有效; "
                        "the priors prefer 11|0|22: 废止 ≤ 制发 and a 0 废止 are the common case). The previous "
                        "year's 现行有效 31 decides: 31 + 1 − 10 = 22, while 31 + 11 − 0 ≠ 22. Read alone, it must be "
                        "left out (no clear margin); read after split-cross-year-2021-a.txt, it is inferred.",
                   expect={"inferred": ["active.normative_docs.issued", "active.normative_docs.repealed",
                                        "active.normative_docs.in_force"],
                           "evidence": "cross-year in_force(t) = in_force(t−1) + issued(t) − repealed(t) with "
                                       "split-cross-year-2021-a.txt; alone: ambiguous_split"},
                   pair="split-cross-year-2021-a.txt")
    out.append((r, run_document(r, "")))

    r = small_2019(stem="split-ambiguous-procurement-2019", cls="split-left-out", **nxt(),
                   active={**small_2019().active, "active.procurement": (2, 58.64)},
                   note="Crawler copy, run together: 政府集中采购2586400元 (items glued to an amount in 元). 2|586400, "
                        "25|86400, 258|6400 … : nothing in the report tells them apart. The figures are the truth "
                        "(2 items, 586400元 = 58.64万元) but no evidence singles them out.",
                   expect={"absent": ["active.procurement.items", "active.procurement.amount_wan"],
                           "findings": [{"code": "ambiguous_split",
                                         "keys": ["active.procurement.items", "active.procurement.amount_wan"]}],
                           "evidence": "none: left out"})
    text = run_document(r, "", **{"二": glued_2021_active(r, "active.procurement", "政府集中采购2586400元")})
    out.append((r, text))

    r = small_2019(stem="procurement-prose-2019", cls="procurement-glued", **nxt(),
                   active={**small_2019().active, "active.procurement": (3, 92.25332)},
                   extra_prose=["全年完成政府集中采购项目3个，均按规定公开采购意向和结果。"],
                   note="Crawler copy, run together: 政府集中采购3922533.2元. The prose gives 3 items: the amount is "
                        "922533.2元 = 92.25332万元.",
                   expect={"inferred": ["active.procurement.items", "active.procurement.amount_wan"],
                           "evidence": "prose (政府集中采购项目3个)"})
    text = run_document(r, "", **{"二": glued_2021_active(r, "active.procurement", "政府集中采购3922533.2元")})
    out.append((r, text))

    # -- section 四 laid out otherwise
    r = base_2021(stem="review-rows-2021", cls="review-header-block", **nxt(),
                  review={"reconsideration": (3, 1, 0, 2), "litigation_direct": (1, 0, 1, 0),
                          "litigation_after_reconsideration": (2, 0, 0, 1)},
                  note="Section 四 as a PDF text tool gives it: the header's labels as a block, one a line, then the "
                       "15 numbers three rows of five (one row per kind).")
    labels = [c for row in REVIEW_HEADER for c in row]
    nums = review_numbers(r)
    block4 = labels + [" ".join(nums[i:i + 5]) for i in range(0, 15, 5)]
    out.append((r, pipe_document(r, **{"四": block4})))

    r = base_2019(stem="review-transposed-2019", cls="review-header-block", **nxt(),
                  review={"reconsideration": (4, 1, 0, 1), "litigation_direct": (2, 0, 1, 0),
                          "litigation_after_reconsideration": (1, 0, 0, 1)},
                  note="Section 四 transposed: the header's labels as a block, then five rows of three numbers, one "
                       "row per outcome (结果维持, 结果纠正, 其他结果, 尚未审结, 总计), one column per kind. Read in "
                       "the template's order the blocks do not add up; read by outcome they do.")
    per_kind = [review_numbers(r)[i:i + 5] for i in range(0, 15, 5)]
    block4 = ["行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", "结果维持", "结果纠正", "其他结果", "尚未审结",
              "总计"] + \
             [" ".join(per_kind[k][o] for k in range(3)) for o in range(5)]
    out.append((r, pipe_document(r, **{"四": block4})))

    r = base_2021(stem="review-oneline-2021", cls="review-header-block", **nxt(), year=2023,
                  review={"reconsideration": (5, 2, 1, 0), "litigation_direct": (3, 1, 0, 1),
                          "litigation_after_reconsideration": (1, 0, 0, 0)},
                  note="Section 四's labels one a line, then its 15 numbers on one line.")
    block4 = labels + [" ".join(review_numbers(r))]
    out.append((r, pipe_document(r, **{"四": block4})))

    r = base_2021(stem="review-js-html-2021", cls="review-in-script", **nxt(), suffix=".html", year=2024,
                  review={"reconsideration": (2, 0, 0, 1), "litigation_direct": (0, 1, 0, 0),
                          "litigation_after_reconsideration": (0, 0, 0, 0)},
                  note="An HTML page whose section 四 table is written by a script from a JavaScript string: "
                       "escaped quotes, &nbsp; for blank cells (read as 0), cells without <p>.",
                  expect={"derived": [f"review_litigation.litigation_after_reconsideration.{o}" for o in OUTCOMES]
                          + ["review_litigation.litigation_after_reconsideration.total"]})
    nums = review_numbers(r)
    cells = [("&nbsp;" if i >= 10 else n) for i, n in enumerate(nums)]  # the third block left blank
    rows_js = ["<tr><td colspan=\\\"5\\\">行政复议</td><td colspan=\\\"10\\\">行政诉讼</td></tr>",
               "<tr>" + "".join(f"<td rowspan=\\\"2\\\">{c}</td>" for c in REVIEW_HEADER[1][:5])
               + "<td colspan=\\\"5\\\">未经复议直接起诉</td><td colspan=\\\"5\\\">复议后起诉</td></tr>",
               "<tr>" + "".join(f"<td>{c}</td>" for c in REVIEW_HEADER[2]) + "</tr>",
               "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"]
    js = ("<script type=\"text/javascript\">\nvar tb4 = \"<table class=\\\"xxgk\\\" border=\\\"1\\\">\" +\n"
          + " +\n".join(f"  \"{row}\"" for row in rows_js) + " +\n  \"</table>\";\ndocument.write(tb4);\n</script>")
    tables = {"二": html_table(active_rows(r)), "三": html_table(app_rows(r)), "四": js}
    out.append((r, html_document(r, tables)))

    # -- section 三 laid out otherwise
    r = base_2021(stem="apps-blank-totals-2021", cls="apps-blank-totals", **nxt(), suffix=".html", year=2023,
                  note="An HTML page whose section 三 总计 cell is blank on every result row (（一）予以公开 … （六）"
                       "其他处理): each is the sum of its row.",
                  expect={"derived": [f"applications.{k}.total" for k in RESULT_ROWS_2019 + OTHER_ROWS["2021"]]})
    rows = app_rows(r)
    result_labels = {APP_LABELS[k][-1] for k in RESULT_ROWS_2019 + OTHER_ROWS["2021"]}
    rows = [row[:-1] + [""] if len(row) >= 8 and row[len(row) - 8] in result_labels else row for row in rows]
    out.append((r, html_document(r, {"二": html_table(active_rows(r)), "三": html_table(rows),
                                     "四": html_table(review_rows(r))})))

    r = base_2021(stem="apps-group-totals-2021", cls="apps-group-rows", **nxt(), suffix=".html", year=2023,
                  note="Section 三 with a row of its own for each group (（三）不予公开, （四）无法提供, （五）不予处理, "
                       "（六）其他处理) that gives only the group's 总计, its applicant cells blank; the sub-rows "
                       "give their applicant cells and leave 总计 blank. A group row's blank cells are not 0.",
                  expect={"derived": [f"applications.{k}.total" for k in RESULT_ROWS_2019[2:] + OTHER_ROWS["2021"]]})
    rows = [list(h) for h in APP_HEADER]
    app = r.app_rows()
    figs = r.figures()
    for key, vals in app.items():
        group = key.split(".")[0] if "." in key else None
        labels_k = APP_LABELS[key]
        if group in GROUPS["2021"] and len(labels_k) == 2 and labels_k[0] == GROUP_LABELS[group]:
            rows.append([GROUP_LABELS[group], "", "", "", "", "", "", fmt(figs[f"applications.{group}.total"])])
            labels_k = labels_k[1:]
        if group in GROUPS["2021"]:
            rows.append([*labels_k, *(fmt(v) for v in vals[:6]), ""])
        else:
            rows.append([*labels_k, *(fmt(v) for v in vals)])
    out.append((r, html_document(r, {"二": html_table(active_rows(r)), "三": html_table(rows),
                                     "四": html_table(review_rows(r))})))

    r = base_2019(stem="apps-labels-before-2019", cls="apps-labels-apart", **nxt(), year=2020,
                  note="Section 三 as a PDF text tool gives it when the label column is a box of its own: every row "
                       "label first, one a line, then the rows' numbers, seven a line, in the same order.")
    app = r.app_rows()
    block3 = [c for h in APP_HEADER for c in h] + [lab for k in app for lab in APP_LABELS[k]] + \
             [" ".join(fmt(v) for v in vals) for vals in app.values()]
    out.append((r, pipe_document(r, **{"三": block3})))

    r = base_2021(stem="apps-numbers-before-2021", cls="apps-labels-apart", **nxt(), year=2022,
                  note="Section 三 with the rows' numbers first, seven a line, and the row labels after them, one a "
                       "line, in the same order (a label column extracted after the numbers).")
    app = r.app_rows()
    block3 = [c for h in APP_HEADER for c in h] + [" ".join(fmt(v) for v in vals) for vals in app.values()] + \
             [lab for k in app for lab in APP_LABELS[k]]
    out.append((r, pipe_document(r, **{"三": block3})))

    r = small_2021(stem="apps-lost-blank-cell-2021", cls="apps-lost-cell", **nxt(), year=2022,
                   apps={"new_received": (2, 0, 0, 0, 0, 0), "unable.not_held": (2, 0, 0, 0, 0, 0)},
                   review={},
                   note="Crawler copy, cells a space apart; the rows （一）予以公开 and （二）部分公开 are all zeros and "
                        "lost a cell (six numbers for seven columns): wherever the lost cell was, a blank reads 0 "
                        "and every reading gives the same figures.",
                   expect={"derived": [f"applications.{k}.{c}" for k in ("granted", "partially_granted")
                                       for c in (*APPLICANTS, "total")]})
    rows = app_rows(r)
    lost = {APP_LABELS["granted"][-1], APP_LABELS["partially_granted"][-1]}
    rows = [row[:-1] if any(lab in row for lab in lost) else row for row in rows]
    out.append((r, run_document(r, " ", **{"三": as_run(rows, " ")})))

    # -- section 二 with annotated cells moved out of the table
    r = base_2021(stem="active-annotations-2021", cls="active-loose-annotations", **nxt(), year=2024,
                  active={**base_2021().active, "active.normative_docs": (22, 55, 310)},
                  note="A PDF text copy: the 行政规范性文件 row's 本年制发 and 本年废止 cells carry notes "
                       "(22（其中修订16件）, 55（含自然失效29件）) that the extractor moved out of the table as loose "
                       "lines after the row, which keeps only its last number.",
                  expect={"notes": {"active.normative_docs.issued": "其中修订16件",
                                    "active.normative_docs.repealed": "含自然失效29件"}})
    rows = active_rows(r)
    block2 = []
    for cells in rows:
        if cells[0] == "行政规范性文件":
            block2 += ["行政规范性文件 | 310 |", "22（其中修订16件）", "55（含自然失效29件）"]
        else:
            block2 += as_pipe([cells])
    out.append((r, pipe_document(r, **{"二": block2})))

    # -- a printed 总计 that contradicts its parts
    r = base_2021(stem="total-printed-zero-2021", cls="printed-total-contradicts", **nxt(), year=2023,
                  note="Separate cells; the clerk wrote 0 in every cell of the （七）总计 row although the result rows "
                       "are not 0. What the report prints is kept, and the identities that fail are findings.")
    figs = r.figures()
    printed_zero = {f"applications.results_total.{c}": 0 for c in (*APPLICANTS, "total")}
    fails = [k for k in printed_zero if figs[k] != 0]
    r.expect = {"printed": printed_zero,
                "findings": [{"code": "identity_mismatch", "keys": sorted(fails)}]}
    rows = [row if row[0] != "（七）总计" else ["（七）总计"] + ["0"] * 7 for row in app_rows(r)]
    out.append((r, pipe_document(r, **{"三": as_pipe(rows)})))

    r = base_2019(stem="row-total-printed-zero-2019", cls="printed-total-contradicts", **nxt(), year=2020,
                  note="Separate cells; the （一）予以公开 row's 总计 cell says 0 while its applicant cells are 6 and 1. "
                       "The printed 0 is kept with a finding naming the row.")
    r.expect = {"printed": {"applications.granted.total": 0},
                "findings": [{"code": "identity_mismatch", "keys": ["applications.granted.total"]}]}
    rows = [row if "（一）予以公开" not in row else row[:-1] + ["0"] for row in app_rows(r)]
    out.append((r, pipe_document(r, **{"三": as_pipe(rows)})))

    # -- metadata
    r = base_2021(stem="meta-city-short-form-2023", cls="meta-short-forms", year=2023,
                  agency="嘉兴市发展和改革委员会", title_agency="市发改委", region_code="330400",
                  signature="市发改委",
                  footer=["主办：嘉兴市人民政府办公室", "网站标识码：3304000001"],
                  note="Title and signature name the body by its short form with the bare level (市发改委); the "
                       "city comes from the site's footer (网站标识码 3304000001 → 330400 嘉兴市).")
    out.append((r, pipe_document(r)))
    out.append((replace(r, stem="meta-city-short-form-2023.traditional",
                        note=r.note + " The same report in traditional characters."), None))

    r = base_2021(stem="meta-district-short-form-2022", cls="meta-short-forms", year=2022,
                  agency="西湖区人力资源和社会保障局", title_agency="西湖区人社局", region_code="330106",
                  signature="杭州市西湖区人社局",
                  extra_prose=["全区人力资源和社会保障政策文件均在杭州市西湖区人民政府门户网站集中公开。"],
                  note="Title 西湖区人社局 (two 西湖区 exist: 杭州 and 南昌); the signature and the text name 杭州市.")
    out.append((r, pipe_document(r)))

    r = base_2021(stem="meta-year-in-period-2022", cls="meta-year-wordings", year=2022,
                  agency="上海市科学技术委员会", title_agency="上海市科委", region_code="310000",
                  title="上海市科委政府信息公开工作年度报告", year_in_prose=False,
                  period="本报告中所列数据统计截止时间为2022年12月31日。",
                  note="No year in the title, none in the prose; the statistics sentence gives only the end of the "
                       "period (统计截止时间为2022年12月31日), and the signature's date is of the next year. Short "
                       "form 上海市科委.")
    out.append((r, pipe_document(r)))

    r = base_2019(stem="meta-chinese-numerals-2020", cls="meta-year-wordings", year=2020,
                  agency="德清县政务服务管理办公室", title_agency="县政务服务办", region_code="330521",
                  title="县政务服务办二〇二〇年度政府信息公开工作年度报告", year_in_prose=False,
                  period="本年度报告统计数据的时间范围为二〇二〇年一月一日至十二月三十一日。",
                  signature="德清县政务服务管理办公室",
                  note="Title in Chinese numerals (二〇二〇年度) with the short form 县政务服务办; the statistics "
                       "sentence in Chinese numerals too, no year in the prose; the signature gives the full name.")
    out.append((r, pipe_document(r)))

    # -- prose figures in other wordings
    r = base_2021(stem="prose-wordings-2021", cls="prose-wordings", **nxt(), year=2023, posts=0,
                  extra_prose=["在政府网站平台主动公开政府信息1136条，其中政策文件46条。",
                               "本单位开设政务新媒体账号9个，其中微信公众号6个、微博3个，政务微信公众号全年推送信息512条。"],
                  extra_figures={"publishing.website_posts": 1136, "media.accounts.total": 9,
                                 "media.accounts.wechat": 6, "media.accounts.weibo": 3,
                                 "publishing.wechat_posts": 512},
                  note="Prose figures in wordings other than the catalogue's examples: posts on the government "
                       "website platform, new-media accounts counted without 共, WeChat posts of a 政务微信公众号.")
    out.append((r, pipe_document(r)))

    # -- the unlabelled reports' own classes
    r = small_2019(stem="zeros-glued-spaced-2019", cls="mixed-spacing", **nxt(), year=2019,
                   apps={"new_received": (2, 0, 0, 0, 0, 0), "granted": (2, 0, 0, 0, 0, 0)},
                   note="Crawler copy, cells a space apart except where two zeros ran together (行政许可00 0; "
                        "section 三 rows 2 0 00 0 0 2; section 四 00 00 0 0 …): a run of zeros is one 0 a cell, "
                        "since no number is written with a leading zero.")

    def squeeze(cells: list[str]) -> str:
        """Cells a space apart, but two zeros run together: a section 二 row's first two numbers
        (行政许可00 0), a section 三 row's third and fourth (2 0 00 0 0 2)."""
        out_cells = list(cells)
        nums = [i for i, c in enumerate(out_cells) if c.isdigit()]
        pair = (0, 1) if len(nums) == 3 else (2, 3) if len(nums) == 7 else None
        if pair and out_cells[nums[pair[0]]] == "0" and out_cells[nums[pair[1]]] == "0":
            out_cells[nums[pair[0]]] += out_cells.pop(nums[pair[1]])
        return " ".join(out_cells)

    block2 = " ".join(squeeze(c) for c in active_rows(r))
    block3 = " ".join(squeeze(c) for c in app_rows(r))
    n4 = review_numbers(r)
    block4 = as_run(review_rows(r)[:3], " ") + " " + " ".join(
        ["00", "00", "0", "0", "0", "0", "00", "00", "0", "00"])
    assert "".join(n4) == "0" * 15
    out.append((r, run_document(r, " ", **{"二": block2, "三": block3, "四": block4})))

    r = small_2021(stem="active-row-absent-2021", cls="row-absent", **nxt(), year=2024,
                   active={k: v for k, v in small_2021().active.items() if k != "active.rules"},
                   note="Crawler copy, run together; section 二 has no 规章 row at all and calls the other "
                        "规范性文件 (without 行政): no 规章 figure is given, and none is missed.")
    text = run_document(r, "", **{"二": glued_2021_active(r, "active.normative_docs", "规范性文件309")})
    out.append((r, text))

    r = small_2021(stem="headings-renumbered-2021", cls="headings-renumbered", **nxt(), year=2023,
                   note="Crawler copy, run together, sections renumbered: a fifth section is a 信息处理费 table "
                        "(000), the problems are section 六, and there is no 其他需要报告的事项 heading. Nothing "
                        "of it is a catalogue figure.")
    text = run_document(r, "")
    text = text.replace("五、存在的主要问题及改进情况", "五、政府信息公开收费情况 收费项目 收费标准 收取金额（元） 信息处理费000 "
                        "六、存在的主要问题及改进情况").replace("六、其他需要报告的事项 本年度未收取信息处理费。无其他需要报告的事项。 ", "")
    out.append((r, text))

    # -- prose: a total restated in 条, accounts closed beside the accounts held
    r = small_2021(stem="prose-table-units-2022", cls="prose-table-units", **nxt(), year=2022,
                   stated_new=3, count_word="条",
                   expect={"findings": [{"code": "prose_mismatch", "keys": ["applications.new_received.total"]}]},
                   note="Section 一 counts everything in 条, the new applications too (全年新收政府信息公开申请3条) "
                        "while the table's 新收 is 4: a prose_mismatch finding; the table is kept.")
    out.append((r, pipe_document(r)))

    r = small_2021(stem="prose-closed-accounts-2023", cls="prose-closed-accounts", **nxt(), year=2023,
                   extra_prose=["本年度整合关停政务新媒体5个，其中微信公众号3个、微博2个。",
                                "目前共有政务新媒体账号4个，其中微信公众号3个、微博1个。"],
                   extra_figures={"media.accounts.total": 4, "media.accounts.wechat": 3, "media.accounts.weibo": 1},
                   note="A sentence on accounts closed (关停…5个，其中…微博2个) before the one on the accounts the "
                        "body has: the closure's 其中 parts are not its accounts.")
    out.append((r, pipe_document(r)))

    # -- a row that lost a cell with figures in it: the identities place the lost cell
    r = base_2021(stem="apps-lost-cell-identities-2022", cls="apps-lost-cell", **nxt(), year=2022,
                  note="Crawler copy, cells a space apart; （一）予以公开 lost its blank 其他 cell (9 2 0 0 1 12: the "
                       "lost 0 could stand at any applicant place, or the 12 be the 其他 cell and 总计 lost): of the "
                       "readings only 9|2|0|0|1|0|12 keeps (七)总计 = (一) + … + (六) in every column. 1.属于国家秘密, "
                       "all zeros, lost a cell too: every reading of it is 0.",
                  expect={"derived": [f"applications.{k}.{c}" for k in ("granted", "denied.state_secret")
                                      for c in (*APPLICANTS, "total")]})
    rows = []
    for row in app_rows(r):
        if APP_LABELS["granted"][-1] in row:
            row = row[:-2] + row[-1:]  # the 其他 cell, a 0, dropped
        elif APP_LABELS["denied.state_secret"][-1] in row:
            row = row[:-1]
        rows.append(row)
    out.append((r, run_document(r, " ", **{"三": as_run(rows, " ")})))

    # -- section 二 notes moved out of the table, their words naming their columns
    r = base_2021(stem="active-notes-placed-2022", cls="active-loose-annotations", **nxt(), year=2022,
                  active={**base_2021().active, "active.normative_docs": (6, 2, 41)},
                  note="A PDF text copy: the 行政规范性文件 row keeps only its 现行有效 41; its 本年制发 and 本年废止 "
                       "cells, which carry notes, stand on loose lines after it in the other order "
                       "(2（含到期自然失效1件）, 6（其中修订3件）). The notes' words name the columns (失效 → 本年废止, "
                       "修订 → 本年制发), 41 takes the one left, and 41 ≥ 6, 41 ≥ 2 keep the priors.",
                  expect={"notes": {"active.normative_docs.issued": "其中修订3件",
                                    "active.normative_docs.repealed": "含到期自然失效1件"}})
    block2 = []
    for cells in active_rows(r):
        if cells[0] == "行政规范性文件":
            block2 += ["行政规范性文件 | 41 |", "2（含到期自然失效1件）", "6（其中修订3件）"]
        else:
            block2 += as_pipe([cells])
    out.append((r, pipe_document(r, **{"二": block2})))
    return out


def expected(r: Report) -> dict:
    figs = r.figures()
    for k, v in r.expect.get("printed", {}).items():
        figs[k] = v
    out = {"file": r.stem + r.suffix, "year": r.year, "agency": r.agency, "region_code": r.region_code,
           "template": r.template, "partial": False, "class": r.cls, "note": r.note, "figures": figs}
    if r.expect:
        out["expect"] = {k: v for k, v in r.expect.items() if k != "printed"} | (
            {"printed": r.expect["printed"]} if "printed" in r.expect else {})
    if r.pair:
        out["pair"] = r.pair
    return out


def main(argv: list[str]) -> int:
    outdir = Path(argv[0]) if argv else OUT
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    texts: dict[str, str] = {}
    for r, text in examples():
        assert r.agency and r.title_agency, f"{r.stem}: no body"
        if text is None:  # a traditional copy of the report before it
            import opencc

            base = r.stem.rsplit(".", 1)[0]
            text = opencc.OpenCC("s2t").convert(texts[base])
        texts[r.stem] = text
        (outdir / (r.stem + r.suffix)).write_text(text, encoding="utf-8")
        (outdir / (r.stem + ".expected.json")).write_text(
            json.dumps(expected(r), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(r.stem + r.suffix)
    print(f"{len(written)} reports written to {outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
