import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.phones import mask_phone
from disputes import services
from disputes.forms import payload_form
from disputes.models import Category, Dispute, DisputeEvent
from disputes.payloads import PAYLOADS
from tests import factories

from .helpers import png

pytestmark = pytest.mark.django_db


def transition_url(dispute, name):
    return reverse("disputes:transition", args=[dispute.pk, name])


def filing(regions, respondent_phone, **overrides):
    return {
        "title": "噪音扰民",
        "description": "楼下商铺深夜施工。",
        "category": Category.objects.get(slug="neighbourhood").pk,
        "grid": regions["grid1"].pk,
        "respondent_name": "李四",
        "respondent_phone": respondent_phone,
        "amount_claimed": "1200",
        **overrides,
    }


# --- pages render for the right people ----------------------------------------------------------
def test_my_disputes_lists_the_claimants_dispute(signed_in, claimant, dispute):
    response = signed_in(claimant).get(reverse("disputes:mine"))
    page = response.content.decode()
    assert response.status_code == 200
    assert dispute.reference in page and dispute.title in page
    assert "已提交" in page  # the translated state label


def test_detail_masks_the_other_partys_phone_for_the_claimant(signed_in, claimant, respondent, dispute):
    page = signed_in(claimant).get(dispute.get_absolute_url()).content.decode()
    assert mask_phone(respondent.phone) in page and respondent.phone not in page
    assert claimant.phone in page


def test_detail_shows_masked_phones_with_a_show_control_and_intake_buttons_to_the_grid_worker(
    signed_in, grid_worker, respondent, dispute
):
    response = signed_in(grid_worker).get(dispute.get_absolute_url())
    page = response.content.decode()
    assert respondent.phone not in page and mask_phone(respondent.phone) in page
    assert f'action="/disputes/{dispute.pk}/reveal/"' in page
    assert [a["name"] for a in response.context["actions"]] == ["accept", "reject", "escalate"]
    for name in ("accept", "reject", "escalate"):
        assert transition_url(dispute, name) in page


def test_detail_offers_the_claimant_only_withdrawal(signed_in, claimant, dispute):
    response = signed_in(claimant).get(dispute.get_absolute_url())
    assert [a["name"] for a in response.context["actions"]] == ["withdraw"]


def test_assign_mediator_form_offers_the_mediators_of_the_area(
    signed_in, grid_worker, mediator, dispute, advance
):
    advance(dispute, "awaiting_mediator")
    response = signed_in(grid_worker).get(dispute.get_absolute_url())
    (action,) = [a for a in response.context["actions"] if a["name"] == "assign_mediator"]
    assert mediator.pk in dict(action["form"].fields["mediator"].choices)
    assert mediator.full_name in response.content.decode()


def test_outsider_gets_404_on_someone_elses_dispute(signed_in, outsider, dispute):
    client = signed_in(outsider)
    assert client.get(dispute.get_absolute_url()).status_code == 404
    assert client.post(transition_url(dispute, "withdraw")).status_code == 404
    assert client.post(reverse("disputes:evidence", args=[dispute.pk])).status_code == 404


def test_respondent_does_not_see_the_dispute_before_intake_accepts_it(
    signed_in, respondent, dispute, advance
):
    client = signed_in(respondent)
    assert client.get(dispute.get_absolute_url()).status_code == 404
    assert dispute.reference not in client.get(reverse("disputes:mine")).content.decode()
    advance(dispute, "awaiting_response")
    assert dispute.reference in client.get(reverse("disputes:mine")).content.decode()
    assert client.get(dispute.get_absolute_url()).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, dispute):
    response = client.get(dispute.get_absolute_url())
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_queue_lists_waiting_disputes_for_the_grid_worker(signed_in, grid_worker, dispute):
    response = signed_in(grid_worker).get(reverse("disputes:queue"))
    assert response.status_code == 200
    assert list(response.context["queue_page"]) == [dispute]
    assert list(response.context["area_page"]) == [dispute]


