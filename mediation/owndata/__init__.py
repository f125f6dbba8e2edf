"""A resident's own data, downloaded as JSON or read as a page (docs/personal-data-rights.md)."""
