"""The agreement PDF: Chinese text with an embedded CJK font, watermark, QR code, no fetching."""

import subprocess

import pytest

from mediation.settlements import agreements as settlements
from mediation.settlements import pdf
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args: str, data: bytes | None = None, tmp_path=None) -> str:
    return subprocess.run(args, capture_output=True, check=True, input=data).stdout.decode()


def text_of(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def settlement(dispute, advance):
    return settlements.current(advance(dispute, "awaiting_signatures"))


def test_the_draft_is_chinese_with_an_embedded_cjk_font_and_a_watermark(settlement, tmp_path):
    content = pdf.render_settlement(settlement, draft=True)
    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    flat = "".join(text.split())
    for expected in ["人民调解协议书", settlement.dispute.reference, "张三", "李四", "钱调解",
                     *["".join(t.split()) for t in factories.SETTLEMENT["terms"]], "银行转账", "2026-12-31",
                     settlement.verification_code, "自愿"]:  # fmt: skip
        assert expected in flat, expected
    # The rotated watermark comes out of pdftotext in pieces.
    assert "稿" in flat and "草" in flat
    # Phones are masked.
    assert settlement.dispute.claimant_phone not in flat
    path = tmp_path / "doc.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    cjk = [row for row in rows if row[0].split("+")[-1].startswith(("TJ-Sans-SC", "NotoSansCJK"))]
    assert cjk, fonts
    assert all(row[-5] == "yes" for row in cjk), fonts  # emb


def test_the_final_rendering_has_no_watermark(settlement, tmp_path):
    text = text_of(pdf.render_settlement(settlement, draft=False), tmp_path)
    assert "DRAFT" not in text and "草稿" not in text


def test_the_qr_code_points_to_the_verification_page(settlement, settings):
    settings.SITE_URL = "https://tiaojie.example"
    assert pdf.verify_url(settlement) == f"https://tiaojie.example/verify/{settlement.verification_code}/"
    assert pdf.qr_data_uri(pdf.verify_url(settlement)).startswith("data:image/svg+xml;base64,")


HOSTILE = [
    '<img src="http://127.0.0.1:9/tracker.png">',
    '<div style="background: url(http://127.0.0.1:9/bg.png)">x</div>',
    '<link rel="attachment" href="file:///etc/hostname">',
    "<style>@import url(http://127.0.0.1:9/x.css); body { background: url('file:///etc/passwd') }</style>",
]


def test_html_in_terms_and_names_is_rendered_as_text_and_nothing_is_fetched(
    dispute, advance, mediator, monkeypatch, tmp_path
):
    from disputes import services
    from disputes.models import Dispute

    Dispute.objects.filter(pk=dispute.pk).update(claimant_name=HOSTILE[0], title=HOSTILE[3])
    dispute = advance(dispute, "in_mediation")
    services.fire(dispute.pk, "propose_settlement", by=mediator, payload={"terms": HOSTILE})
    settlement = settlements.current(dispute)
    fetchers = []
    original = pdf.SafeFetcher.fetch

    def spy(self, url, headers=None):
        fetchers.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.SafeFetcher, "fetch", spy)
    content = pdf.render_settlement(settlement, draft=True)
    assert all(
        url.startswith(("data:", "file://")) and ("data:" in url or "/static/fonts/" in url)
        for url in fetchers
    )
    assert b"/EmbeddedFile" not in content
    flat = text_of(content, tmp_path)
    assert "http://127.0.0.1:9/tracker.png" in flat
    assert "rel=" in flat


def test_the_fetcher_refuses_the_network_and_local_files():
    fetcher = pdf.SafeFetcher()
    html = "<html><body>" + "".join(HOSTILE) + '<img src="file:///work/main/manage.py"></body></html>'
    content = pdf.render_html(html, fetcher)
    assert b"/EmbeddedFile" not in content
    assert set(fetcher.refused) >= {
        "http://127.0.0.1:9/tracker.png", "http://127.0.0.1:9/bg.png", "file:///etc/hostname",
        "http://127.0.0.1:9/x.css", "file:///work/main/manage.py",
    }  # fmt: skip
    with pytest.raises(ValueError):
        fetcher.fetch("file://" + str(pdf.FONT_DIR) + "/../../manage.py")
    assert fetcher.fetch(pdf.FONT_FILE.as_uri())
