"""The seed-text importer against the five real duty lists in sample_data/.

Expected strings are copied from the source files with the cleaning rules applied
(tags removed, one line per step, stray spaces between CJK characters removed).
"""
from __future__ import annotations

import re
import time
from functools import lru_cache
from pathlib import Path

import pytest

from dutylist.importers.parsed import ImportFailure, Receiving
from dutylist.importers.text_list import parse_file, parse_text
from dutylist.importers.textkit import split_place

SAMPLES = Path(__file__).parent.parent / "sample_data"
T003 = "昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡"

#: Per-table row counts, read off the source (last 序号 of each table, no gaps or duplicates).
COUNTS = {
    "000": {"basic": 109, "cooperative": 101, "withdrawn": 30},
    "001": {"basic": 110, "cooperative": 99, "withdrawn": 43},
    "002": {"basic": 119, "cooperative": 127, "withdrawn": 63},
    "003": {"basic": 103, "cooperative": 101, "withdrawn": 37},
    "004": {"basic": 85, "cooperative": 68, "withdrawn": 26},
}
PLACES = {
    "000": ("大有镇", "吉木萨尔县", "昌吉回族自治州"),
    "001": ("六户地镇", "玛纳斯县", "昌吉回族自治州"),
    "002": ("阿合奇镇", "阿合奇县", "克孜勒苏柯尔克孜自治州"),
    "003": ("大南沟乌孜别克族乡", "木垒哈萨克自治县", "昌吉回族自治州"),
    "004": ("奇台镇", "奇台县", "昌吉回族自治州"),
}
CJK = r"[\u4e00-\u9fff，。；：、（）“”《》]"


def seed(key: str) -> Path:
    return next(SAMPLES.glob(f"{key}_*.txt"))


@lru_cache(maxsize=None)
def parsed(key: str):
    return parse_file(seed(key), township=T003 if key == "003" else None)


def item(key: str, kind: str, number: int):
    found = [i for i in parsed(key).of_kind(kind) if i.number == number]
    assert len(found) == 1, f"{key} {kind} {number}: {len(found)} rows"
    return found[0]


def codes_at(key: str, line: int) -> set[str]:
    return {w.code for w in parsed(key).warnings if w.line == line}


def all_strings(it):
    yield it.category
    yield it.name
    yield it.departments_text
    yield from it.departments
    yield from it.dept_duties
    yield from it.township_duties
    for r in it.receiving:
        yield r.department
        yield r.method


# --------------------------------------------------------------------------- every seed

@pytest.mark.parametrize("key", sorted(COUNTS))
def test_counts_per_table(key):
    assert parsed(key).counts() == COUNTS[key]


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_place(key):
    pl = parsed(key)
    assert (pl.township, pl.county, pl.prefecture) == PLACES[key]


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_numbers_run_from_one_without_gaps(key):
    pl = parsed(key)
    for kind, n in COUNTS[key].items():
        assert [i.number for i in pl.of_kind(kind)] == list(range(1, n + 1))
    assert not [w for w in pl.warnings if w.code.startswith("number_")]


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_no_html_and_clean_whitespace_in_any_field(key):
    for it in parsed(key).items:
        for s in all_strings(it):
            assert "<" not in s and ">" not in s, (it.kind, it.number, s)
            assert s == s.strip(), (it.kind, it.number, s)
            if s != it.departments_text:  # there one space may separate two departments (001 row 75)
                assert not re.search(CJK + r"\s+" + CJK, s), (it.kind, it.number, s)
            assert "&nbsp;" not in s and "\t" not in s and "\n" not in s


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_every_flag_has_a_warning_at_its_line(key):
    pl = parsed(key)
    for it in pl.items:
        if it.flags:
            assert len([w for w in pl.warnings if w.line == it.line]) >= len(it.flags)


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_cooperative_rows_have_both_duty_columns(key):
    for it in parsed(key).of_kind("cooperative"):
        assert it.departments, it.number
        assert it.dept_duties or "empty_cell" in codes_at(key, it.line)
        assert it.township_duties or "empty_cell" in codes_at(key, it.line)


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_parsing_is_fast(key):
    start = time.perf_counter()
    parse_file(seed(key), township=T003 if key == "003" else None)
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------- 000 大有镇

def test_000_title_date_and_region():
    pl = parsed("000")
    assert pl.region == "新疆维吾尔自治区"
    assert pl.date == "2025年7月"
    assert pl.stated_totals is None


def test_000_basic_first_last_and_table_of_contents_is_not_a_row():
    first = item("000", "basic", 1)
    assert first.line == 18
    assert first.category == "党的建设"
    assert first.name == ("深入学习贯彻习近平新时代中国特色社会主义思想和习近平总书记关于新疆工作的重要讲话"
                          "重要指示批示精神，完整准确全面贯彻新时代党的治疆方略，宣传和执行党的路线方针政策，"
                          "执行上级党组织及本级党组织决议，开展党内集中教育，加强政治建设，坚定拥护“两个确立”、"
                          "坚决做到“两个维护”")
    last = item("000", "basic", 109)
    assert last.category == "综合政务"
    assert last.name == ("负责本镇便民服务中心建设，推进政务服务标准化、规范化、便利化，做好“12345”政务服务便民热线、"
                         "人民网留言板、“互联网+督查”、中国政府网等平台转办推送事项的办理反馈工作")
    # "组织开展新时代文明实践活 动": the stray space goes
    assert item("000", "basic", 58).name.endswith("组织开展新时代文明实践活动")