def test_queue_filters_the_area_list(signed_in, claimant, respondent, regions):
    worker = factories.staff("grid_worker", regions["community1"])  # grids 1 and 2
    filed = factories.file_dispute(claimant, regions["grid1"], respondent.phone, title="A")
    accepted = factories.file_dispute(
        claimant, regions["grid2"], respondent.phone, title="B", category=Category.objects.get(slug="tenancy")
    )
    services.fire(accepted.pk, "accept", by=worker)
    client = signed_in(worker)

    def area(**filters):
        return list(client.get(reverse("disputes:queue"), filters).context["area_page"])

    assert area() == [accepted, filed]
    assert area(state="awaiting_response") == [accepted]
    assert area(grid=regions["grid1"].pk) == [filed]
    assert area(category="tenancy") == [accepted]
    assert area(overdue="yes") == []
    assert area(overdue="no", state="bogus") == [accepted, filed]  # an invalid filter is ignored


def test_queue_is_for_staff_only(signed_in, claimant):
    assert signed_in(claimant).get(reverse("disputes:queue")).status_code == 403


def test_list_pages_make_a_constant_number_of_queries(signed_in, claimant, grid_worker, respondent, regions):
    def queries(client, url, n):
        while Dispute.objects.count() < n:
            title = f"纠纷{Dispute.objects.count()}"
            factories.file_dispute(claimant, regions["grid1"], respondent.phone, title=title)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.content.decode().count("TJ-") >= n  # every dispute is on the page
        return len(ctx)

    mine = [queries(signed_in(claimant), reverse("disputes:mine"), n) for n in (2, 20)]
    assert mine[0] == mine[1]
    queue = [queries(signed_in(grid_worker), reverse("disputes:queue"), n) for n in (2, 20)]
    assert queue[0] == queue[1]


# --- transitions ----------------------------------------------------------------------------------
def test_grid_worker_accepts_the_dispute_from_its_page(signed_in, grid_worker, dispute):
    response = signed_in(grid_worker).post(transition_url(dispute, "accept"), {"note": "材料齐全"})
    assert response.status_code == 302 and response.url == dispute.get_absolute_url()
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.AWAITING_RESPONSE
    event = dispute.events.last()
    assert (event.transition, event.actor, event.reason) == ("accept", grid_worker, "材料齐全")


def test_a_wrong_role_post_changes_nothing(signed_in, claimant, dispute):
    response = signed_in(claimant).post(transition_url(dispute, "accept"), follow=True)
    assert response.status_code == 200
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.FILED
    assert list(DisputeEvent.objects.filter(dispute=dispute).values_list("transition", flat=True)) == ["file"]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_a_missing_reason_is_refused_with_a_message(signed_in, grid_worker, dispute):
    response = signed_in(grid_worker).post(transition_url(dispute, "reject"), {"reason": ""}, follow=True)
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.FILED
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_every_transition_payload_renders_as_a_form(dispute, name):
    form = payload_form(dispute, name)
    assert set(form.fields) == set(PAYLOADS[name]().fields)
    assert form.as_div() is not None


def test_an_unknown_transition_is_404(signed_in, grid_worker, dispute):
    assert signed_in(grid_worker).post(transition_url(dispute, "explode")).status_code == 404


def test_transitions_need_post(signed_in, grid_worker, dispute):
    assert signed_in(grid_worker).get(transition_url(dispute, "accept")).status_code == 405


def test_the_case_handler_concludes_with_an_outcome(signed_in, street_handler, dispute, advance):
    advance(dispute, "case_handling")
    client = signed_in(street_handler)
    (action,) = [
        a for a in client.get(dispute.get_absolute_url()).context["actions"] if a["name"] == "conclude"
    ]
    assert "referred_court" in dict(action["form"].fields["outcome"].choices)
    client.post(
        transition_url(dispute, "conclude"),
        {"outcome": "referred_court", "referred_to": "西湖区人民法院", "note": "建议起诉"},
    )
    dispute.refresh_from_db()
    assert (dispute.state, dispute.outcome) == (Dispute.State.CLOSED, "referred_court")


def test_withdrawing_keeps_the_claimant_on_the_dispute(signed_in, claimant, dispute):
    response = signed_in(claimant).post(transition_url(dispute, "withdraw"), {"reason": ""})
    assert response.url == dispute.get_absolute_url()
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.WITHDRAWN


