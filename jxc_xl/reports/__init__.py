"""Ledger answers turned into sheet rows: 库存 / 应收 / 应付 / 台账 (and the report sheets to come)."""
