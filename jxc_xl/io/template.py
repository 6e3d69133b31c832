"""A new workbook made to the contract: every sheet, its Table, formats and drop-down lists."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableFormula, TableStyleInfo

from ..sheets.contract import (ACCOUNTS, ALL_SHEETS, GENERATED, ITEMS, PARTIES, SETTINGS, WAREHOUSES,
                               SheetSpec, generated_note)
from ..sheets.format import FORMATS, HEADER_FILL
from .files import save_atomically
from .xlsx import mark_owner, page_setup, write_generated

# An input table starts with one empty row (its formats and the 金额 formula): Excel's Table grows
# as a clerk types under it, copying both. Tables pre-sized to hundreds of empty rows printed as
# pages of empty ruled lines (the demo workbook came to 119 pages).
TEMPLATE_ROWS = 1
VALIDATION_ROWS = 5000       # rows the drop-down lists cover, beyond the table as it grows

# list name -> (master sheet, its code column letter)
LISTS = {"商品编码列表": (ITEMS, "A"), "往来单位列表": (PARTIES, "A"), "仓库列表": (WAREHOUSES, "A"),
         "账户列表": (ACCOUNTS, "A")}
LIST_FOR = {"商品编码": "商品编码列表", "供应商": "往来单位列表", "客户": "往来单位列表", "往来单位": "往来单位列表",
            "仓库": "仓库列表", "调出仓库": "仓库列表", "调入仓库": "仓库列表", "账户": "账户列表", "转入账户": "账户列表"}

GUIDE = """jxc-xl 进销存工作簿 使用说明

1. 先填主数据：“商品”“往来单位”“仓库”三张表（编码不能重复；往来单位的类型填 客户 / 供应商 / 客户及供应商）；
   管钱的话再填“账户”表：现金、银行卡、微信、支付宝等（类型从下拉列表选）。
2. 开始使用时填“期初库存”（每个仓库每个商品的数量和单位成本）、“期初往来”（每个客户的应收、每个供应商的应付）
   和“期初资金”（每个账户开始时的余额，透支填负数）。
3. 日常单据：采购、销售、调拨、盘点、收付款、其他收支、核销、其他出入库，每行一条明细；
   同一张单据的多行，单号、日期、业务类型、往来单位、仓库要一致。
   数量一律填正数，方向由业务类型决定；退货可在“原单号”填原入库/出库单号，按原单成本退回。
   采购订单、销售订单记下订购的数量（不动库存和往来）；到货入库、发货出库时在“订单号”列填订单的单号，
   系统核对未执行的数量，并在“库存”表算出采购在途、销售待发和可用数量；不再执行的订单点“关闭订单”。
   增值税：按发票填单价（不含税）或含税单价其中一个；税率可不填（依次取商品、往来单位、“设置”的默认税率）；
   金额、税额、价税合计由系统按行计算（四舍五入到分），过账后写回；采购的发票类型填 专票 / 普票 / 无票。
4. 资金：有了账户，收付款和其他收支每行都要填“账户”（钱从哪个账户进出）。“其他收支”记 费用（类别填 房租、工资、
   水电、运费等，利润表按类别列出）、其他收入 和 转账（从“账户”转到“转入账户”，不影响利润）。
   “资金”表是每个账户的余额（为负时标出，结账时也会提示），“资金日记账”是每笔收支和逐笔余额。
   收付款的业务类型 预收 / 预付 是订金：不冲以前的欠款，只抵以后的发货/到货；“订单号”填销售订单或采购订单时
   只抵这张订单的发货或到货（定向抵扣）。“核销”表做 预收冲应收、预付冲应付，以及对既是客户又是供应商的
   单位 应收冲应付；一张核销不能超过两边还没结清的金额。
