"""The PKCS#11 token that holds the platform's private keys (docs/features/signatures.md,
"Keys in the token").

One session per process, opened lazily under a lock and reopened after a fork (pid check)
or when the token settings change. Keys are made in the token as EC P-256, sensitive and
non-extractable; a key is found by its CKA_ID, the SHA-1 key identifier of its public key
(the certificate's subjectKeyIdentifier), so a certificate names its own key. SoftHSM 2.6
has no ECDSA_SHA256: every signature is raw ECDSA over a digest made here.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

_lock = threading.RLock()
_state: dict = {"pid": None, "config": None, "lib": None, "session": None}


class TokenError(Exception):
    """The signing token cannot be used (module, token or PIN); `message` is safe to show."""

    def __init__(self, detail: str = ""):
        self.detail = detail
        self.message = _("The signing device is unavailable, so nothing was signed. Please try again later.")
        super().__init__(detail or str(self.message))


def _config() -> tuple[str, str, str]:
    return (settings.PKCS11_MODULE, settings.PKCS11_TOKEN, settings.PKCS11_PIN or "")


@contextmanager
def file_lock(path: Path):
    """An exclusive lock between processes (and threads: each holder opens its own file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _is_softhsm(module: str) -> bool:
    return "softhsm" in Path(module).name.lower()


def _find_token(lib, label: str):
    for token in lib.get_tokens(token_label=label):
        return token
    return None


def _init_softhsm_token(label: str) -> None:
    """`softhsm2-util --init-token` on the first free slot (the embedded default and tests)."""
    util = shutil.which("softhsm2-util")
    if util is None:
        raise TokenError("softhsm2-util is not installed")
    if not settings.PKCS11_PIN or not settings.PKCS11_SO_PIN:
        raise TokenError("no PIN configured for a new token")
    conf = os.environ.get("SOFTHSM2_CONF")
    if conf:  # SoftHSM refuses to start without its token folder
        for line in Path(conf).read_text().splitlines():
            if line.strip().startswith("directories.tokendir"):
                Path(line.split("=", 1)[1].strip()).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [util, "--init-token", "--free", "--label", label,
         "--so-pin", settings.PKCS11_SO_PIN, "--pin", settings.PKCS11_PIN],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0:
        raise TokenError(f"softhsm2-util --init-token failed: {done.stderr.strip() or done.stdout.strip()}")


def _open():
    import pkcs11

    module, label, pin = config = _config()
    pid = os.getpid()
    lib = _state["lib"]
    if lib is not None and (_state["pid"] != pid or _state["config"] != config):
        try:  # a forked child must initialise the library again (PKCS#11 §6.7.7)
            lib.reinitialize()
        except Exception:  # noqa: BLE001 - a broken inherited state: load it afresh below
            lib = None
    if lib is None or lib.so != module:
        if not Path(module).exists():
            raise TokenError(f"PKCS#11 module {module} not found")
        lib = pkcs11.lib(module)
    _state.update(pid=pid, config=config, lib=lib, session=None)
    token = _find_token(lib, label)
    if token is None and _is_softhsm(module):
        lock = Path(os.environ.get("SOFTHSM2_CONF") or settings.VAR_DIR / "softhsm").parent / ".init.lock"
        with file_lock(lock):
            lib.reinitialize()  # another process may have made it meanwhile
            token = _find_token(lib, label)
            if token is None:
                _init_softhsm_token(label)
                lib.reinitialize()
                token = _find_token(lib, label)
    if token is None:
        raise TokenError(f"no PKCS#11 token labelled {label!r}")
    session = token.open(rw=True, user_pin=pin)
    _state["session"] = session
    return session


@contextmanager
def session():
    """The process's token session, held under the process lock for the caller's use."""
    import pkcs11

    with _lock:
        try:
            if _state["session"] is None or _state["pid"] != os.getpid() or _state["config"] != _config():
                _open()
            yield _state["session"]
        except TokenError:
            _state["session"] = None
            raise
        except pkcs11.PKCS11Error as error:
            _state["session"] = None  # reopen next time (a token removed, a PIN changed)
            log.warning("PKCS#11 token error: %r", error)
            raise TokenError(f"{type(error).__name__}: {error}") from error


def reset() -> None:
    """Forget the session (tests, after changing the token settings)."""
    with _lock:
        session = _state["session"]
        _state["session"] = None
        if session is not None and _state["pid"] == os.getpid():
            try:
                session.close()
            except Exception:  # noqa: BLE001 - closing a dead session
                pass


def _private_key(s, key_id: bytes):
    from pkcs11 import Attribute, ObjectClass

    found = list(s.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}))
    if not found:
        raise TokenError(f"no private key with id {key_id.hex()} in the token")
    return found[0]


def has_key(key_id: bytes) -> bool:
    from pkcs11 import Attribute, ObjectClass

    with session() as s:
        return bool(list(s.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id})))


def generate_key(label: str):
    """A new EC P-256 key pair in the token (private half sensitive, never extractable); its
    public key as an asn1crypto PublicKeyInfo. CKA_ID is the key identifier (SHA-1 of the key)."""
    from asn1crypto import keys as asn1_keys
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    with session() as s:
        params = s.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        temporary = os.urandom(20)
        public, private = params.generate_keypair(
            store=True,
            label=label,
            id=temporary,
            public_template={Attribute.VERIFY: True},
            private_template={
                Attribute.SIGN: True,
                Attribute.SENSITIVE: True,
                Attribute.EXTRACTABLE: False,
                Attribute.PRIVATE: True,
            },
        )
        info = asn1_keys.PublicKeyInfo.load(encode_ec_public_key(public))
        public[Attribute.ID] = private[Attribute.ID] = key_id(info)
        return info


def key_id(public_key) -> bytes:
    """The CKA_ID of a key: its subjectKeyIdentifier (SHA-1 of the public key bits)."""
    return public_key.sha1


def sign_digest(key: bytes, digest: bytes) -> bytes:
    """A DER ECDSA signature over `digest` by the token key with CKA_ID `key`."""
    from pkcs11 import Mechanism
    from pkcs11.util.ec import encode_ecdsa_signature

    with session() as s:
        raw = _private_key(s, key).sign(digest, mechanism=Mechanism.ECDSA)
    return encode_ecdsa_signature(raw)


def sign(key: bytes, data: bytes, digest_algorithm: str = "sha256") -> bytes:
    return sign_digest(key, hashlib.new(digest_algorithm, data).digest())


def keys() -> list[dict]:
    """Every private key in the token with its protection flags (for tests and init_pki)."""
    from pkcs11 import Attribute, ObjectClass

    with session() as s:
        found = list(s.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        return [
            {
                "label": k[Attribute.LABEL],
                "id": bytes(k[Attribute.ID]),
                "sensitive": bool(k[Attribute.SENSITIVE]),
                "extractable": bool(k[Attribute.EXTRACTABLE]),
                "never_extractable": bool(k[Attribute.NEVER_EXTRACTABLE]),
            }
            for k in found
        ]
