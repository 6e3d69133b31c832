"""The engine that posts and costs: a batch checked and written (batch, posting), the order key's
slots, costs replayed (recost), 核销 (settlement), counts, orders, invoices, 审核 (approvals),
closing and reopening (periods), and what the ledger keeps about itself (meta, users, conventions,
masters, vouchers). It writes through a store's connection and knows no dialect."""