5. 点“进销存 → 过账”（或运行 jxc post 工作簿.xlsx）：系统校验每一行，合格的记入账簿，“状态”列写“已过账…”；
   有问题的行写“错误：…”并把出错的单元格标成红色，改正后再次过账即可。已过账的行不要修改，需要更正请用“冲销”（红字冲销）后重新录入。
   “发票”表登记开出和收到的发票（由财务过账）：一张发票开具几张单据就填几行（同一发票号码），红字发票填负数；
   “开票跟踪”表列出每张含税单据已开票、未开票的金额。开具了发票的单据要先冲销发票才能冲销。
6. {generated}由系统生成，每次刷新/过账都会整表重写，不要在里面录入；“报表”另写进销存汇总、毛利、利润表、增值税、补货建议、库龄和图表。
7. 凭证：点“生成凭证”（jxc vouchers 工作簿.xlsx --from 2026-11-01 --to 2026-11-30）把这期间每张已过账单据做成
   一张借贷平衡的记账凭证，写入“凭证”表，第 1 行是表头，可导入金蝶、用友；科目取“科目”表（已按小企业会计准则填好，
   可以改成自己账套的科目）。生成过凭证的单据要先作废凭证（--void 凭证号）才能冲销。
8. “设置”表：成本方法（移动加权平均 / 先进先出 / 月末一次加权平均，账簿有过账记录后不能再改）、是否允许负库存、
   纳税人类型（小规模纳税人 / 一般纳税人：一般纳税人专票的进项税额可抵扣）和默认税率。
   月末点“进销存 → 结账”（jxc close 工作簿.xlsx 2026-11）：检查通过后该月及以前的单据不能再过账或冲销，
   “结账日期”由系统写入，只作显示，手工修改不起作用；需要更正时点“反结账”（先自动备份账簿，只能反结账最近结账的月份）。
9. 账簿文件（默认与工作簿同名、扩展名 .jxc.db，放在工作簿旁边）是真正的账；请定期备份，不要放在网络共享盘上。
   多人共用一套账时，填账簿服务器的地址 postgresql://自己的登录名@服务器:5432/库名（密码不写在这里，
   放在本机的 pgpass 文件中），每人按部门角色过账（见 README“多人使用”）。