def test_000_cooperative_first_row_html_list_items_get_numbers():
    it = item("000", "cooperative", 1)
    assert (it.category, it.name) == ("党的建设", "推荐县级以上党代表工作")
    assert it.departments == ["吉木萨尔县委组织部"]
    assert it.departments_text == "吉木萨尔县委组织部"
    assert len(it.dept_duties) == 5 and len(it.township_duties) == 7
    assert it.dept_duties[0] == "1.明确代表推荐的总体要求、具体条件，推荐程序和时间安排等；"
    assert it.dept_duties[-1] == "5.完成选举后，对选举结果进行备案，审核选举程序是否合法、选举结果是否有效。"
    assert it.township_duties[0] == "1.根据上级要求，制定推荐工作方案；"
    assert it.township_duties[-1] == "7.上报选举结果。"


def test_000_cooperative_last_row_from_p_blocks():
    it = item("000", "cooperative", 101)
    assert (it.category, it.name) == ("教育培训监管", "校外培训机构监管")
    assert it.departments == ["吉木萨尔县教育局", "吉木萨尔县公安局"]
    assert it.dept_duties[0] == "1.县教育局做好“双减”政策讲解宣传工作；"
    assert it.dept_duties[-1] == ("3.县教育局联合县公安局防范和化解校外培训机构安全事故风险，审查和备案校外培训机构人员"
                                  "及使用材料，加强资金日常监管。")
    assert it.township_duties == [
        "1.排查本镇无证无照违规培训问题，上报线索；",
        "2.协助讲解、宣传“双减”政策，协助县教育局、县公安局调查取证；",
        "3.做好本镇校外培训机构巡查工作，发现问题隐患及时上报。",
    ]


def test_000_headings_inside_html_cells():
    it = item("000", "cooperative", 30)
    assert it.dept_duties == [
        "一、农药使用指导、服务工作",
        "1.组织技术人员开展科学使用农药化肥培训；",
        "2.组织农资经销商开展培训；",
        "3.定期发布禁用农药名单；",
        "4.会同大有镇推广绿色防控技术；",
        "5.定期对农资经销商开展巡查；",
        "6.处理农作物药害事故。",
        "二、农药包装废弃物回收清理工作",
        "1.合理布设县、镇、村农药包装废弃物回收站（点），与经营企业（个体）签订回收协议，建立农药包装废弃物回收台账；",
        "2.依法查处未按规定回收农药包装废弃物的违法行为。",
    ]
    assert item("000", "cooperative", 52).dept_duties == [
        "县自然资源局",
        "1.制定全县集体经营性建设用地入市流转方案，加强审核审批工作；",
        "2.按程序进行审批，并组织进行挂牌招标。",
        "县农业农村局",
        "发挥牵头组织协调作用，承担会议召集、沟通联络、督促落实等日常工作职责。",
    ]


def test_000_plain_text_cells_split_before_markers_and_headings():
    it = item("000", "cooperative", 4)
    assert it.dept_duties == [
        "1.根据大有镇上报的“五小工程”信息进行规划布局，召开部务会议研究确定实施项目；",
        "2.做好招投标和建设工；",
        "3.负责项目的实施监管和验收；",
        "4.做好项目资产移交。",
    ]
    assert item("000", "cooperative", 64).township_duties == [
        "一、农作物秸秆综合利用",
        "1.指导各村推广宣传先进农作物秸秆综合利用技术，对秸秆进行肥料化、饲料化、能源化、工业原料化、"
        "食用菌基料化等综合利用；",
        "2.指导本镇农村集体经济组织、农民专业合作社经济组织、企业等开展秸秆收集、贮存、运输和综合利用服务；",
        "3.做好农作物秸秆综合利用台账建设，并上报县农业农村局。",
        "二、农作物秸秆禁烧",
        "1.做好对农作物秸秆禁烧的宣传教育 and 协助相关职能部门开展检查；",
        "2.发现露天焚烧秸秆、落叶等产生烟尘污染的违法行为，立即制止、灭火，行为造成严重后果的，及时移交县公安局进行处理；",
        "3.接到州生态环境局吉木萨尔县分局反馈后立即派员核实、制止、灭火。",
    ]
    # department headings without a colon ("县委宣传部 1. 按要求…")
    assert item("000", "cooperative", 78).dept_duties == [
        "县委宣传部",
        "1. 按要求向大有镇配备各类图书；",
        "2. 指导大有镇做好图书选购，督促新华书店做好图书配送、发放工作。",
        "县文化体育广播电视和旅游局",
        "指导大有镇分类整理图书编目。",
    ]


def test_000_single_sentence_cell_and_departments():
    it = item("000", "cooperative", 5)
    assert it.departments == ["吉木萨尔县委组织部", "吉木萨尔县人力资源和社会保障局"]
    assert it.dept_duties == ["1.定期梳理干部人事档案缺失清单，推送至大有镇；", "2.审核把关报送档案并整理归档。"]
    assert it.township_duties == ["收集干部档案新增资料、缺失材料，分类整理后分别移交县委组织部、县人力资源和社会保障局。"]


def test_000_step_numbering_defect_of_the_source_is_kept_and_flagged():
    it = item("000", "cooperative", 19)
    assert [d.split(".")[0] for d in it.dept_duties] == ["1", "2", "3", "4", "5", "7"]
    assert it.dept_duties[-1] == "7.县卫生健康委员会负责对犬用狂犬病疫苗注射和狂犬病人诊治的管理，狂犬病防治知识的宣传和教育工作。"
    assert it.flags
    assert "step_sequence" in codes_at("000", it.line)


def test_000_withdrawn_rows():
    first = item("000", "withdrawn", 1)
    assert (first.category, first.name) == ("民生服务", "出具婚姻状况证明（婚姻关系证明、分居证明）")
    assert first.receiving == [Receiving("吉木萨尔县民政局", "依据婚姻登记历史档案，出具婚姻状况证明，并加盖公章。")]
    last = item("000", "withdrawn", 30)
    assert (last.category, last.name) == ("市场监管", "对从事无照经营的处罚")
    assert last.receiving == [Receiving(
        "吉木萨尔县市场监督管理局",
        "负责执法检查、巡查、投诉、举报事项;开展立案登记审查;对符合立案条件的,依法依规进行调查,"
        "并对确凿的违法事件作出行政处罚决定;完成执法文书归档工作。")]
    # half-width colon
    assert item("000", "withdrawn", 7).receiving[0].department == "吉木萨尔县农业农村局"


