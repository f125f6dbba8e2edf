"""The filing page's "where" (docs/features/places.md): without script the typed text is
searched on submit; "I don't know" sends the dispute to the street; grid workers set the grid."""

import pytest
from django.urls import reverse

from disputes.models import Category, Dispute, DisputeEvent
from tests import factories

pytestmark = pytest.mark.django_db


def filing(**where):
    return {
        "title": "噪音扰民",
        "description": "楼下商铺深夜施工。",
        "category": Category.objects.get(slug="neighbourhood").pk,
        "respondent_name": "李四",
        "respondent_phone": "13912345678",
        **where,
    }


@pytest.fixture
def client_of(client):
    def make(user):
        client.force_login(user)
        return client

    return make


def test_the_page_has_a_search_box_not_a_grid_dropdown(client_of, claimant, places):
    page = client_of(claimant).get(reverse("disputes:file")).content.decode()
    assert 'name="where"' in page and "js/places.js" in page
    assert "宝石一网格" not in page  # no flat list of every grid


def test_typed_name_of_one_place_files_there(client_of, claimant, places, regions):
    response = client_of(claimant).post(reverse("disputes:file"), filing(where="宝石山庄"))
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.place, dispute.grid) == (places["baoshi"], regions["grid2"])


def test_ambiguous_text_offers_the_candidates_then_files_the_chosen_one(client_of, claimant, places, regions):
    client = client_of(claimant)
    response = client.post(reverse("disputes:file"), filing(where="怡乐"))
    page = response.content.decode()
    assert response.status_code == 200 and not Dispute.objects.exists()
    assert "怡乐花园 · 北山街道 / 宝石社区" in page and "新怡乐苑" in page
    assert f'value="{places["xinyi"].pk}"' in page
    response = client.post(reverse("disputes:file"), filing(where="怡乐", place=places["xinyi"].pk))
    assert response.status_code == 302
    assert Dispute.objects.get().grid == regions["grid2"]


def test_nothing_found_says_so(client_of, claimant, places):
    response = client_of(claimant).post(reverse("disputes:file"), filing(where="不存在的地方"))
    assert (
        response.status_code == 200
        and "I don" in response.content.decode()
        or "不清楚" in response.content.decode()
    )
    assert not Dispute.objects.exists()


def test_no_place_at_all_is_refused(client_of, claimant, places):
    response = client_of(claimant).post(reverse("disputes:file"), filing())
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_unknown_place_sends_it_to_the_street(client_of, claimant, places, regions):
    response = client_of(claimant).post(
        reverse("disputes:file"), filing(unknown="on", street=regions["street2"].pk)
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.grid == regions["street2"] and dispute.place is None


def test_unknown_without_a_street_is_refused(client_of, claimant, places):
    response = client_of(claimant).post(reverse("disputes:file"), filing(unknown="on"))
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_oversized_where_is_refused(client_of, claimant, places):
    response = client_of(claimant).post(reverse("disputes:file"), filing(where="怡" * 41))
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_unknown_place_id_is_refused(client_of, claimant, places):
    response = client_of(claimant).post(reverse("disputes:file"), filing(where="x", place=999999))
    assert response.status_code == 200 and not Dispute.objects.exists()


def test_grid_worker_sets_the_grid_from_the_dispute_page(client_of, claimant, regions, places):
    worker = factories.staff("grid_worker", regions["grid2"], username="grid2_worker")
    dispute = factories.file_dispute(claimant, regions["street1"], "13912345678")
    client = client_of(worker)
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert 'name="grid"' in page and "宝石一网格" in page and "玉泉一网格" not in page
    response = client.post(reverse("disputes:set-grid", args=[dispute.pk]), {"grid": regions["grid1"].pk})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.grid == regions["grid1"]
    assert DisputeEvent.objects.filter(dispute=dispute, transition="set_grid", actor=worker).exists()


def test_the_claimant_gets_no_grid_picker_and_cannot_post_one(client_of, claimant, regions):
    dispute = factories.file_dispute(claimant, regions["street1"], "13912345678")
    client = client_of(claimant)
    assert "set-grid" not in client.get(dispute.get_absolute_url()).content.decode()
    response = client.post(reverse("disputes:set-grid", args=[dispute.pk]), {"grid": regions["grid1"].pk})
    assert response.status_code == 403
    dispute.refresh_from_db()
    assert dispute.grid == regions["street1"]
