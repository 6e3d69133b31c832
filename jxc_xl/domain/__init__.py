"""The rules of a 进销存 with no storage and no files: documents, exact money, problems, validation, costing."""
