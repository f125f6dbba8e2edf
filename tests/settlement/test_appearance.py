"""Visible signatures: each signer's stamp in its slot of the signature block, and the committee's
round seal as the seal's appearance (mediation/settlements/appearance.py)."""

from __future__ import annotations

import io
import subprocess

import pytest

from mediation.models import JudicialApplication
from mediation.settlements import agreements, appearance, judicial, pdf, signing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sealed(dispute, advance) -> bytes:
    return agreements.latest(advance(dispute, "settled")).pdf.read()


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def ppm(path, page: int, dpi: int) -> tuple[int, int, bytes]:
    """The page as raw RGB pixels (pdftoppm's binary PPM): (width, height, data)."""
    data = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), str(path)],
        capture_output=True,
        check=True,
    ).stdout
    magic, width, height, maxval, _ = data.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255"
    width, height = int(width), int(height)
    return width, height, data[-width * height * 3 :]


def red_pixels(path, page: int, box, *, dpi: int = 60, page_height: float = 841.89) -> int:
    width, height, pixels = ppm(path, page, dpi)
    scale = dpi / 72
    x1, y1, x2, y2 = box
    count = 0
    for row in range(int((page_height - y2) * scale), int((page_height - y1) * scale)):
        for col in range(int(x1 * scale), int(x2 * scale)):
            i = (row * width + col) * 3
            r, g, b = pixels[i], pixels[i + 1], pixels[i + 2]
            if r > 170 and g < 90 and b < 90:
                count += 1
    return count


def widgets(content: bytes) -> dict[str, dict]:
    """Signature field name → its widget's rectangle, page index and normal appearance bytes."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    found = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/FT") != "/Sig":
            continue
        rect = [float(v) for v in field["/Rect"]]
        ap = field.get("/AP")
        stream = ap["/N"].get_object() if ap is not None else None
        found[str(field["/T"])] = {
            "rect": rect,
            "appearance": stream.data if stream is not None else b"",
            "resources": stream.get("/Resources") if stream is not None else None,
        }
    return found


def test_the_seal_is_a_red_round_seal_on_the_last_page(sealed, tmp_path):
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    place = appearance.slot(sealed, "committee")
    assert place is not None and place.page == page_count(path) - 1
    red = red_pixels(path, place.page + 1, place.box)
    x1, y1, x2, y2 = place.box
    area = (x2 - x1) * (y2 - y1) * (60 / 72) ** 2
    # The ring, the star and the text: clearly red, far from filling the square.
    assert 0.08 * area < red < 0.6 * area, (red, area)
    # Nothing red outside the seal on that page's signature rows (the stamps are grey and black).
    claimant = appearance.slot(sealed, "claimant")
    assert red_pixels(path, claimant.page + 1, claimant.box) == 0


def test_the_seal_widget_has_a_rectangle_and_an_appearance(sealed):
    seal = widgets(sealed)[signing.SEAL_FIELD]
    x1, y1, x2, y2 = seal["rect"]
    assert x2 - x1 > 100 and y2 - y1 > 100  # 40 mm ≈ 113 pt
    assert seal["appearance"] and seal["resources"] is not None
    assert [round(v, 1) for v in seal["rect"]] == [
        round(v, 1) for v in appearance.slot(sealed, "committee").box
    ]


def test_every_signer_has_a_visible_stamp_with_name_role_and_time(sealed, tmp_path):
    found = widgets(sealed)
    # The document timestamp after the seal (B-LTA) is a field too, but nobody's stamp.
    assert signing.DOC_TIMESTAMP_FIELD in found
    found.pop(signing.DOC_TIMESTAMP_FIELD)
    assert len(found) == 4
    for name, widget in found.items():
        x1, y1, x2, y2 = widget["rect"]
        assert x2 > x1 and y2 > y1 and widget["appearance"], name
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    last = page_count(path)
    text = subprocess.run(
        ["pdftotext", "-f", str(last), "-l", str(last), str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    for name, role in (("张三", "申请人"), ("李四", "被申请人"), ("钱调解", "人民调解员")):
        assert f"{name}\n{role}\n签署时间 20" in text, (name, text)


def test_the_visible_signatures_stay_valid_and_locked(sealed, tmp_path):
    report = signing.verify(sealed)
    assert report["valid"] and report["sealed"] and not report["modified_after_seal"]
    assert len(report["signatures"]) == 4 and all(s["intact"] for s in report["signatures"])
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
    assert out.count("Signature is Valid.") == 4, out
    with pytest.raises(signing.SealedError):
        signing.sign(sealed, None, field="Late", name="x", reason="x")


def test_the_seal_comes_from_its_template_with_the_committee_name():
    html = appearance.seal_html("宝石社区人民调解委员会")
    assert "<svg" in html and "调解专用章" in html and "<polygon" in html and "<circle" in html
    assert all(f">{char}</text>" in html for char in "宝石社区人民调解委员会")
    assert appearance.seal_pdf("宝石社区人民调解委员会").startswith(b"%PDF")


def test_the_judicial_application_shows_both_applicants_signatures(
    dispute, advance, claimant, respondent, tmp_path
):
    from tests.settlement.test_judicial import judicial_code

    settled = advance(dispute, "settled")
    judicial.start(settled, respondent)
    application = JudicialApplication.objects.get(dispute=settled)
    judicial.sign(settled, respondent, code=judicial_code(respondent, application))
    judicial.sign(settled, claimant, code=judicial_code(claimant, application))
    application.refresh_from_db()
    content = application.pdf.read()
    found = widgets(content)
    assert len(found) == 2
    assert all(w["rect"][2] > w["rect"][0] and w["appearance"] for w in found.values())
    path = tmp_path / "application.pdf"
    path.write_bytes(content)
    last = page_count(path)
    text = subprocess.run(
        ["pdftotext", "-f", str(last), "-l", str(last), str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    assert "张三\n申请人\n签署时间 20" in text and "李四\n被申请人\n签署时间 20" in text


def test_a_document_without_slots_is_signed_as_before():
    plain = pdf.render_html("<html><body><p>no slots</p></body></html>")
    assert appearance.for_signature(plain, role="claimant") is None
    assert appearance.field_spec(plain, "Sig1", role="claimant").box is None