def test_000_withdrawn_row_22_has_two_departments():
    it = item("000", "withdrawn", 22)
    assert it.line == 353
    assert it.name == "对临时建筑物、构筑物和其他设施限期拆除期满仍不拆除的强制拆除"
    assert it.receiving == [
        Receiving("吉木萨尔县自然资源局", "核实建筑物、构筑物性质和时限，并将线索移交县住房和城乡建设局开展执法工作。"),
        Receiving("吉木萨尔县住房和城乡建设局", "根据移交的线索确定拆除方式，依法处罚及拆除。"),
    ]


# --------------------------------------------------------------------------- 001 六户地镇

def test_001_basic_first_last_words_split_by_spaces():
    first = item("001", "basic", 1)
    assert first.name.startswith("深入学习贯彻习近平新时代中国特色社会主义思想")
    assert "重要指示批示精神完整准确全面贯彻新时代党的治疆方略" in first.name
    last = item("001", "basic", 110)
    assert (last.category, last.name) == ("综合政务", item("000", "basic", 109).name)


def test_001_cooperative_first_last_unclosed_ol_without_li():
    it = item("001", "cooperative", 1)
    assert it.departments == ["玛纳斯县委组织部"]
    assert it.dept_duties[0] == "1.明确代表推荐的总体要求、具体条件、推荐程序和时间安排等；"
    assert it.dept_duties[-1] == "5.完成选举后，对选举结果进行备案，审核选举程序是否合法、选举结果是否有效。"
    assert it.township_duties[0] == "1.根据上级要求，制定推荐工作方案；"
    assert it.township_duties[-1] == "7.上报选举结果。"
    last = item("001", "cooperative", 99)
    assert (last.category, last.name) == ("教育培训监管", "校外培训机构监管")
    assert last.departments == ["玛纳斯县教育局", "玛纳斯县公安局"]
    assert last.dept_duties[0] == "1.县教育局做好“双减”政策讲解宣传工作；"
    assert last.dept_duties[-1] == ("3.县教育局联合县公安局防范和化解校外培训机构安全事故风险，审查和备案校外培训机构"
                                    "人员及使用材料，加强资金日常监管。")
    assert last.township_duties[0] == "1.排查本镇无证无照违规培训问题，上报线索；"
    assert last.township_duties[-1] == "3.做好本镇校外培训机构巡查工作，发现问题隐患及时上报。"


def test_001_unnumbered_list_items_are_numbered_in_order():
    it = item("001", "cooperative", 52)
    assert it.dept_duties == [
        "1.负责六户地镇五年采伐规划前期调查工作；",
        "2.根据森林法要求对全市森林资源做好五年清查工作；",
        "3.根据六户地镇提供的前期调查数据，按年度制定五年采伐方案；",
        "4.根据六户地镇提供的采伐申请与六户地镇共同踏勘现场，核实六户地镇前期调查资料；",
        "5.根据六户地镇提供的申请表签署审核意见，审核同意后出具采伐许可证；",
        "6.负责对新造林按年度进行统计，完成永久项目占用林地销账工作及临时项目占用林地的恢复工作。",
    ]
    assert it.township_duties[-1] == "4.落实林木限期采伐及更新验收工作。"


def test_001_departments_split_on_whitespace_but_not_inside_a_wrapped_name():
    it = item("001", "cooperative", 75)
    assert it.departments_text == "玛纳斯县委宣传部 县文化体育广播电视和旅游局"
    assert it.departments == ["玛纳斯县委宣传部", "县文化体育广播电视和旅游局"]
    wrapped = item("001", "cooperative", 80)
    assert (wrapped.category, wrapped.name) == ("应急管理及消防", "自然灾害的防范处置救助工作")
    assert wrapped.departments == ["玛纳斯县应急管理局"]
    it = item("001", "cooperative", 81)
    assert it.departments == ["玛纳斯县应急管理局及其他负有安全生产监督管理职责的部门"]
    assert it.dept_duties == ["县应急管理局及其他负有安全生产监督管理职责的部门负责各自行业内安全生产工作，"
                              "对有关生产经营单位实施安全生产监督检查工作，查处安全生产违法行为，整改事故隐患。"]
    assert it.township_duties[-1] == "7.安全生产事故发生后，迅速启动应急预案，并组织群众疏散撤离。"
    assert item("001", "cooperative", 91).departments == ["玛纳斯县发展和改革委员会", "玛纳斯县公安局"]


def test_001_withdrawn_rows():
    assert item("001", "withdrawn", 1).receiving == [
        Receiving("玛纳斯县民政局", "依据婚姻登记历史档案，出具婚姻状况证明，并加盖公章。")]
    last = item("001", "withdrawn", 43)
    assert (last.category, last.name) == ("市场监管", "对从事无照经营的处罚")
    assert last.receiving == [Receiving(
        "玛纳斯县市场监督管理局",
        "负责执法检查、巡查、投诉、举报事项；开展立案登记审查；对符合立案条件的，依法依规进行调查，"
        "并对确凿的违法事件作出行政处罚决定；完成执法文书归档工作。")]
    assert item("001", "withdrawn", 16).receiving == [Receiving(
        "玛纳斯县医疗保障局",
        "1.采用线上线下多种形式，对群众广泛宣传医疗保障政策，提高群众知晓率、提升主动参保意识； "
        "2.通过集中宣讲、入户走访等方式动员群众参保缴费，做好扩面工作。")]
    assert item("001", "withdrawn", 40).category == "应急管理及消防"


