"""The case file (卷宗) and the referral letter (移送函) as PDFs, and the case page's record
of the mediation (docs/features/casework.md)."""
