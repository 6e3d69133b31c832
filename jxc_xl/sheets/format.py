"""Colours and number formats shared by the template and the generated sheets, and how a
cell at fault is marked."""
HEADER_FILL = "FFDDEBF7"       # input headers: light blue
GENERATED_FILL = "FFE2EFDA"    # generated sheets: light green tab and header
ERROR_FILL = "FFFFC7CE"        # a cell at fault: light red
FORMATS = {
    "date": "yyyy-mm-dd",
    "money": "#,##0.00",
    "formula": "#,##0.00",
    "price": "#,##0.00####",
    "qty": "General",
}


class Exact(str):
    """A number written as its exact decimal text: cells get the number, never text."""


# A cell at fault is marked by a conditional format of ours, never by changing the cell's own
# format: clearing the mark then shows what the user had there. This formula (always true, and
# saying what it is in Excel's rule manager) tells our rule from the user's rules.
MARK_RULE = '"jxc 错误标记"<>""'