# --------------------------------------------------------------------------- 002 阿合奇镇

def test_002_preface_totals_match_the_tables():
    pl = parsed("002")
    assert pl.stated_totals == {"total": 309, "basic": 119, "cooperative": 127, "withdrawn": 63}
    assert not [w for w in pl.warnings if w.code == "total_mismatch"]
    assert (pl.region, pl.date) == ("新疆维吾尔自治区", "2025年7月")


def test_002_totals_mismatch_and_number_gap_are_warned():
    lines = seed("002").read_text(encoding="utf-8").split("\n")
    lines = [ln for ln in lines if not ln.startswith("30\t自然资源\t开展地质灾害")]
    pl = parse_text("\n".join(lines))
    assert pl.counts()["withdrawn"] == 62
    mismatch = [w for w in pl.warnings if w.code == "total_mismatch"]
    assert len(mismatch) == 2 and all(w.line == 0 for w in mismatch)
    gap = [w for w in pl.warnings if w.code == "number_gap"]
    assert [w.line for w in gap] == [421]
    assert item_of(pl, "withdrawn", 31).flags


def item_of(pl, kind, number):
    return next(i for i in pl.of_kind(kind) if i.number == number)


def test_002_basic_first_last():
    first = item("002", "basic", 1)
    assert first.name.endswith("坚定拥护“两个确立”、坚决做到“两个维护”，开展党内集中教育")
    last = item("002", "basic", 119)
    assert (last.category, last.name) == (
        "综合政务", "负责 12345 政务服务便民热线、人民网留言板、“互联网+督查”、中国政府网等平台转办推送事项的办理、反馈")
    # "<站>" is text, not a tag: it stays, with full-width brackets
    assert item("002", "basic", 118).name == "政务标准化、规范化（便民服务中心＜站＞）建设及运行"


def test_002_cooperative_first_last():
    first = item("002", "cooperative", 1)
    assert (first.name, first.departments) == ("推荐县级以上党代表", ["阿合奇县委组织部"])
    assert first.dept_duties == ["1. 对县级以上党代表进行推荐提名、公示并配合考察；",
                                 "2. 对县级党代表推荐人选进行全面考察，并形成考察报告提交县委审批。"]
    assert first.township_duties == ["1. 根据县级分配的党代表名额及人员构成，进行提名选举；",
                                     "2. 统筹组织党员干部群众参与考察，做好辖区内公示工作。"]
    last = item("002", "cooperative", 127)
    assert (last.category, last.name) == ("教育培训监管", "开展辖区内校外培训机构监管")
    assert last.departments == ["阿合奇县教育局", "阿合奇县市场监督管理局", "阿合奇县文化体育广播电视台和旅游局",
                                "阿合奇县商务科技和工业信息化局", "阿合奇县消防救援局"]
    assert last.dept_duties[:2] == ["阿合奇县市场监督管理局：", "1.对需要申请办理校外培训机构的进行核名，符合条件的下发名称核准通知书；"]
    assert last.dept_duties[-1] == "负责消防安全监督检查，对违反消防安全管理规定的，依法予以相应的行政处罚。"
    assert last.township_duties == ["1.开展教育“双减”政策宣传；", "2.排查辖区内校外教育机构的问题、线索，及时反馈县教育局；",
                                    "3.会同县教育局开展实地核查，重点关注被查处机构。"]


def test_002_headings_restart_numbering():
    it = item("002", "cooperative", 3)
    assert it.township_duties == [
        "一、领导班子绩效考核和年度考核",
        "1. 做好推荐和考察工作会务保障工作；",
        "2. 党委主要领导对年度开展工作进行述职述廉；",
        "3. 根据绩效考核和年度考核结果做好绩效和优秀奖励金发放（包括不合格扣除）。",
        "二、科级领导干部选拔任用",
        "做好推荐和考察工作，做好相关会务保障。",
    ]
    it = item("002", "cooperative", 4)
    assert it.dept_duties == [
        "阿合奇县委组织部：",
        "1. 负责县委管理干部及科级以下公务员和参照公务员管理人员档案的集中管理；",
        "2. 对于档案存在问题的及时反馈补充清单；",
        "3. 对补充档案及时审核归档。",
        "阿合奇县人力资源和社会保障局：",
        "1. 负责审核事业编人员人事档案；",
        "2. 对于档案存在问题的及时下发补充清单；",
        "3. 对补充档案及时完善填充。",
    ]
    it = item("002", "cooperative", 12)
    assert it.dept_duties == [
        "一、县级人大代表选举",
        "1.任命县选举委员会组成人员，制定选举工作方案，报上级备案；",
        "2.审核各乡镇上报的选区划分、代表名额分配和选民名单，并对全县代表选举的时间、地点等事项进行公告；",
        "3.审查当选代表的资格，确认后公布代表名单；",
        "4.处理选举中的争议或违法行为，确保程序合法。",
        "二、县级人大代表补选、罢免",
        "1.通过补选决定，确定补选时间、选区等；",
        "2.监督补选程序，审查当选人资格，公告补选结果；",
        "3.表决通过乡镇报送的代表罢免案。",
    ]
    assert it.township_duties[0] == "县级人大代表选举："
    assert it.township_duties[-1] == "4.在县人大常委会规定的时间内完成投票，上报结果。"
    assert not it.flags


