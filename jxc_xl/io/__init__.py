"""Workbooks on disk and in Excel: reading cells (calamine), the patch and openpyxl writers, the template,
the xlwings Book."""
