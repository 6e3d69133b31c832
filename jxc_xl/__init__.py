"""jxc-xl: a 进销存 (purchase · sales · inventory) ledger behind an Excel workbook."""
from .ledger import Ledger, LedgerError, Outcome, PostResult
from .domain.model import CostMethod, Document, DocType, Item, Line, Party, PartyKind, Source, Warehouse
from .domain.problems import Problem

__version__ = "0.1.0"
__all__ = ["Ledger", "LedgerError", "PostResult", "Outcome", "CostMethod", "Document", "DocType", "Item", "Line",
           "Party", "PartyKind", "Source", "Warehouse", "Problem"]