def test_a_mediator_who_declines_is_sent_to_my_disputes(signed_in, mediator, dispute, advance):
    advance(dispute, "mediator_assigned")
    response = signed_in(mediator).post(transition_url(dispute, "mediator_decline"), {"reason": "工作冲突"})
    assert response.status_code == 302 and response.url == reverse("disputes:mine")
    dispute.refresh_from_db()
    assert dispute.state == Dispute.State.AWAITING_MEDIATOR and dispute.mediator is None


# --- filing -------------------------------------------------------------------------------------------
def test_an_unverified_resident_is_told_to_verify_first(signed_in, regions, respondent):
    resident = factories.UserFactory(phone_verified=False)
    client = signed_in(resident)
    response = client.get(reverse("disputes:file"))
    assert response.context["needs_verification"]
    assert reverse("accounts:verify") in response.content.decode()
    client.post(reverse("disputes:file"), filing(regions, respondent.phone))
    assert not Dispute.objects.exists()


def test_filing_with_evidence_redirects_to_the_new_dispute(signed_in, claimant, respondent, regions):
    data = filing(
        regions,
        respondent.phone,
        evidence=[SimpleUploadedFile("现场.png", png()), SimpleUploadedFile("b.png", png())],
    )
    response = signed_in(claimant).post(reverse("disputes:file"), data)
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response.url == dispute.get_absolute_url()
    assert (dispute.claimant_phone, dispute.respondent_phone) == (claimant.phone, respondent.phone)
    assert sorted(dispute.evidence.values_list("filename", flat=True)) == ["b.png", "现场.png"]


def test_filing_twice_leads_to_the_same_dispute(signed_in, claimant, respondent, regions):
    client = signed_in(claimant)
    first = client.post(reverse("disputes:file"), filing(regions, respondent.phone))
    second = client.post(reverse("disputes:file"), filing(regions, respondent.phone))
    assert first.url == second.url
    assert Dispute.objects.count() == 1


def test_filing_errors_are_shown_next_to_the_fields(signed_in, claimant, regions):
    response = signed_in(claimant).post(reverse("disputes:file"), filing(regions, "12345", title=""))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "respondent_phone"}


def test_naming_yourself_as_respondent_is_a_form_error(signed_in, claimant, regions):
    response = signed_in(claimant).post(reverse("disputes:file"), filing(regions, claimant.phone))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Dispute.objects.exists()


def test_a_grid_worker_files_on_behalf_of_a_resident(signed_in, grid_worker, respondent, regions):
    data = filing(regions, respondent.phone, claimant_name="陈奶奶", claimant_phone="13912340002")
    signed_in(grid_worker).post(reverse("disputes:file"), data)
    dispute = Dispute.objects.get()
    assert (dispute.claimant_name, dispute.claimant_phone, dispute.filed_by) == (
        "陈奶奶",
        "13912340002",
        grid_worker,
    )


def test_on_behalf_needs_both_name_and_phone(signed_in, grid_worker, respondent, regions):
    response = signed_in(grid_worker).post(
        reverse("disputes:file"), filing(regions, respondent.phone, claimant_name="陈奶奶")
    )
    assert response.context["form"].non_field_errors()
    assert not Dispute.objects.exists()


# --- evidence -----------------------------------------------------------------------------------------
def test_a_party_uploads_evidence_from_the_dispute_page(signed_in, claimant, dispute):
    client = signed_in(claimant)
    url = reverse("disputes:evidence", args=[dispute.pk])
    response = client.post(url, {"file": SimpleUploadedFile("收据.png", png()), "description": "收据"})
    assert response.url == dispute.get_absolute_url()
    evidence = dispute.evidence.get()
    page = client.get(dispute.get_absolute_url()).content.decode()
    assert "收据.png" in page and reverse("api:evidence-download", args=[dispute.pk, evidence.pk]) in page


def test_an_unaccepted_file_type_is_refused_with_a_message(signed_in, claimant, dispute):
    url = reverse("disputes:evidence", args=[dispute.pk])
    response = signed_in(claimant).post(
        url, {"file": SimpleUploadedFile("a.exe", b"MZ" + b"\0" * 100)}, follow=True
    )
    assert not dispute.evidence.exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
