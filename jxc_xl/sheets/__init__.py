"""The workbook contract as data, the Book protocol every workbook backend implements, and cell parsing."""
