from tests.cases.conftest import *  # noqa: F401,F403 - the escalated/handled case fixtures
