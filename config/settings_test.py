"""Test settings: the embedded default, made fast and deterministic."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TIAOJIE_VAR_DIR", tempfile.mkdtemp(prefix="tiaojie-test-"))
# Fixed keys for personal data at rest, so test runs are repeatable (never used outside tests).
os.environ.setdefault("TIAOJIE_DATA_KEYS", "dGlhb2ppZS10ZXN0LWRhdGEta2V5LW9uZS0zMi1ieXQ=")
os.environ.setdefault("TIAOJIE_INDEX_KEY", "dGlhb2ppZS10ZXN0LWluZGV4LWtleS0zMi1ieXRlcyE=")
# The suite's own SoftHSM token, under the temporary var/ above (made on first use; the stack
# tests' processes inherit SOFTHSM2_CONF and these PINs: tests/stack_harness.py).
os.environ.setdefault("TIAOJIE_PKCS11_PIN", "tiaojie-test-pin")
os.environ.setdefault("TIAOJIE_PKCS11_SO_PIN", "tiaojie-test-so-pin")
# No CRL/OCSP pointers in the suite's certificates: nothing answers them here, and pdfsig calls a
# certificate with an unanswered OCSP address "Unknown issue". A test that runs a responder sets
# settings.PKI_BASE_URL; certificates then get reissued with it (mediation/settlements/pki.py).
os.environ.setdefault("TIAOJIE_PKI_BASE_URL", "")

from config.settings import *  # noqa: E402,F403
from config.settings import DATABASES, REST_FRAMEWORK, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(VAR_DIR) / "media"
OUTBOX_DIR = Path(VAR_DIR) / "outbox"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so a live server thread or process sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(VAR_DIR) / "test.sqlite3")}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"auth": "1000/min", "filing": "1000/min", "places": "1000/min"},
}
CELERY_TASK_ALWAYS_EAGER = True
# The pages' per-address limit counts in the cache, which outlives a test: tests that check
# it lower it themselves (tests/accounts/test_lockout.py).
PAGE_AUTH_LIMIT = 100_000
# Reveals count per user in the cache too: tests that check the limit lower it themselves.
REVEAL_RATE_PER_HOUR = 100_000
