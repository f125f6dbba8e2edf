"""Settlement agreements and their judicial confirmation (docs/features/settlements.md):
versions and turns (agreements), the PDFs (pdf), signing (pki, signing), judicial
confirmation (judicial), their API, pages and dispute-page panels."""

from . import token_shim  # noqa: F401,E402  TEMPORARY until `git merge token`: delete with the shim
