"""Personal data: the retention task over every app's records, and deleting an account
(docs/personal-data-retention.md). Here because mediation is the one app that may import
all the others (config → mediation → disputes → notifications → accounts → core)."""
