"""Name forms of administrative divisions, as reports write them: the short forms of an
autonomous area's name, the bare names used in running text, and the characters OCR takes
for one another. Pure string functions over a division's official name.

    aliases("鄂温克族自治旗")   -> {"鄂温克旗", "鄂温克自治旗"}   (the name itself excluded)
    shorts("淮安市")           -> {"淮安"};  shorts("鄂温克族自治旗") -> {"鄂温克"}
    CONFUSABLE["沐"]          -> "沭"
"""

from __future__ import annotations

# The 56 nationalities, as they occur in names of autonomous areas (followed by 族).
_ETHNIC = sorted(
    (
        "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
        "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
        "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 "
        "珞巴 基诺"
    ).split(),
    key=len,
    reverse=True,
)
# Characters OCR takes for one another (each string: a group of look-alikes). A slip is
# first sought among these; any one-character substitution is the fallback.
_CONFUSABLE_GROUPS = (
    "沐沭", "己已巳", "未末", "士土", "日曰", "戊戌戍", "汨汩", "大太犬", "天夭", "王玉主",
    "人入八", "刀力", "干千于", "兔免", "鸟乌", "折拆", "侯候", "徽微", "崇祟", "泸沪",
    "沽沾", "宫官", "兖衮", "浑浒", "滦栾", "睢雎", "亳毫", "汶汉", "栖柄", "柘拓", "凌陵",
    "淅浙", "郏郊", "泌沁", "延廷", "盱盯", "杨扬", "江汪", "清青", "贝见", "今令", "茌荏",
    "蒲浦", "淮准", "郫陴", "邛卭", "冶治", "历厉", "旬句", "阆闽", "泾经", "洛络", "湘湖",
    "嵊乘", "溧漂", "婺务", "鄞勤", "濉睢", "潢璜", "宁守", "安女", "城域", "县昙",
)
CONFUSABLE: dict[str, str] = {}  # a character → the characters OCR takes it for
for _g in _CONFUSABLE_GROUPS:
    for _c in _g:
        CONFUSABLE[_c] = CONFUSABLE.get(_c, "") + _g.replace(_c, "")


def _strip_ethnic(body: str) -> tuple[str, str | None]:
    """'鄂温克族' → ('', '鄂温克'); '石柱土家族' → ('石柱', '土家');
    '积石山保安族东乡族撒拉族' → ('积石山', '保安'); '巴里坤哈萨克' → ('巴里坤', '哈萨克')."""
    last = None
    changed = True
    stripped = False
    while changed and body:
        changed = False
        if body.endswith("各族"):
            body, changed = body[:-2], True
            continue
        for e in _ETHNIC:
            if body.endswith(e + "族"):
                body, last, changed, stripped = body[: -len(e) - 1], e, True, True
                break
    if not stripped:  # Xinjiang names drop 族: 巴里坤哈萨克, 察布查尔锡伯, 鄂伦春
        for e in _ETHNIC:
            if len(e) >= 2 and body.endswith(e):
                body, last = body[: -len(e)], e
                break
    return body, last


def _autonomous_base(name: str) -> str | None:
    """The place-name part of an autonomous area's name: 鄂温克族自治旗 → 鄂温克."""
    for suf in ("自治县", "自治旗", "自治州", "自治区"):
        if name.endswith(suf):
            body = name[: -len(suf)]
            base, last = _strip_ethnic(body)
            if not base:
                base = last or body
            return base if len(base) >= 2 else None
    return None


def aliases(name: str) -> set[str]:
    """Suffixed short forms reports write for ``name`` (the name itself excluded)."""
    out: set[str] = set()
    base = _autonomous_base(name)
    if base:
        if name.endswith("自治县"):
            out |= {base + "县", base + "自治县"}
        elif name.endswith("自治旗"):
            out |= {base + "旗", base + "自治旗"}
        elif name.endswith("自治州"):
            out |= {base + "州", base + "自治州"}
        elif name.endswith("自治区"):
            out |= {base + "自治区"}
    out.discard(name)
    return out


def shorts(name: str) -> set[str]:
    """Bare forms without suffix (淮安, 宿迁, 江苏, 呼伦贝尔, 恩施), used to read context."""
    out: set[str] = set()
    base = _autonomous_base(name)
    if base:
        out.add(base)
    for suf in ("特别行政区", "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟", "州"):
        if name.endswith(suf) and not base:
            stem = name[: -len(suf)]
            if len(stem) >= 2:
                out.add(stem)
            break
    return out
