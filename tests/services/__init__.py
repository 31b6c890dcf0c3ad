"""Service tests: domain rules without HTTP."""
