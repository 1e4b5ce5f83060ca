"""Response models of a report's per-section views (GET /reports/{id}/<section>): every field
is null where the report lacks the figure. Here, not in app/api/, because a service fills them
(app/services/views.py) and services import nothing of the web layer."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.models import Number, Template

class SectionView(BaseModel):
    report_id: int
    template: Template | None


class DocumentCounts(BaseModel):
    """规章 / 规范性文件. 2019 template: new_made, new_published, total; 2021: issued, repealed, in_force."""

    new_made: Number | None = None
    new_published: Number | None = None
    total: Number | None = None
    issued: Number | None = None
    repealed: Number | None = None
    in_force: Number | None = None


class ItemCounts(BaseModel):
    """上一年项目数量 / 本年增减 (signed) / 处理决定数量."""

    prev_items: Number | None = None
    change: Number | None = None
    decisions: Number | None = None


class Fees(BaseModel):
    """行政事业性收费: prev_items, change (2019); amount_wan in 万元 (2021)."""

    prev_items: Number | None = None
    change: Number | None = None
    amount_wan: Number | None = None


class Procurement(BaseModel):
    """政府集中采购 (2019): items, amount_wan in 万元."""

    items: Number | None = None
    amount_wan: Number | None = None


class ActiveView(SectionView):
    """Section 二, 主动公开政府信息情况."""

    rules: DocumentCounts
    normative_docs: DocumentCounts
    permit: ItemCounts
    other_services: ItemCounts
    penalty: ItemCounts
    enforcement: ItemCounts
    fees: Fees
    procurement: Procurement


class PermitsView(SectionView):
    permit: ItemCounts
    other_services: ItemCounts
    penalty: ItemCounts
    enforcement: ItemCounts


class FeesView(Fees, SectionView):  # bases in this order: report_id, template come first
    pass


class ProcurementView(Procurement, SectionView):
    pass


class ApplicationColumn(BaseModel):
    key: str
    label: str


class ApplicationValues(BaseModel):
    natural_person: Number | None = None
    commercial: Number | None = None
    research: Number | None = None
    social_welfare: Number | None = None
    legal_service: Number | None = None
    other_org: Number | None = None
    total: Number | None = None


class ApplicationRow(BaseModel):
    key: str = Field(description="row key: the figure key is applications.<row>.<column>")
    label: str
    group: str | None = Field(description="denied | unable | not_processed | other for grouped rows and their totals")
    values: ApplicationValues


class ApplicationChannels(BaseModel):
    online: Number | None = None
    in_person: Number | None = None


class ApplicationsView(SectionView):
    """Section 三: rows × applicant columns, group totals included."""

    columns: list[ApplicationColumn]
    rows: list[ApplicationRow]
    channels: ApplicationChannels


class Outcomes(BaseModel):
    upheld: Number | None = None
    corrected: Number | None = None
    other: Number | None = None
    pending: Number | None = None
    total: Number | None = None


class ReviewLitigationView(SectionView):
    """Section 四: 行政复议 and 行政诉讼 outcomes."""

    reconsideration: Outcomes
    litigation_direct: Outcomes
    litigation_after_reconsideration: Outcomes


class MediaAccountsView(SectionView):
    total: Number | None = None
    wechat: Number | None = None
    weibo: Number | None = None
    other: Number | None = None


class PublishingView(SectionView):
    website_posts: Number | None = None
    weibo_posts: Number | None = None
    wechat_posts: Number | None = None
    gazette_items: Number | None = None
    policy_interpretations: Number | None = None
    press_conferences: Number | None = None
    online_interviews: Number | None = None
    consultations: Number | None = None
    letters_answered: Number | None = None

