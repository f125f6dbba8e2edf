"""Settlement agreements and their judicial confirmation (docs/features/settlements.md):
versions and turns (agreements), the PDFs (pdf), signing (pki, signing), judicial
confirmation (judicial), their API, pages and dispute-page panels."""