""".format(generated="".join(f"“{spec.zh}”" for spec in GENERATED))

SETTING_ROWS = [("公司名称", ""), ("账簿文件", ""), ("成本方法", "移动加权平均"), ("允许负库存", "否"),
                ("结账日期", None), ("语言", "中文"), ("信用控制", "提示"), ("报表开始", None), ("报表结束", None),
                ("制单人", ""), ("纳税人类型", "小规模纳税人"), ("默认税率", None), ("过账需审核", None)]
# a setting's drop-down list, or its value's number format
SETTING_CHOICES = {"成本方法": "移动加权平均,先进先出,月末一次加权平均", "允许负库存": "否,是", "语言": "中文,English",
                   "信用控制": "提示,禁止", "纳税人类型": "小规模纳税人,一般纳税人", "过账需审核": "否,是"}
SETTING_NOTES = ("账簿文件留空 = 与工作簿同名的 .jxc.db 文件（放在工作簿旁边）；",
                 "多人共用填服务器地址 postgresql://登录名@服务器/库名（不写密码）。",
                 "成本方法在账簿有过账后不能更改。",
                 "一般纳税人：专票的进项税额可抵扣，入库按不含税金额计成本；",
                 "默认税率填 13%、9% 等，留空 = 不计税。",
                 "过账需审核：是 = 账簿有用户后，每人过账的单据先待审核，由财务或老板（不是制单人）审核后才过账；"
                 "由管理员设置，留空 = 按账簿；没有用户的账簿（一人记账）不需要审核。")
SETTING_FORMATS = {"结账日期": FORMATS["date"], "报表开始": FORMATS["date"], "报表结束": FORMATS["date"],
                   "默认税率": FORMATS["rate"]}


def new_workbook(path: str | Path, company: str = "") -> Path:
    """Write an empty workbook with every sheet of the contract to ``path`` (atomically)."""
    path = Path(path)
    wb = build_workbook(company)
    save_atomically(path, wb.save)
    return path


def build_workbook(company: str = "", rows: dict[str, list[list]] | None = None,
                   settings: dict[str, object] | None = None) -> Workbook:
    """The template, optionally filled: ``rows`` maps a sheet's Chinese name to its data rows,
    ``settings`` a 设置 key (as SETTING_ROWS names it) to its value."""
    rows = rows or {}
    wb = Workbook()
    guide = wb.active
    guide.title = "说明"
    for r, line in enumerate(GUIDE.splitlines(), start=1):
        guide.cell(r, 1, line)
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120
    page_setup(guide, company, False, None)
    for spec in ALL_SHEETS:
        ws = wb.create_sheet(spec.zh)
        if spec in GENERATED:
            write_generated(ws, spec, generated_note(spec, "（尚未生成）"), [], company)
            mark_owner(wb, spec, ws.title)            # jxc's from the start, though empty
        elif spec is SETTINGS:
            _settings(ws, company, settings or {})
            page_setup(ws, company, False, (1, 1))
        else:
            _input_sheet(ws, spec, rows.get(spec.zh, [list(row) for row in spec.filled]))
            page_setup(ws, company, len(spec.columns) > 7, (1, 1))
    for name, (spec, col) in LISTS.items():
        ref = f"OFFSET('{spec.zh}'!${col}$2,0,0,MAX(1,COUNTA('{spec.zh}'!${col}:${col})-1),1)"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    return wb


def _input_sheet(ws, spec: SheetSpec, data: list[list]) -> None:
    width = len(spec.columns)
    for c, column in enumerate(spec.columns, start=1):
        cell = ws.cell(1, c, column.zh)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(c)].width = column.width
        if column.required:
            cell.comment = Comment(required_note(spec, column), "jxc")
    last_row = 1 + max(len(data), TEMPLATE_ROWS)
    letters = {column.zh: get_column_letter(c) for c, column in enumerate(spec.columns, start=1)}
    for r in range(2, last_row + 1):
        values = data[r - 2] if r - 2 < len(data) else [None] * width
        for c, column in enumerate(spec.columns, start=1):
            value = values[c - 1] if c - 1 < len(values) else None
            if column.kind == "formula":
                value = _amount_formula(letters, r)
            cell = ws.cell(r, c, value)
            if column.number_format:
                cell.number_format = column.number_format
    table = Table(displayName=spec.en, ref=f"A1:{get_column_letter(width)}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    table._initialise_columns()
    for column, tc in zip(spec.columns, table.tableColumns):
        tc.name = column.zh
        if column.kind == "formula":
            tc.calculatedColumnFormula = TableFormula(attr_text=_amount_formula(letters, 2)[1:])
    ws.add_table(table)
    ws.freeze_panes = "A2"
    _validations(ws, spec, letters)


# what a required column's note says to type, by the master it names or the kind of figure
_NAMES = {"item": "商品", "party": "往来单位", "warehouse": "仓库", "to_warehouse": "仓库"}
_KINDS = {"date": "如 2026-11-21，也可写 2026/11/21、2026.11.21 或 20261121",
          "qty": "填正数，方向由业务类型决定", "price": "填数字，如 12.50", "money": "填正数，如 1,200.50"}


def required_note(spec: SheetSpec, column) -> str:
    """The note on a required header: that every row needs it and how it is typed, in the
    clerk's words (the English alias is a header a user may type, not something to read)."""
    if spec.role == "master" and column.kind == "code":
        how = "编码不能重复"
    elif column.kind == "choice":
        how = "从下拉列表选择：" + "、".join(w for w in column.choices if not w.isascii())
    elif spec.role == "master":
        how = ""
    elif column.to == "type":
        how = "从下拉列表选择：" + "、".join(spec.type_choices)
    elif column.zh == "实盘数量":
        how = "填实际清点的数量，没有了填 0"
    elif column.to in _NAMES or column.zh == "往来单位":
        how = f"填“{_NAMES.get(column.to, '往来单位')}”表中的编码或名称"
    elif column.zh == spec.key:
        how = f"同一张单据的各行填同一个{column.zh}" if spec.has_lines else "每张单据一行，单号不能重复"
    elif column.to == "covers":
        how = "填这张发票开具的已过账单据的单号（开出：销售出库；收到：采购入库），每张单据一行"
    elif column.to == "total_with_tax":
        how = "填发票上这张单据的价税合计（红字发票填负数）"
    elif column.kind == "qty" and not spec.types:
        how = "填正数"
    else:
        how = _KINDS.get(column.kind, "")
    if column.unless:
        return f"必填：每一行都要填写{column.zh}或{column.unless}（按发票上的价格填其中一个，另一个由系统计算）" + \
            (f"；{how}" if how else "") + "。"
    return f"必填：每一行都要填写{column.zh}" + (f"；{how}" if how else "") + "。"


