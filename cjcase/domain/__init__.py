"""The records, code lists, dates, rules, clock and errors: pure, with no I/O."""
