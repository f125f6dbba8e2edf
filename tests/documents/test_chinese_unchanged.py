"""A zh-hans dispute's documents read exactly as they did before they learned English."""

from __future__ import annotations

import pytest
from django.utils import timezone

from mediation.casefile import dossier
from mediation.models import JudicialApplication, Settlement
from mediation.settlements import agreements, judicial, pdf

from . import golden

pytestmark = pytest.mark.django_db

# A fixed verification code: the code's glyph widths move line breaks and the page footer in
# pdftotext's output, so a random one made these comparisons fail now and then.
CODE = "K7Q2M9X4T6B3W8N5"


def with_fixed_code(settlement: Settlement) -> Settlement:
    Settlement.objects.filter(pk=settlement.pk).update(verification_code=CODE)
    settlement.refresh_from_db()
    return settlement


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_agreement_and_the_application(dispute, advance, respondent, tmp_path):
    settlement = with_fixed_code(agreements.current(advance(dispute, "awaiting_signatures")))
    code = (settlement.verification_code,)
    golden.check("agreement_draft_zh", pdf.render_settlement(settlement, draft=True), tmp_path, codes=code)
    golden.check("agreement_final_zh", pdf.settlement_pdf(settlement, draft=False), tmp_path, codes=code)


def test_the_judicial_application(dispute, advance, respondent, tmp_path):
    settled = advance(dispute, "settled")
    with_fixed_code(agreements.current(settled))
    judicial.start(settled, respondent)
    application = JudicialApplication.objects.get(dispute=settled)
    codes = (application.settlement.verification_code,)
    golden.check("judicial_zh", pdf.judicial_pdf(application), tmp_path, codes=codes)


def test_the_dossier_and_the_referral_letter(handled, street_handler, api, tmp_path):
    at = timezone.now()
    golden.check("dossier_zh", pdf.render_html(dossier.dossier_html(handled, street_handler, at)), tmp_path)
    api(street_handler).post(
        f"/api/v1/disputes/{handled.pk}/transitions/conclude/",
        {"outcome": "referred_court", "referred_to": "杭州市西湖区人民法院", "note": "双方分歧大"},
        format="json",
    )
    handled.refresh_from_db()
    letter = dossier.referral_letter_html(handled, street_handler, at)
    golden.check("referral_zh", pdf.render_html(letter), tmp_path)