def test_002_row_continued_on_next_line_is_merged():
    it = item("002", "cooperative", 78)
    assert "continued_row" in codes_at("002", it.line)
    assert "阿合奇县农业农村局:" in it.dept_duties
    assert ("负责畜禽粪污资源化利用和病死畜禽无害化处理。负责畜禽屠宰行业管理。做好畜禽养殖污染治理的指导和服务工作，"
            "监督指导养殖户配套建设粪污处理设施并保持正常运行。") in it.dept_duties
    assert it.dept_duties[0] == "一、扬尘综合治理"
    assert it.dept_duties[-1] == "4.依法处理受举报的违法行为。"
    assert it.township_duties[0] == "一、扬尘综合治理"
    assert it.township_duties[-1] == "3. 发现环境污染行为进行制止，并上报克州生态环境局阿合奇县分局。"
    # the separator lines after the row are not rows
    assert item("002", "cooperative", 79).name == "开展生态环境环保督察反馈问题整改工作"


def test_002_withdrawn_rows():
    assert item("002", "withdrawn", 1).receiving == [Receiving("阿合奇县民政局", "负责违规领取高龄津贴的追缴工作。")]
    last = item("002", "withdrawn", 63)
    assert last.name == "对食品小作坊、小餐饮店、小食杂店和食品摊贩违法生产经营的处罚"
    assert last.receiving == [Receiving("阿合奇县市场监督管理局", "对食品小作坊、小餐饮店、小食杂店和食品摊贩违法生产经营的处罚。")]
    dropped = item("002", "withdrawn", 8)
    assert dropped.name == "出具婚姻状况证明（婚姻关系证明、分居证明）"
    assert dropped.receiving == [Receiving("", "法律法规条款已失效，不再开展此项工作。")]
    assert item("002", "withdrawn", 41).receiving == [Receiving("", "阶段性工作已完成，不再开展此项工作。")]
    method = "对破坏或者擅自改变基本农田保护区标志的处罚。"
    assert item("002", "withdrawn", 24).receiving == [Receiving("阿合奇县自然资源局", method), Receiving("农业农村局", method)]
    assert item("002", "withdrawn", 32).receiving == [
        Receiving("阿合奇县水利局", "会同流域管理机构履行河道采砂行政审批及采砂区域的监督管理；依法对河道违法采砂行为进行行政处理。"),
        Receiving("阿合奇县自然资源局", "对河道外采砂行政审批及采砂区域的监督管理；依法对河道外违法采砂行为进行行政处理。"),
    ]
    assert item("002", "withdrawn", 35).receiving == [
        Receiving("阿合奇县自然资源局", "取消乡镇对公共设施、公益事业使用集体建设用地的预审，由行业部门直接受理审批。")]


# --------------------------------------------------------------------------- 003 大南沟乌孜别克族乡 (PDF text)

def test_003_document_does_not_name_itself():
    pl = parse_file(seed("003"))
    assert (pl.township, pl.county, pl.prefecture) == (None, None, None)
    assert "missing_place" in {w.code for w in pl.warnings}
    assert pl.counts() == COUNTS["003"]
    named = parse_file(seed("003"), township="大南沟乌孜别克族乡")
    assert (named.township, named.county) == ("大南沟乌孜别克族乡", None)


def test_003_basic_rows_wrapped_over_lines():
    first = item("003", "basic", 1)
    assert first.line == 3
    assert first.name == item("000", "basic", 1).name
    # blank lines inside the cell
    assert item("003", "basic", 4).name == ("加强党委自身建设，履行全面从严治党主体责任，贯彻民主集中制，落实党委议事规则，"
                                            "执行“三重一大”事项集体决策机制和重大事项请示报告制度，开展理论学习，实行党务公开")
    assert item("003", "basic", 7).name == (
        "按照干部管理权限，负责干部教育、培养、选拔、考核、管理和监督工作，负责村级后备力量“选育管用”工作，"
        "做好退休老干部服务管理和保障工作，组织引导老同志发挥作用，做好驻村第一书记和工作队的日常管理工作，"
        "协助管理上级有关部门驻乡干部")
    # ends right before a repeated page header
    assert item("003", "basic", 8).name.endswith("做好党代表推选、日常联络服务工作，开展党内关怀帮扶")
    last = item("003", "basic", 103)
    assert (last.category, last.name) == (
        "综合政务", "负责本乡便民服务中心建设，推进政务服务标准化、规范化、便利化，做好“12345”政务服务便民热线、"
                   "人民网留言板、“互联网+督查”、中国政府网等平台转办推送事项的办理反馈工作")


def test_003_cooperative_first_row_split_into_six_cells():
    it = item("003", "cooperative", 1)
    assert it.line == 317
    assert (it.category, it.name, it.departments) == ("党的建设", "推荐县级以上党代表工作", ["木垒县委组织部"])
    assert len(it.dept_duties) == 5 and len(it.township_duties) == 7
    assert it.dept_duties[0] == "1.明确代表推荐的总体要求、具体条件、推荐程序和时间安排等；"
    assert it.dept_duties[3] == ("4.对上报的代表候选人预备人选进行审批，确定正式候选人名单。对不符合要求的人选，"
                                 "及时要求大南沟乌孜别克族乡重新推荐或调整；")
    assert it.dept_duties[-1] == "5.完成选举后，对选举结果进行备案，审核选举程序是否合法、选举结果是否有效。"
    assert it.township_duties[0] == "1.根据上级要求，制定推荐工作方案；"
    assert it.township_duties[-1] == "7.上报选举结果。"


def test_003_cooperative_last_row_with_wrapped_category():
    it = item("003", "cooperative", 101)
    assert (it.category, it.name) == ("教育培训监管", "校外培训机构监管")
    assert it.departments == ["木垒县教育局", "木垒县公安局"]
    assert it.dept_duties[0] == "1.县教育局做好“双减”政策讲解宣传工作；"
    assert it.dept_duties[-1] == ("3.县教育局联合县公安局防范和化解校外培训机构安全事故风险，审查和备案校外培训机构"
                                  "人员及使用材料，加强资金日常监管。")
    assert it.township_duties[0] == "1.排查本乡无证无照违规培训问题，上报线索；"
    assert it.township_duties[-1] == "3.做好本乡校外培训机构巡查工作，发现问题隐患及时上报。"
    wrapped = item("003", "cooperative", 83)
    assert (wrapped.category, wrapped.name, wrapped.departments) == (
        "应急管理及消防", "自然灾害的防范处置救助工作", ["木垒县应急管理局"])


