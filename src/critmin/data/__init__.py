"""Data: importers of public releases and the bundled, sourced reference CSVs."""
