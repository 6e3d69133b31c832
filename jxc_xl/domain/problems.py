"""Errors as values: what went wrong with a document, where, and what to do about it.

Validation and posting never raise on bad user input; they return :class:`Problem` objects.
Each message exists in Chinese (the default) and English and names the field, the
offending value and the fix, in words a clerk understands.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field

from .model import Source

# code -> (Chinese, English). Placeholders are filled from Problem.args.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("{field}不能为空：请填写{field}。", "{field} is empty: please fill it in."),
    "unknown_item": ("商品编码“{value}”不存在：请先在“商品”表中添加该商品，或检查编码拼写。",
                     "Unknown SKU '{value}': add it to the Items sheet first or check the spelling."),
    "inactive_item": ("商品“{value}”已停用：请换用其他商品，或在“商品”表中取消停用。",
                      "Item '{value}' is inactive: use another item or re-activate it in the Items sheet."),
    "unknown_party": ("往来单位“{value}”不存在：请先在“往来单位”表中添加，或检查编码/名称。",
                      "Unknown party '{value}': add it to the Parties sheet first or check the code/name."),
    "party_not_customer": ("往来单位“{value}”不是客户：请在“往来单位”表中把类型改为“客户”或“客户及供应商”，或换一个客户。",
                           "Party '{value}' is not a customer: set its kind to Customer or Both, or choose a customer."),
    "party_not_supplier": ("往来单位“{value}”不是供应商：请在“往来单位”表中把类型改为“供应商”或“客户及供应商”，或换一个供应商。",
                           "Party '{value}' is not a supplier: set its kind to Supplier or Both, or choose a supplier."),
    "unknown_warehouse": ("仓库“{value}”不存在：请先在“仓库”表中添加，或检查编码/名称。",
                          "Unknown warehouse '{value}': add it to the Warehouses sheet first or check the code/name."),
    "unknown_account": ("账户“{value}”不存在：请先在“账户”表中添加，或检查编码/名称。",
                        "Unknown account '{value}': add it to the Accounts sheet first or check the code/name."),
    "inactive_account": ("账户“{value}”已停用：请换用其他账户，或在“账户”表中取消停用。",
                         "Account '{value}' is inactive: use another account or re-activate it in the Accounts sheet."),
    "same_account": ("转出账户与转入账户相同（{value}）：转账请填写两个不同的账户。",
                     "The transfer's from and to account are the same ({value}): use two different accounts."),
    "party_not_both": ("往来单位“{value}”不是“客户及供应商”：应收冲应付只用于既是客户又是供应商的单位，请在“往来单位”表中把类型改为“客户及供应商”。",
                       "Party '{value}' is not both customer and supplier: netting is for a party that is both; set its kind to Both."),
    "advance_order_only": ("{expected}不填订单号（“{value}”）：订单号只用于预收（销售订单）和预付（采购订单）的定向抵扣。",
                           "{expected} takes no order number ('{value}'): only an advance receipt or payment names the order it is for."),
    "settle_source_missing": ("原单号“{value}”找不到该往来单位已过账的{expected}：请检查原单号，或清空原单号按最早的先核销。",
                              "Source '{value}' is no posted {expected} of this party: check it, or leave it empty "
                              "to apply the oldest first."),
    "settle_exceeds": ("核销金额 {value} 超过{what}尚未核销的 {expected}：核销不能多于两边都未结清的金额，请改小金额。",
                       "The settlement of {value} is more than the {expected} still open on {what}: it cannot "
                       "apply more than is open on either side; lower the amount."),
    "same_warehouse": ("调出仓库与调入仓库相同（{value}）：请填写两个不同的仓库。",
                       "From and to warehouse are the same ({value}): use two different warehouses."),
    "not_positive": ("{field}必须大于0（现为 {value}）：{field}请填正数，方向由业务类型决定。",
                     "{field} must be greater than 0 (it is {value}): enter a positive number; the type gives the direction."),
    "money_not_positive": ("{field}必须大于0（现为 {value}）：{field}请填正数，收款还是付款由业务类型决定"
                           "（供应商退回的款项记为“收款”，退给客户的款项记为“付款”）。",
                           "{field} must be greater than 0 (it is {value}): enter a positive amount; the type says "
                           "receipt or payment (a supplier's refund is a receipt, a refund to a customer a payment)."),
    "negative": ("{field}不能为负数（现为 {value}）。", "{field} cannot be negative (it is {value})."),
    "too_many_places": ("{field}“{value}”小数位过多：最多 {places} 位小数。",
                        "{field} '{value}' has too many decimals: at most {places}."),
    "amount_mismatch": ("金额 {value} 与 数量×单价 = {expected} 不符：请改正金额或清空让系统计算。",
                        "Amount {value} disagrees with qty × price = {expected}: correct it or leave it empty."),
    "tax_mismatch": ("{field} {value} 与按数量、单价和税率算得的 {expected} 相差超过 0.01：请改正{field}，或清空让系统计算。",
                     "{field} {value} is more than 0.01 from {expected}, what quantity, price and rate give: correct "
                     "it or leave it empty to have it computed."),
    "bad_rate": ("{field}“{value}”不是有效税率：请填写如 13%、13 或 0.13 的税率（小于 100%）。",
                 "{field} '{value}' is not a tax rate: enter e.g. 13%, 13 or 0.13 (below 100%)."),
    "return_differs": ("{field}“{value}”与原单“{source}”的“{expected}”不同：退货按原单的{field}，请清空{field}或改为“{expected}”。",
                       "{field} '{value}' differs from source '{source}' ('{expected}'): a return takes its source's; "
                       "clear it or use '{expected}'."),
    "no_lines": ("单据没有明细行：请至少填写一行商品。", "The document has no lines: enter at least one item line."),
    "too_many_lines": ("单据有 {value} 行，超过一张单据最多的 {expected} 行：请分成几张单据。",
                       "The document has {value} lines, more than the {expected} one document may hold: split it."),
    "no_amount": ("应收与应付都为空：请至少填写一项。", "Receivable and payable are both empty: fill in at least one."),
    "closed_period": ("日期 {value} 在已结账期间内（结账日期 {closed}）：请改为 {closed} 之后的日期，或先反结账。",
                      "Date {value} is in a closed period (closed through {closed}): use a later date or reopen the period."),
    "duplicate_changed": ("单号“{value}”已过账，但内容与已过账的不同：已过账的单据不能修改，请先红字冲销原单再按新内容过账，或使用新单号。",
                          "Document '{value}' is already posted with other content: posted documents cannot be edited; reverse it first, or use a new number."),
    "duplicate_in_batch": ("单号“{value}”在本批中出现两次且内容不同：同一单号的各行表头须一致，不同单据请用不同单号。",
                           "Document '{value}' appears twice in this batch with different content: use one number per document."),
    "source_missing": ("原单号“{value}”找不到对应的{expected}：请检查原单号，或清空原单号按当前成本退货。",
                       "Source document '{value}' is not a posted {expected}: check it or leave it empty to return at current cost."),
    "source_party": ("原单号“{value}”的往来单位是“{expected}”，与本单不同：退货须退给原单的往来单位。",
                     "Source document '{value}' belongs to '{expected}': a return must go to the same party."),
    "source_item": ("原单号“{value}”中没有商品“{item}”：请检查原单号或商品编码。",
                    "Source document '{value}' has no item '{item}': check the source number or the SKU."),
    "return_exceeds": ("退货数量 {value} 超过原单“{source}”中商品“{item}”尚未退回的数量 {expected}：请减少退货数量。",
                       "Return quantity {value} exceeds what source '{source}' still has unreturned for '{item}' ({expected}): reduce it."),
    "negative_stock": ("库存不足：商品“{item}”在仓库“{warehouse}”于 {date} 需出库 {value}，可用只有 {expected}{later}。请先入库或减少数量，或在设置中允许负库存。",
                       "Not enough stock: item '{item}' in warehouse '{warehouse}' on {date} needs {value}, only {expected} available{later_en}. Receive stock first, reduce the quantity, or allow negative stock in Settings."),
    "no_unit_cost": ("商品“{item}”在仓库“{warehouse}”没有库存可参照成本：请填写单位成本。",
                     "Item '{item}' has no stock in warehouse '{warehouse}' to take a cost from: enter a unit cost."),
    "not_found": ("单号“{value}”没有已过账的单据：请检查单号。", "No posted document '{value}': check the number."),
    "ambiguous": ("单号“{value}”在多个表中都有：请指明是哪一类单据（{expected}）。",
                  "Document number '{value}' exists in several sheets ({expected}): say which one."),
    "already_reversed": ("单号“{value}”已经红字冲销过，不能再次冲销。", "Document '{value}' is already reversed."),
    "bad_date": ("{field}“{value}”不是有效日期：请填写如 2026-11-21、2026/11/21、2026.11.21 或 20261121 的日期。",
                 "{field} '{value}' is not a date: enter e.g. 2026-11-21, 2026/11/21, 2026.11.21 or 20261121."),
    "bad_number": ("{field}“{value}”不是数字：请只填写数字（可带千位分隔符，如 1,200.50）。",
                   "{field} '{value}' is not a number: enter digits only (thousands separators allowed, e.g. 1,200.50)."),
    "unclear_number": ("{field}“{value}”看不懂：是 {expected} 还是 {other}？千位分隔符只能三位一组（如 1,200.50）。",
                       "{field} '{value}' is unclear: {expected} or {other}? Thousands separators go between groups "
                       "of three digits (e.g. 1,200.50)."),
    "unclear_grouping": ("{field}“{value}”看不懂：是 {expected} 吗？千位分隔符只能三位一组（如 1,200.50、12,345,678）。",
                         "{field} '{value}' is unclear: is it {expected}? Thousands separators go between groups of "
                         "three digits (e.g. 1,200.50, 12,345,678)."),
    "bad_text": ("{field}里有不能保存的控制字符（{value}）：请删去它再过账（常见于从别的系统复制来的文字）。",
                 "{field} holds a control character the books cannot keep ({value}): delete it and post again."),
    "too_long": ("{field}太长：{length} 个字符，最多 {limit} 个，请缩短。",
                 "{field} is too long: {length} characters, at most {limit}."),
    "formula_error": ("{field}是公式错误值 {value}：请修正该单元格的公式，或直接填写数值。",
                      "{field} is the formula error {value}: fix the cell's formula or type the value."),
    "merged_cells": ("本行有合并单元格（{value}）：请取消合并，每一行都填写完整。",
                     "This row has merged cells ({value}): unmerge them and fill every row."),
    "bad_choice": ("{field}“{value}”无效：应为 {expected}。", "{field} '{value}' is invalid: use {expected}."),
    "header_mismatch": ("{field}与同一单号第 {value} 行不一致：同一单据各行的单号、日期、业务类型、往来单位、仓库、原单号必须相同。",
                        "{field} differs from row {value} of the same document: header fields must agree on every line."),
    "duplicate_row_doc": ("单号“{value}”在本表中重复：收付款每张单据只占一行，请换一个单号。",
                          "Document '{value}' appears twice in this sheet: use a new number."),
    "other_rows": ("本单（单号“{value}”）第 {expected} 行有错误，整单未过账：请先改正那一行。",
                   "Row {expected} of this document ('{value}') has an error; the whole document was not posted."),
    "bad_value": ("{field}“{value}”无效：{expected}。", "{field} '{value}' is invalid: {expected}."),
    "posted_row_edited": ("单号“{value}”已过账，但本行与已过账的不同（{expected}）：已过账的单据不能修改，"
                          "请改回原样；要更正请先红字冲销原单，再按新内容过账或使用新单号。",
                          "Document '{value}' is posted but this row differs from it ({expected}): put it back; "
                          "to correct it, reverse the document first, then post the new content or use a new number."),
    "posted_row_added": ("单号“{value}”已过账，本行是后加的，没有过账：请给本行换一个新单号；"
                         "若要并入原单，请先红字冲销原单，再把整张单据一起过账。",
                         "Document '{value}' is already posted; this added row was not: give it a new number, "
                         "or reverse the document first and post it whole again."),
    "posted_doc_missing": ("“{field}”表中找不到已过账的单据“{value}”（过账时在第 {expected} 行），账簿中它仍然有效："
                           "若是有意删除，请先红字冲销（冲销 / jxc reverse）；否则请把这些行恢复。",
                           "Posted document '{value}' (row {expected} when posted) is no longer in sheet '{field}' "
                           "but stands in the books: reverse it if it was meant to go, else restore its rows."),
    "posted_line_removed": ("单号“{value}”已过账的第 {expected} 行（商品“{item}”）已从“{field}”表中删除，账簿中仍有："
                            "请恢复该行；要更正请先红字冲销原单。",
                            "Line {expected} (item '{item}') of posted document '{value}' was deleted from sheet "
                            "'{field}' but stands in the books: restore it, or reverse the document."),
    "ambiguous_code": ("{field}“{value}”在“{expected}”表中有不止一行：请先改正“{expected}”表，让每个编码和名称只出现一次。",
                       "{field} '{value}' matches more than one row of the {expected} sheet: make each code and name unique there."),
    "duplicate_master": ("{field}“{value}”与第 {expected} 行重复：编码必须唯一，请删除或改正其中一行。",
                         "{field} '{value}' duplicates row {expected}: codes must be unique; remove or correct one."),
    "too_large": ("{field} {value} 超出账簿能记的范围：必须小于 {limit}，请检查是否多输了位数。",
                  "{field} {value} is too large for the ledger: it must be below {limit}; check for extra digits."),
    "product_too_large": ("数量×{field} = {value} 超出账簿能记的范围：金额必须小于 {limit} 元，请检查数量和{field}。",
                          "Qty × {field} = {value} is too large for the ledger: an amount must be below {limit} yuan; check the qty and the {field}."),
    "date_out_of_range": ("{field} {value} 超出范围：日期须在 {low} 至 {high} 之间。",
                          "{field} {value} is out of range: dates must lie between {low} and {high}."),
    "terms_too_large": ("往来单位“{value}”的账期天数 {expected} 超出上限 {limit} 天：请在“往来单位”表中改正。",
                        "Party '{value}' has {expected} terms days, more than the limit of {limit}: correct it in the Parties sheet."),
    "reverse_dependents": ("单号“{value}”不能冲销：后续单据 {expected} 以它为原单号过账，请先红字冲销这些单据，再冲销本单。",
                           "Document '{value}' cannot be reversed: {expected} were posted against it as their source; reverse those first, then this one."),
    "reverse_invoiced": ("单号“{value}”不能冲销：已登记发票 {expected}（发票号码）开具了它。请先在“发票”表红字冲销该发票"
                         "（选中发票行点 冲销，或 jxc reverse 工作簿 发票号码 --sheet 发票），再冲销本单。",
                         "Document '{value}' cannot be reversed: invoice {expected} covers it. Reverse that invoice "
                         "first (jxc reverse BOOK INVOICE_NO --sheet 发票), then this document."),
    "invoice_zero": ("价税合计不能为 0：请填写发票上的价税合计（红字发票填负数）。",
                     "TotalWithTax cannot be 0: enter the invoice's total (negative on a red invoice)."),
    "invoice_sum": ("价税合计 {value} 不等于 金额＋税额 = {expected}：请按发票改正，或清空金额和税额。",
                    "TotalWithTax {value} is not Amount + Tax = {expected}: correct it from the invoice, or clear "
                    "Amount and Tax."),
    "invoice_doc_missing": ("单号“{value}”找不到已过账（且未冲销）的{expected}单：方向为“{direction}”的发票登记{expected}单"
                            "（开出 → 销售出库，收到 → 采购入库）。请检查单号和方向，或先过账该单据。",
                            "'{value}' is no posted (standing) {expected}: an invoice {direction} covers a {expected} "
                            "(开出/issued → sales shipment, 收到/received → purchase receipt). Check the number and the "
                            "direction, or post the document first."),
    "invoice_doc_party": ("单号“{value}”的往来单位是“{expected}”，不是本发票的“{party}”：发票只能登记本单位的单据，请检查单号或往来单位。",
                          "Document '{value}' belongs to '{expected}', not '{party}': an invoice covers its party's "
                          "documents only."),
    "invoice_doc_later": ("单号“{value}”的日期 {expected} 晚于开票日期 {date}：发票登记已发生的单据，请检查开票日期或单号。",
                          "Document '{value}' is dated {expected}, after the invoice's date {date}: check the date or "
                          "the number."),
    "invoice_exceeds": ("单号“{value}”的价税合计（扣除退货后）为 {expected}，已开票 {invoiced}，还可开票 {left}；"
                        "本行 {asked} 超出：请按发票核对单号和价税合计。",
                        "Document '{value}' totals {expected} net of returns, {invoiced} is invoiced, {left} is left; "
                        "this row's {asked} is more: check the number and the total against the invoice."),
    "invoice_below_zero": ("红字发票：单号“{value}”已开票 {invoiced}，本行 {asked} 冲减后将为负数：红字发票只能冲减已开的部分，"
                           "请检查单号和价税合计。",
                           "Red invoice: document '{value}' has {invoiced} invoiced; this row's {asked} would take it "
                           "below 0: a red invoice gives back only what was invoiced."),
    "reverse_exported": ("单号“{value}”已生成凭证 {expected}，不能冲销：会计软件中已有它的凭证。请先作废该凭证（jxc vouchers 工作簿 --void {number}），再冲销。",
                         "Document '{value}' was exported as voucher {expected}: void it first (jxc vouchers BOOK --void {number}), then reverse."),
    "chart_use_missing": ("“科目”表中没有用途“{value}”的科目，单据 {doc_no} 要用它：请在“科目”表中加上这一行（用途、科目编码、科目名称）。没有生成凭证。",
                          "The ChartOfAccounts sheet has no account for use '{value}', which document {doc_no} needs: add that row. No vouchers were made."),
    "voucher_not_found": ("没有未作废的凭证 {value}：请检查凭证号（见“凭证”表）。",
                          "No standing voucher {value}: check the number (see the Vouchers sheet)."),
    "reverse_applied": ("单号“{value}”不能冲销：核销 {expected} 已冲抵了它的预收/预付，请先红字冲销这些核销，再冲销本单。",
                        "Document '{value}' cannot be reversed: settlements {expected} applied its advance; reverse those first."),
    "reversal_before_original": ("冲销日期 {value} 早于原单日期 {expected}：红字冲销不能早于原单，请用原单日期或之后的日期。",
                                 "Reversal date {value} is before the original's date {expected}: use the original's date or a later one."),
    "negative_balances": ("账簿中已有负库存（{value}）：关闭“允许负库存”后这些商品的后续过账都会失败。请先补录入库（日期不晚于出现负库存之日）消除负库存，或保持“允许负库存”为“是”。",
                          "The ledger already holds negative stock ({value}): with negative stock disallowed, later postings of these items would fail. Post the missing receipts (dated no later than the stock went negative) first, or keep AllowNegativeStock = yes."),
    "order_no_not_here": ("{expected}不填订单号（“{value}”）：订单号只用于采购入库和销售出库；退货按原单号退回，订单的数量会自动补回。",
                          "A {expected} takes no order number ('{value}'): only receipts and shipments fulfil orders; a return names its source document and gives the quantity back to the order."),
    "order_missing": ("订单号“{value}”找不到已过账的{expected}：请先过账订单，或检查订单号。",
                      "Order '{value}' is not a posted {expected}: post the order first or check the number."),
    "order_party": ("订单“{value}”的往来单位是“{expected}”，与本单不同：请按订单的往来单位开单，或检查订单号。",
                    "Order '{value}' belongs to '{expected}': use the order's party or check the number."),
    "order_item": ("订单“{value}”中没有商品“{item}”：请检查订单号或商品编码。",
                   "Order '{value}' has no item '{item}': check the order number or the SKU."),
    "order_dated_later": ("订单“{value}”的日期 {expected} 晚于本单：执行不能早于订单日期。",
                          "Order '{value}' is dated {expected}, after this document: it cannot be fulfilled before it was placed."),
    "order_exceeds": ("订单“{value}”的商品“{item}”尚未执行 {expected}，本单要执行 {asked}：请减少数量，或另开订单。",
                      "Order '{value}' has {expected} of '{item}' still open, this document asks for {asked}: reduce the quantity or place another order."),
    "order_closed": ("订单“{value}”已关闭：不能再执行；要继续执行请先取消关闭（jxc close-order --undo）。",
                     "Order '{value}' is closed: reopen it first (jxc close-order --undo) to fulfil it."),
    "credit_limit": ("客户“{value}”的应收将达到 {expected}，超出信用额度 {limit}（超出 {over}）：信用控制为“禁止”，本单不能过账；请先收款，或调整信用额度。",
                     "Customer '{value}' would owe {expected}, over the credit limit {limit} (by {over}): credit control is set to block; collect first or raise the limit."),
    "role_denied": ("用户“{value}”（{role}）不能过账{doc_type}：{role}可以{allowed}。请由有权限的人过账，或请管理员调整角色。",
                    "User '{value}' ({role}) may not post {doc_type}: {role} may {allowed}. Have someone allowed post it, or ask an admin."),
    "user_unknown": ("用户“{value}”不是本账簿的用户（或已停用）：请管理员用 jxc users add 添加，或以本账簿的用户身份操作。",
                     "'{value}' is not an active user of this ledger: ask an admin to add them (jxc users add)."),
    "user_exists": ("“{value}”已是本账簿的用户（{role}）：要改角色或密码，请先停用（jxc users disable）再添加。",
                    "'{value}' is already a user of this ledger ({role}): disable them first to change the role or password."),
    "masters_kept": ("{value} 以账簿为准（只有财务可以修改已有的资料）",
                     "{value_en}: the books' stand was kept (only 财务 / finance may change an existing master)"),
    "masters_not_added": ("{value} 没有加入账簿（您的部门不过账，不能增加资料）",
                          "{value_en} not added to the books (your department posts nothing, so adds no masters)"),
    "act_denied": ("用户“{value}”（{role}）不能{act}：{role}可以{allowed}。",
                   "User '{value}' ({role}) may not {act_en}: {role} may {allowed}."),
    "not_waiting": ("单号“{value}”没有待审核的单据：请检查单号，或在“待审核”表中刷新后再选。",
                    "No document '{value}' is waiting for approval: check the number, or refresh 待审核 and choose again."),
    "self_approval": ("单号“{value}”是您（{expected}）提交的：制单人不能审核自己的单据，请由另一位财务或老板审核。",
                      "Document '{value}' was submitted by you ({expected}): a submitter may not approve their own "
                      "document; another finance user or the owner approves it."),
    "reason_required": ("驳回需要写明原因：请填写驳回原因（制单人会在状态栏看到它）。",
                        "A rejection needs a reason: give one (the submitter sees it in the row's status)."),
    "approval_set_denied": ("过账需审核只能由管理员修改（用户“{value}”是{role}）：以账簿为准（{expected}）。",
                            "Only an administrator changes ApprovalRequired ('{value}' is {role}): the ledger's "
                            "setting stands ({expected})."),
    "order_not_found": ("“{value}”不是已过账的采购订单或销售订单：请检查单号。",
                        "'{value}' is not a posted purchase or sales order: check the number."),
    "order_nothing_open": ("订单“{value}”已全部执行或已关闭，没有可关闭的数量。",
                           "Order '{value}' is fulfilled or closed already: nothing is open to close."),
    "order_not_closed": ("订单“{value}”没有关闭过，无需取消关闭。", "Order '{value}' was not closed: nothing to reopen."),
    "already_closed": ("{value} 已经结账（账簿结账至 {closed}）：无需再结账。",
                       "{value} is already closed (the books are closed through {closed}): nothing to do."),
    "close_verify": ("结账前检查：账簿自检发现 {expected} 处不符（如 {value}）：请运行 jxc verify 查看，恢复备份或改正后再结账。",
                     "Before closing: the ledger's self-check found {expected} differences (e.g. {value}): run jxc verify, restore a backup or correct them, then close."),
    "close_negative": ("结账前检查：商品“{item}”在仓库“{warehouse}”{date} 的结存为负数（{value}）：请补录入库或改正出库后再结账。",
                       "Before closing: item '{item}' in warehouse '{warehouse}' is negative on {date} ({value}): post the missing receipt or correct the issue, then close."),
    "close_cash_negative": ("结账前检查：账户“{value}”{date} 的余额为负数（{expected}）：多半是收款漏记或记晚了，请补录收款或改正付款、费用后再结账。",
                            "Before closing: account '{value}' is below zero on {date} ({expected}): post the receipt that is missing or late, or correct the payment or expense, then close."),
    "cash_below_zero": ("账户“{value}”余额为负数（{expected}）：已照常过账，多半是收款漏记或记晚了，请核对并补录。",
                        "Account '{value}' is below zero ({expected}): posted all the same; a receipt is likely missing or late — check it and post it."),
    "close_zero_cost": ("结账前检查：{sheet} 第{row}行 单号“{value}”（{date}）的商品“{item}”在仓库“{warehouse}”按零成本出库，而当时库存金额为 {expected}：请核对该商品的入库成本，冲销后重新过账，再结账。",
                        "Before closing: {sheet} row {row}, document '{value}' ({date}) issued item '{item}' from '{warehouse}' at zero cost while the stock was worth {expected}: check its receipt costs, reverse and post it again, then close."),
    "close_not_ended": ("{value} 还没有结束（月末是 {date}，今天是 {today}）：月份结束后才能结账。",
                        "{value} has not ended (its last day is {date}, today is {today}): close a month once it has ended."),
    "close_skipped": ("不能跳过月份结账：请先结账 {expected}（账簿结账至 {closed}），逐月结账到 {value}。",
                      "Months close one by one: close {expected} first (the books are closed through {closed}), then each month up to {value}."),
    "count_changed": ("盘点单“{value}”第{line}行 商品“{item}”（{warehouse}，{date}）的差异因 {expected} 由 {old} 变为 {new}："
                      "实盘数量不变，账面数量随过账改变了。请复核；确认无误运行 jxc accept-count（或红字冲销该盘点单后重新盘点）。",
                      "Count '{value}' line {line}, item '{item}' ({warehouse}, {date}): its difference changed from {old} to {new} because of {expected} — "
                      "the counted quantity stands, the book quantity moved. Check it; accept it with jxc accept-count (or reverse the count and count again)."),
    "close_count_changed": ("结账前检查：{sheet} 第{row}行 盘点单“{value}”（{date}）商品“{item}”的差异已因 {expected} 由 {old} 变为 {new}，"
                            "还没有确认：请复核后运行 jxc accept-count 工作簿 {value}（或红字冲销后重新盘点），再结账。",
                            "Before closing: {sheet} row {row}, count '{value}' ({date}), item '{item}': its difference changed from {old} to {new} because of {expected} "
                            "and is not accepted: check it, run jxc accept-count BOOK {value} (or reverse and count again), then close."),
    "count_not_changed": ("盘点单“{value}”没有被后来的过账改变差异（或已确认、已冲销）：无需确认。",
                          "Count '{value}' has no difference changed by a later post (or it is accepted or reversed): nothing to accept."),
    "close_unposted": ("结账前检查：{sheet} 第{row}行 单号“{value}”（{date}）还没有过账：请先过账，或删除不要的行，再结账。",
                       "Before closing: {sheet} row {row}, document '{value}' ({date}) is not posted: post it or delete the rows, then close."),
    "close_count": ("结账前检查：{sheet} 第{row}行 盘点单“{value}”（{date}）的盘点差异还没有过账：请先过账盘点单，再结账。",
                    "Before closing: {sheet} row {row}, count '{value}' ({date}) has a difference not yet posted: post the count, then close."),
    "close_error": ("结账前检查：{sheet} 第{row}行 单号“{value}” 有错误（{expected}）：请先改正或删除，再结账。",
                    "Before closing: {sheet} row {row}, document '{value}' has an error ({expected}): correct or delete it, then close."),
    "cost_method_locked": ("账簿已有过账记录，成本方法（{expected}）不能再更改为“{value}”：如需改用其他方法，请新建账簿并录入期初。",
                           "The costing method cannot change to {value_en}: the ledger has postings and stays on {expected_en}. To use another method, start a new ledger with opening balances."),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one document (and line, and field)."""

    code: str
    doc_no: str = ""
    line: int | None = None          # 1-based line of the document, None for the header
    field: str = ""                  # the column at fault, by its Chinese header name
    args: dict[str, object] = _field(default_factory=dict)
    source: Source = Source()        # workbook, sheet, row of the line (or of the first line)

    @property
    def message(self) -> str:
        return self.text("zh")

    @property
    def message_en(self) -> str:
        return self.text("en")

    def text(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        values = {"field": self.field, "value": "", "expected": "", "later": "", "later_en": "", **self.args}
        if lang == "en":
            values["field"] = FIELD_EN.get(self.field, self.field)
        return (en if lang == "en" else zh).format(**values)

    def __str__(self) -> str:
        where = f"{self.doc_no} 第{self.line}行" if self.line else self.doc_no
        return f"{where}: {self.message}" if where else self.message


FIELD_EN = {
    "单号": "DocNo", "日期": "Date", "业务类型": "Type", "往来单位": "Party", "客户": "Customer",
    "供应商": "Supplier", "仓库": "Warehouse", "调出仓库": "FromWarehouse", "调入仓库": "ToWarehouse",
    "商品编码": "SKU", "数量": "Qty", "实盘数量": "CountedQty", "单价": "UnitPrice", "金额": "Amount",
    "单位成本": "UnitCost", "原单号": "SourceDocNo", "应收": "Receivable", "应付": "Payable",
    "到期日": "DueDate", "订单号": "OrderNo", "交货日期": "DeliveryDate",
    "账期天数": "TermsDays", "信用额度": "CreditLimit", "参考进价": "PurchasePrice", "参考售价": "SalePrice",
    "安全库存": "MinQty", "最高库存": "MaxQty", "允许负库存": "AllowNegativeStock",
    "发票号码": "InvoiceNo", "开票日期": "Date", "方向": "Direction", "发票类型": "InvoiceType",
    "税额": "Tax", "价税合计": "TotalWithTax", "税率": "TaxRate", "含税单价": "PriceWithTax",
}