def test_003_cooperative_unnumbered_township_cell():
    it = item("003", "cooperative", 2)
    assert it.name == "县级以上党内表彰激励"
    assert it.dept_duties[-1] == ("2.向上级党组织分级分类推荐自治区级、州级、县级“两优一先”对象并上报；举行表彰大会，"
                                  "颁布表彰决定，对获得表彰的党员颁发证书，对获得表彰的党组织颁发证书、奖牌。")
    assert it.township_duties == ["向上级党组织上报本乡推荐对象信息。"]
    it = item("003", "cooperative", 12)
    assert (it.name, it.departments) == ("农业水价调整工作", ["木垒县水利局"])
    assert it.township_duties == ["向农户宣讲法律法规、解读相关政策，督促村级“大喇叭”做好常态宣传工作。"]


def test_003_long_names_and_department_lists():
    it = item("003", "cooperative", 7)
    assert it.name == ("领导班子绩效考核、领导班子及领导干部年度考核工作、科级领导干部选拔任用、干部职级（职员等级）晋升，"
                       "干部监督和干部延伸考察工作")
    assert it.departments == ["木垒县委组织部"]
    assert (len(it.dept_duties), len(it.township_duties)) == (6, 6)
    assert it.township_duties[-1] == "6.协助做好日常监督检查工作。"
    it = item("003", "cooperative", 15)
    assert it.name == "对本乡户籍人员或居住人员中生活无着的流浪乞讨人员的救助及安置"
    assert it.departments == ["木垒县民政局", "木垒县公安局", "木垒县住房和城乡建设局", "木垒县卫生健康委员会", "木垒县教育局"]
    assert it.township_duties[-1] == ("2.做好流浪乞讨人员源头预防和治理工作，无条件接收本乡户籍的外出流浪乞讨人员，"
                                      "帮助其解决生产、生活困难，纳入监管范围，防止其再次外出流浪乞讨。")
    assert item("003", "cooperative", 65).departments == ["木垒县农业农村局", "木垒县公安局", "昌吉州生态环境局木垒县分局"]
    it = item("003", "cooperative", 84)
    assert it.departments == ["木垒县应急管理局及其他负有安全生产监督管理职责的部门"]
    assert it.dept_duties == ["县应急管理局及其他负有安全生产监督管理职责的部门负责各自行业内安全生产工作，"
                              "对有关生产经营单位实施安全生产监督检查工作，查处安全生产违法行为，整改事故隐患。"]
    assert len(it.township_duties) == 7


def test_003_cooperative_rows_around_page_breaks():
    before = item("003", "cooperative", 43)  # followed by the footer "第 29 页，共 57 页" and a header
    assert (before.name, before.departments) == ("做好慈善募捐救助工作", ["木垒县民政局", "木垒县红十字会"])
    assert before.township_duties[-1] == "3.领取并发放县红十字会提供的救助金或救助物资，发放情况报县红十字会备案。"
    after = item("003", "cooperative", 44)
    assert (after.name, after.departments) == ("对普通高考报名考生的鉴定", ["木垒县教育局"])
    assert after.dept_duties[0] == "1.落实教育招生政策，做好高考报名政策宣传、信息审核、咨询接待工作；"
    before = item("003", "cooperative", 91)  # followed by a partial header " 对应上级 / 部门 / …"
    assert before.township_duties[-1] == "6.开展隐患排查，并将排查情况上报县林业和草原局。"
    after = item("003", "cooperative", 92)
    assert (after.name, after.departments) == ("电动自行车安全管理", ["木垒县消防救援局", "木垒县住房和城乡建设局"])
    assert after.dept_duties == [
        "县住房和城乡建设局",
        "督促各村做好电动自行车入户、飞线充电、占用堵塞消防通道和防火间距等日常巡查、安全隐患排查。",
        "县消防救援局",
        "做好突发事件的应急处置，对涉嫌违法违规情形开展调查取证和行政处罚。",
    ]
    assert after.township_duties[0] == "1.开展电动自行车入户安全知识宣传普及；"


def test_003_department_headings_inside_the_duties():
    it = item("003", "cooperative", 51)
    assert it.departments == ["木垒县自然资源局", "木垒县农业农村局"]
    assert it.dept_duties == [
        "县自然资源局",
        "1.制定全县集体经营性建设用地入市流转方案，加强审核审批工作；",
        "2.按程序进行审批，并组织进行挂牌招标。",
        "县农业农村局",
        "发挥牵头组织协调作用，承担会议召集、沟通联络、督促落实等日常工作职责。",
    ]
    assert it.township_duties[0] == ("1.在本乡宣传收集村民对集体经营性建设用地入市流转的反馈意见，根据意见进行权属核查、"
                                     "现状摸底，拟定入市方案；")
    assert len(it.township_duties) == 4
    it = item("003", "cooperative", 35)
    assert it.dept_duties[0] == "一、分户工作"
    assert it.township_duties[0] == "一、分户工作"
    assert it.township_duties[-1] == ("村民委员会对人员提出落户申请的，组织村民代表开会讨论形成决议，对决议同意落户的，"
                                      "由村民委员会、大南沟乌孜别克族乡逐级出具审核意见。")


