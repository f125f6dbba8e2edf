"""Shared plumbing every app may use and that knows no app: service errors, the API's
envelope and pagination, the cache helper, the SMS and email transports, error pages.
See docs/architecture.md."""