def _amount_formula(letters: dict[str, str], row: int) -> str:
    qty, price = f"{letters['数量']}{row}", f"{letters['单价']}{row}"
    return f'=IF(AND(ISNUMBER({qty}),ISNUMBER({price})),ROUND({qty}*{price},2),"")'


def _validations(ws, spec: SheetSpec, letters: dict[str, str]) -> None:
    def add(column: str, formula: str, prompt: str) -> None:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle="输入无效", error=prompt)
        dv.add(f"{letters[column]}2:{letters[column]}{VALIDATION_ROWS}")
        ws.add_data_validation(dv)

    typed = next((c.zh for c in spec.columns if c.to == "type"), "")      # 业务类型 (发票: 方向)
    if typed in letters and spec.type_choices:
        add(typed, '"' + ",".join(spec.type_choices) + '"', f"请从下拉列表中选择{typed}")
    for column in spec.columns:
        if column.kind == "choice":
            words = [w for w in column.choices if not w.isascii()]
            add(column.zh, '"' + ",".join(words) + '"', f"{column.zh}应为 " + " / ".join(words))
    if spec.role == "master":              # its choice lists above; the lists below name masters
        return
    for column, name in LIST_FOR.items():
        if column in letters:
            dv = DataValidation(type="list", formula1=name, allow_blank=True, showErrorMessage=False)
            dv.add(f"{letters[column]}2:{letters[column]}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)
    for column, kind in (("日期", "date"), ("到期日", "date"), ("交货日期", "date")):
        if column in letters:
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                showErrorMessage=False, promptTitle="日期", prompt="如 2026-11-21")
            dv.add(f"{letters[column]}2:{letters[column]}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)


def _settings(ws, company: str, values: dict[str, object]) -> None:
    for c, header in enumerate(("项目", "值"), start=1):
        cell = ws.cell(1, c, header)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.font = Font(bold=True)
    for r, (key, value) in enumerate(SETTING_ROWS, start=2):
        ws.cell(r, 1, key)
        cell = ws.cell(r, 2, values.get(key, company if key == "公司名称" else value))
        if key in SETTING_FORMATS:
            cell.number_format = SETTING_FORMATS[key]
        if key in SETTING_CHOICES:
            dv = DataValidation(type="list", formula1=f'"{SETTING_CHOICES[key]}"', allow_blank=True)
            dv.add(cell.coordinate)
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["D"].width = 62                  # short lines: a page of 设置 prints legibly
    for r, note in enumerate(SETTING_NOTES, start=1):
        ws.cell(r, 4, note).font = Font(italic=True, color="FF7F7F7F")
    ws.add_table(_plain_table("Settings", f"A1:B{len(SETTING_ROWS) + 1}"))


def _plain_table(name: str, ref: str) -> Table:
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    return table


__all__ = ["new_workbook", "build_workbook"]