def test_003_withdrawn_rows():
    first = item("003", "withdrawn", 1)
    assert first.line == 4086
    assert (first.category, first.name) == ("民生服务", "出具婚姻状况证明（婚姻关系证明、分居证明）")
    assert first.receiving == [Receiving("木垒县民政局", "依据婚姻登记历史档案，出具婚姻状况证明，并加盖公章。")]
    last = item("003", "withdrawn", 37)
    assert (last.category, last.name) == ("市场监管", "对从事无照经营的处罚")
    assert last.receiving == [Receiving(
        "木垒县市场监督管理局",
        "负责执法检查、巡查、投诉、举报事项；开展立案登记审查；对符合立案条件的，依法依规进行调查，"
        "并对确凿的违法事件作出行政处罚决定；完成执法文书归档工作。")]
    assert item("003", "withdrawn", 4).name == (
        "对适龄儿童、少年的父母或者其他法定监护人无正当理由未依照规定送适龄儿童、少年入学接受义务教育的处罚")
    assert item("003", "withdrawn", 12).receiving == [Receiving(
        "木垒县人力资源和社会保障局",
        "1.组织专场招聘会、推送针对性培训等；2.通过“线上比对+实地核查”双重把关。线上核对就业登记、社保缴费、"
        "劳动用工备案数据的一致性；实地走访企业，抽查就业人员真实性，防止“数字就业”；3.通过加强技能培训、"
        "搭建用工平台、开发公益性岗位等，“补缺口”促就业。")]
    it = item("003", "withdrawn", 34)  # the row start has a leading space
    assert it.name == "对在改善安全生产条件、防止生产安全事故、参加抢险救护等方面取得显著成绩的单位和个人的奖励"
    assert it.receiving == [Receiving(
        "木垒县应急管理局", "负责对在改善安全生产条件、防止生产安全事故、参加抢险救护等方面取得显著成绩的单位和个人的奖励。")]


# --------------------------------------------------------------------------- 004 奇台镇 (OCR)

def test_004_basic_rows_keep_ocr_text():
    assert item("004", "basic", 1).name.endswith('坚定拥护"两个确立"、坚决做到"两个维护"')
    assert item("004", "basic", 3).name == "且织开展基层理论宣讲,深化习近平新时代中国特色社会主义思想进万家活动"
    assert item("004", "basic", 4).name == ('加强党委自身建设,履行全面从严治党主体责任,贯彻民主集中制,落实党委议事规则,'
                                            '执行"三重一大"事项集体决策机制和重大事项请示报告制度,开展理论学习,实行党务公开')
    last = item("004", "basic", 85)
    assert last.category == "综合政务"
    assert last.name == ('负责本镇便民服务中心建设,推进政务服务标准化、规范化、便利化,做好"12345"政务服务便民热线、'
                         '人民网留言板、"互联网+ 督查"、中国政府网等平台转办推送事项的办理反馈工作')
    assert parsed("004").date == "2025年7月"


def test_004_cooperative_first_last():
    it = item("004", "cooperative", 1)
    assert (it.name, it.departments) == ("推荐县级以上党代表工作", ["奇台县委组织部"])
    assert it.dept_duties[0] == "1.明确代表推荐的总体要求、具体条件、推存程序和时间安排等;"
    assert it.dept_duties[-1] == "5.完成选举后,对选举结果进行备案,审核选举程序是否合法、选举结果是不有效"
    assert it.township_duties[1] == "2.各党支部组织党员进行推荐,按照多于应选代表名额的一定比例,提出代表候选人推荐人选,并上报镇党委;"
    assert it.township_duties[-1] == "7.上报选举结果。"
    last = item("004", "cooperative", 68)
    assert (last.category, last.name) == ("教育培训监管", "校外培训机构监管")
    assert last.departments == ["奇台县教育局", "奇台县公安局"]
    assert last.dept_duties[-1] == ("3.县教育局联合县公安局防范和化解校外培训机构安全事故风险,审查和备案校外培训机构"
                                    "人员及使用材料,加强资金日常监管。")
    assert last.township_duties[1] == '2.协助讲解、宣传"双减"政策,协助相关部门调查取证;'
    assert last.township_duties[-1] == "3.做好本镇校外培训机构巡查工作,发现问题隐患及时上报。"


def test_004_empty_category_is_inherited_and_flagged():
    it = item("004", "cooperative", 6)
    assert it.category == "党的建设"
    assert it.name == "从优秀社区干部中招录公务员、招聘事业单位工作人员"
    assert it.departments == ["奇台县委组织部", "奇台县委编办", "奇台县人力资源和社会保障局"]
    assert it.flags and "empty_category" in codes_at("004", 132)
    # the row before has a garbled category: the last clean one is inherited
    assert item("004", "cooperative", 27).category == "社会保障"
    assert item("004", "withdrawn", 4).category == "民生服务"
    assert "empty_category" in codes_at("004", item("004", "withdrawn", 4).line)


def test_004_garbled_categories_kept_as_printed_and_flagged():
    for kind, number, category in (("cooperative", 26, "(十八十八里) 宣"), ("cooperative", 50, "13 /L. 16# 1 11"),
                                   ("withdrawn", 19, "THV 22 54 TH"), ("withdrawn", 22, "Thu 22 541 157")):
        it = item("004", kind, number)
        assert it.category == category
        assert it.flags
        assert "ocr_category" in codes_at("004", it.line)
    assert item("004", "withdrawn", 19).name == "对装修人未申报登记进行住宅室内装饰装修活动的处罚"


def test_004_empty_names_flagged():
    for kind, number in (("cooperative", 23), ("cooperative", 38), ("cooperative", 62),
                         ("withdrawn", 17), ("withdrawn", 20), ("withdrawn", 25)):
        it = item("004", kind, number)
        assert it.name == ""
        assert it.flags
        assert "empty_name" in codes_at("004", it.line)
    it = item("004", "withdrawn", 25)
    assert it.category == "应急管理及消防"
    assert it.receiving == [Receiving(
        "奇台县应急管理局", "负责对在改善安全生产条件、防止生产安全事故、参加抢险救护等方面取得显著成绩的单位和个人的奖励。")]


