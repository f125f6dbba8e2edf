import pytest

from disputes.services import _safe_filename


@pytest.mark.parametrize(
    ("uploaded", "sniffed", "stored"),
    [
        ("photo.jpg", "jpg", "photo.jpg"),
        ("photo.JPEG", "jpg", "photo.JPEG"),
        ("x.html", "png", "x.png"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ('a"b<c>.pdf', "pdf", "abc.pdf"),
        ("录音", "mp3", "录音.mp3"),
        (".png", "png", ".png.png"),
    ],
)
def test_a_stored_name_keeps_no_path_and_an_extension_that_matches_the_content(uploaded, sniffed, stored):
    assert _safe_filename(uploaded, sniffed) == stored
