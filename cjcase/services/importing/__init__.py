"""Importing a spreadsheet of records: read, check, write, all or nothing."""
