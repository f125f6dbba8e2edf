"""The guide content format, its versions and the letters (docs/features/self-help.md)."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import translation

from disputes.management.commands.load_guides import CONTENT
from disputes.models import Guide, GuideVersion, GuideWalk
from disputes.selfhelp import content as fmt
from disputes.selfhelp import services

pytestmark = pytest.mark.django_db

SHIPPED = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in CONTENT.glob("*.json")}


def errors_of(content) -> list[str]:
    """The faults found, in English (the admin shows them in the editor's language)."""
    with translation.override("en"), pytest.raises(fmt.ContentError) as info:
        fmt.validate(content)
    return info.value.errors


def water():
    return copy.deepcopy(SHIPPED["water-leak.json"]["content"])


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_guide_is_valid_and_cites_its_rules(name):
    data = SHIPPED[name]["content"]
    fmt.validate(data)
    for outcome in data["outcomes"].values():
        assert outcome["steps"]
        for rule in outcome.get("rules") or []:
            assert "《" in rule["source"]["zh"] and "art." in rule["source"]["en"]


def test_seven_guides_cover_the_demo_categories():
    assert len(SHIPPED) == 7
    assert {d["category"] for d in SHIPPED.values()} == {
        "neighbourhood", "tenancy", "consumer", "labour", "family", "property-management",
    }  # fmt: skip


def test_a_question_pointing_to_a_missing_node_is_refused():
    c = water()
    c["questions"]["where"]["options"][0]["next"] = "nowhere"
    c["questions"]["damage"]["options"][0]["outcome"] = "gone"
    found = errors_of(c)
    assert any("nowhere" in e for e in found) and any("gone" in e for e in found)


def test_questions_that_loop_are_refused():
    c = water()
    c["questions"]["damage"]["options"][0] = {"label": {"zh": "回到开头", "en": "Back"}, "next": "where"}
    assert any("loop" in e and "where → damage → where" in e for e in errors_of(c))


def test_an_outcome_without_steps_is_refused():
    c = water()
    c["outcomes"]["repair"]["steps"] = []
    assert any("outcome repair" in e and "step" in e for e in errors_of(c))


def test_an_unknown_letter_placeholder_is_refused():
    c = water()
    c["outcomes"]["repair"]["letters"][0]["body"]["en"] += " {password}"
    assert any("{password}" in e for e in errors_of(c))


def test_missing_english_or_chinese_text_is_refused():
    c = water()
    del c["questions"]["where"]["text"]["en"]
    c["outcomes"]["repair"]["title"]["zh"] = "  "
    found = errors_of(c)
    assert any("question where text" in e and "en" in e for e in found)
    assert any("outcome repair title" in e and "zh" in e for e in found)


def test_option_needs_exactly_one_target_and_mediation_a_boolean():
    c = water()
    c["questions"]["where"]["options"][0]["outcome"] = "repair"  # has "next" too
    c["outcomes"]["repair"]["mediation"] = "yes"
    c["outcomes"]["repair"]["referral"] = {"body": "somewhere", "text": {"zh": "x", "en": "x"}}
    found = errors_of(c)
    assert any("exactly one" in e for e in found)
    assert any("mediation" in e for e in found)
    assert any("referral" in e for e in found)


@pytest.mark.parametrize("bad", [None, [], "x", {"start": "a"}])
def test_malformed_content_is_refused(bad):
    assert errors_of(bad)


# --- versions ---------------------------------------------------------------------------------
def test_load_guides_is_idempotent():
    call_command("load_guides", verbosity=0)
    call_command("load_guides", verbosity=0)
    assert Guide.objects.count() == 7
    assert GuideVersion.objects.count() == 7


def test_a_changed_content_is_a_new_version_and_walks_keep_theirs(rf):
    call_command("load_guides", verbosity=0)
    guide = Guide.objects.get(slug="water-leak")
    v1 = guide.current()
    walk = GuideWalk.objects.create(version=v1)
    edited = water()
    edited["outcomes"]["repair"]["title"]["en"] = "Get it fixed"
    v2, created = services.publish(guide, edited)
    assert created and v2.number == 2
    assert services.publish(guide, edited) == (v2, False)
    walk.refresh_from_db()
    v1.refresh_from_db()
    assert walk.version == v1 and v1.content["outcomes"]["repair"]["title"]["en"] != "Get it fixed"
    with pytest.raises(ValueError):
        v1.save()


def test_a_malformed_edit_publishes_nothing():
    call_command("load_guides", verbosity=0)
    guide = Guide.objects.get(slug="water-leak")
    bad = water()
    bad["outcomes"]["repair"]["steps"] = []
    with pytest.raises(fmt.ContentError):
        services.publish(guide, bad)
    assert guide.versions.count() == 1


# --- letters --------------------------------------------------------------------------------
LETTER = {"key": "x", "title": {"zh": "信", "en": "Letter"},
          "body": {"zh": "致{respondent_name}：{details}\n{claimant_name} {today}",
                   "en": "To {respondent_name}: {details}\n{claimant_name} {today}"}}  # fmt: skip


def test_a_letter_is_filled_with_the_facts_and_blank_lines_for_missing_ones():
    text = fmt.fill(LETTER, {"claimant_name": "张三"}, today=date(2026, 12, 7))
    assert text == "致________：________\n张三 2026-12-07"
    assert fmt.fields_of(LETTER) == ["claimant_name", "respondent_name", "details"]


def test_hostile_letter_values_are_bounded_and_lose_control_characters():
    facts = {
        "respondent_name": "李四\r\nBcc: x@example.com",
        "claimant_name": "张" * 500,
        "details": "第一行\r\n第二行\x00\x1b[31m" + "长" * 5000,
    }
    text = fmt.fill(LETTER, facts, today=date(2026, 12, 7))
    first = text.splitlines()[0]
    assert first.startswith("致李四 Bcc: x@example.com：第一行")  # the name stays on its line
    assert "\r" not in text and "\x00" not in text and "\x1b" not in text
    assert "张" * 50 in text and "张" * 51 not in text
    assert len(text) < 1200


def test_a_filled_value_is_not_filled_again():
    text = fmt.fill(
        LETTER, {"claimant_name": "{respondent_name}", "respondent_name": "李四"}, today=date(2026, 1, 1)
    )
    assert text.endswith("{respondent_name} 2026-01-01")