def test_004_ocr_damage_in_duty_cells_is_flagged():
    assert item("004", "cooperative", 2).township_duties == []
    assert "empty_cell" in codes_at("004", 122)
    it = item("004", "cooperative", 4)
    assert it.dept_duties == ["2.做好招投标和建设工作;"]
    assert "step_sequence" in codes_at("004", it.line)
    assert "ocr_noise" in codes_at("004", item("004", "cooperative", 7).line)
    assert "ocr_noise" in codes_at("004", item("004", "cooperative", 20).line)


def test_004_withdrawn_first_last():
    assert item("004", "withdrawn", 1).receiving == [Receiving("奇台县民政局", "对违规领取高龄津贴的追缴。")]
    last = item("004", "withdrawn", 26)
    assert (last.category, last.name) == ("应急管理及消防", "建立微型消防站")
    assert last.receiving == [Receiving("奇台县消防救援局", "建立微型消防站收回县消防救援机构。")]
    assert item("004", "withdrawn", 4).receiving == [Receiving(
        "奇台县教育局",
        "负责执法检查、巡查、投诉、举报事项;开展立案登记审查;对符合立案条件的,依法依规进行调查,"
        "并对确凿的违法事件作出行政处罚决定;完成执法文书归档工作。")]


# --------------------------------------------------------------------------- failures and inputs

def test_empty_input_fails(tmp_path):
    for data in (b"", b"  \n\t\n"):
        path = tmp_path / "empty.txt"
        path.write_bytes(data)
        with pytest.raises(ImportFailure, match="文件为空 / file is empty"):
            parse_file(path)
    with pytest.raises(ImportFailure, match="file is empty"):
        parse_text("")


def test_binary_input_fails(tmp_path):
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), b"\xff\xfe\xfd\xfc" * 64):
        path = tmp_path / "image.bin"
        path.write_bytes(data)
        with pytest.raises(ImportFailure, match="not a text file"):
            parse_file(path)


def test_chinese_essay_fails(tmp_path):
    essay = ("春天来了，田野里的麦苗绿油油的。农民们在地里忙着浇水施肥，孩子们在田埂上追逐嬉戏。\n\n"
             "一、乡村的早晨\n太阳升起来了，村口的大喇叭播放着新闻。1.早饭后大家去地里干活。\n"
             "二、乡村的夜晚\n夜里星星很亮，远处传来几声狗叫。\n") * 5
    path = tmp_path / "essay.txt"
    path.write_text(essay, encoding="utf-8")
    with pytest.raises(ImportFailure, match="不是履职事项清单：未找到任何事项表格 / not a duty list: no item table found"):
        parse_file(path)


def test_table_of_contents_only_fails(tmp_path):
    head = seed("000").read_text(encoding="utf-8").split("\n")[:14]
    assert any("目 录" in ln for ln in head)
    path = tmp_path / "toc.txt"
    path.write_text("\n".join(head), encoding="utf-8")
    with pytest.raises(ImportFailure, match="no item table found"):
        parse_file(path)


def test_gb18030_and_bom_inputs(tmp_path):
    text = seed("000").read_text(encoding="utf-8")
    for name, data in (("gb.txt", text.encode("gb18030")), ("bom.txt", text.encode("utf-8-sig"))):
        path = tmp_path / name
        path.write_bytes(data)
        pl = parse_file(path)
        assert pl.counts() == COUNTS["000"]
        assert pl.township == "大有镇"
        assert pl.items[0].name == item("000", "basic", 1).name


def test_duplicate_number_is_warned():
    lines = seed("000").read_text(encoding="utf-8").split("\n")
    row = next(i for i, ln in enumerate(lines) if ln.startswith("12\t党的建设\t"))
    lines.insert(row + 1, lines[row])
    pl = parse_text("\n".join(lines))
    assert pl.counts()["basic"] == 110
    assert [w.line for w in pl.warnings if w.code == "number_duplicate"] == [row + 2]


def test_township_argument_does_not_override_the_document():
    pl = parse_file(seed("000"), township="某某乡")
    assert pl.township == "大有镇"
    assert "place_conflict" in {w.code for w in pl.warnings}
    pl = parse_file(seed("001"), township="新疆维吾尔自治区昌吉回族自治州玛纳斯县六户地镇")
    assert pl.region == "新疆维吾尔自治区"
    assert not [w for w in pl.warnings if w.code == "place_conflict"]


@pytest.mark.parametrize(("text", "expected"), [
    ("新疆维吾尔自治区昌吉回族自治州吉木萨尔县大有镇",
     {"region": "新疆维吾尔自治区", "prefecture": "昌吉回族自治州", "county": "吉木萨尔县", "township": "大有镇"}),
    ("昌吉州玛纳斯县六户地镇",
     {"region": None, "prefecture": "昌吉回族自治州", "county": "玛纳斯县", "township": "六户地镇"}),
    ("大南沟乌孜别克族乡",
     {"region": None, "prefecture": None, "county": None, "township": "大南沟乌孜别克族乡"}),
    ("昌吉回族自治州木垒哈萨克自治县大南沟乌孜别克族乡",
     {"region": None, "prefecture": "昌吉回族自治州", "county": "木垒哈萨克自治县", "township": "大南沟乌孜别克族乡"}),
    ("克州阿合奇县阿合奇镇",
     {"region": None, "prefecture": "克孜勒苏柯尔克孜自治州", "county": "阿合奇县", "township": "阿合奇镇"}),
    ("吉木萨尔县", {"region": None, "prefecture": None, "county": "吉木萨尔县", "township": None}),
])
def test_split_place(text, expected):
    assert split_place(text) == expected
