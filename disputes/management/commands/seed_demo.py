"""Load the demo world: one district, its streets, communities and grids, staff,
residents, and disputes in every state reachable today.

Idempotent: regions, users and roles are fetched or created by name; disputes are seeded
only when the marker dispute (filed by resident1, demo_data.MARKER_TITLE) is absent. Every
dispute is created by disputes.services.file_dispute and moved only by services.fire, so
timelines, deadlines and hooks are exactly what real use produces.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Region, StaffRole, User
from disputes import hooks, services
from disputes.management import demo_data as data
from disputes.management import demo_places
from disputes.models import Category, Dispute, Level
from disputes.payloads import PAYLOADS
from disputes.reports import alerts
from notifications.services import delivered_inline


@dataclass
class World:
    regions: dict[tuple[str, int], Region]  # ("grid", 3) → the third grid
    users: dict[str, User]

    def grid(self, number: int) -> Region:
        return self.regions[("grid", number)]

    def mediator_pool(self, grid: Region) -> tuple[list[User], list[User]]:
        """(community-level, higher-level) mediators serving this grid, in demo_data order."""
        community, higher = [], []
        for username, _name, _phone, (kind, number) in data.MEDIATORS:
            if self.regions[(kind, number)].covers(grid):
                (community if kind == "community" else higher).append(self.users[username])
        return community, higher


@dataclass
class Case:
    """One demo dispute being walked through its steps."""

    world: World
    spec: dict
    dispute: Dispute
    claimant: User
    respondent: User
    index: int

    @property
    def grid_worker(self) -> User:
        return self.world.users[f"grid{self.spec['grid']}"]

    def text(self, step: str, default: str = "") -> str:
        return self.spec.get("texts", {}).get(step, default)

    def mediator(self) -> User:
        """The grid's community-level mediators take turns."""
        community, _higher = self.world.mediator_pool(self.dispute.grid)
        return community[self.index % len(community)]

    def handler_for_level(self) -> User:
        """The street handler if the dispute sits at street level in street 1, else the district's."""
        street_handler = self.world.users["handler1"]
        street = self.world.regions[("street", 1)]
        if self.dispute.level == Level.STREET and street.covers(self.dispute.grid):
            return street_handler
        return self.world.users["handler2"]


# step → (transition, who fires it, payload)
Step = tuple[str, Callable[[Case], User], Callable[[Case], dict]]
STEPS: dict[str, Step] = {
    "accept": (
        "accept",
        lambda c: c.grid_worker,
        lambda c: {"note": c.text("accept", "材料齐全，予以受理。")},
    ),
    "reject": (
        "reject",
        lambda c: c.grid_worker,
        lambda c: {"reason": c.text("reject"), "referral_advice": c.text("referral")},
    ),
    "respondent_accept": ("respondent_accept", lambda c: c.respondent, lambda c: {}),
    "respondent_decline": (
        "respondent_decline",
        lambda c: c.respondent,
        lambda c: {"reason": c.text("respondent_decline", "不同意调解。")},
    ),
    # What the worker does when a dispute starts awaiting a mediator: the system picks the
    # top-ranked mediator and keeps the ranking, so the demo shows the reasons.
    "assign": ("assign_mediator", lambda c: None, lambda c: {"mediator": "auto"}),
    "assign_by_hand": ("assign_mediator", lambda c: c.grid_worker, lambda c: {"mediator": c.mediator().pk}),
    # After a replacement the ranking leaves out the replaced mediator by itself.
    "assign_other": ("assign_mediator", lambda c: None, lambda c: {"mediator": "auto"}),
    "assign_street": (
        "assign_mediator",
        lambda c: c.grid_worker,
        lambda c: {"mediator": c.world.users["mediator6"].pk},
    ),
    "mediator_accept": ("mediator_accept", lambda c: c.dispute.mediator, lambda c: {}),
    "mediator_decline": (
        "mediator_decline",
        lambda c: c.dispute.mediator,
        lambda c: {"reason": c.text("mediator_decline", "近期工作安排冲突，无法承接。")},
    ),
    "replace_mediator": (
        "replace_mediator",
        lambda c: c.grid_worker,
        lambda c: {"reason": c.text("replace_mediator", "当事人申请调解员回避。")},
    ),
    "fail_mediation": (
        "fail_mediation",
        lambda c: c.dispute.mediator,
        lambda c: {"reason": c.text("fail_mediation", "双方分歧较大，调解不成。")},
    ),
    "escalate": (
        "escalate",
        lambda c: c.grid_worker,
        lambda c: {"reason": c.text("escalate", "情况复杂，提请上级处理。")},
    ),
    "take_case": ("take_case", lambda c: c.handler_for_level(), lambda c: {}),
    "return_to_mediation": (
        "return_to_mediation",
        lambda c: c.dispute.case_handler,
        lambda c: {"reason": c.text("return_to_mediation", "交回调解。")},
    ),
    "conclude": (
        "conclude",
        lambda c: c.dispute.case_handler,
        lambda c: {
            "outcome": c.spec["outcome"],
            "referred_to": c.spec.get("referred_to", ""),
            "note": c.text("conclude"),
        },
    ),
    "withdraw": ("withdraw", lambda c: c.claimant, lambda c: {"reason": c.text("withdraw")}),
    "propose": (
        "propose_settlement",
        lambda c: c.dispute.mediator,
        lambda c: {k: v for k, v in c.spec["settlement"].items() if v is not None},
    ),
    "sign_claimant": ("sign", lambda c: c.claimant, lambda c: demo_signing(c.dispute, c.claimant)),
    "sign_respondent": ("sign", lambda c: c.respondent, lambda c: demo_signing(c.dispute, c.respondent)),
    "sign_mediator": (
        "sign",
        lambda c: c.dispute.mediator,
        lambda c: demo_signing(c.dispute, c.dispute.mediator),
    ),
    "decline_settlement": (
        "decline_settlement",
        lambda c: c.respondent,
        lambda c: {"reason": c.text("decline_settlement", "赔偿金额过高，不能接受。")},
    ),
    "record_fulfilment": (
        "record_fulfilment",
        lambda c: c.grid_worker,
        lambda c: {"note": c.text("record_fulfilment", "回访确认双方已按协议履行完毕。")},
    ),
    "report_breach": (
        "report_breach",
        lambda c: c.claimant,
        lambda c: {"reason": c.text("report_breach", "对方逾期未按协议付款。")},
    ),
}


def demo_signing(dispute: Dispute, user: User) -> dict:
    """The sign payload with a fresh signing code, as if the signer had asked for one by SMS.

    The code is bound to the version open for signing, as sign-code/ binds it
    (mediation.settlements.agreements.sign_scope; looked up through the app registry).
    """
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import PhoneCode

    settlement = apps.get_model("mediation", "Settlement").objects.filter(dispute=dispute).latest("version")
    code = f"{secrets.randbelow(10**6):06d}"
    PhoneCode.objects.create(
        phone=user.phone, user=user, purpose=PhoneCode.Purpose.SIGN, code_hash=make_password(code),
        expires_at=timezone.now() + timedelta(minutes=10), scope=f"settlement:{settlement.pk}",
    )  # fmt: skip
    return {"agree": True, "code": code}


def seed_risk_alerts() -> None:
    """Run the cockpit's risk rules once, so the demo cockpit shows its alerts (the demo's
    residents are respondents in several disputes of a street: docs/features/cockpit.md)."""
    alerts.evaluate()


class Command(BaseCommand):
    help = "Load demo regions, staff, residents and disputes in every state (safe to run again)."

    def handle(self, *args, **options) -> None:
        call_command("load_guides", verbosity=options["verbosity"])  # docs/features/self-help.md
        # Automatic assignment stays off while seeding: the demo keeps disputes waiting for a
        # grid worker to choose a mediator, instead of a worker assigning them later. The
        # seed's notices (about 700 SMS and email rows) are sent by this command after its
        # commit, so the worker starts with an empty queue (docs/features/notifications.md).
        with delivered_inline(), override_settings(TIAOJIE_AUTO_ASSIGN=False), transaction.atomic():
            world = World(regions=self.seed_regions(), users={})
            demo_places.seed_places({n: world.grid(n) for n in demo_places.PLACES})
            world.users = self.seed_users(world)
            self.seed_mediation_pool(world)
            if Dispute.objects.filter(filed_by=world.users["resident1"], title=data.MARKER_TITLE).exists():
                seeded = False
            else:
                self.seed_disputes(world)
                seed_risk_alerts()
                seeded = True
            for seeder in hooks.DEMO:  # other apps' demo records (disputes/hooks.py)
                seeder()
        if options["verbosity"] < 1:
            return
        if seeded:
            counts = Counter(
                Dispute.objects.filter(title__in=[d["title"] for d in data.DISPUTES]).values_list(
                    "state", flat=True
                )
            )
            summary = ", ".join(f"{state} {counts[state]}" for state in Dispute.State.values if counts[state])
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Disputes by state: {summary}."))
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        self.stdout.write(
            f"Demo accounts (admin, grid1-8, mediator1-6, handler1-2, resident1-20): password {data.PASSWORD!r}."
        )

    # --- regions ------------------------------------------------------------------------
    def seed_regions(self) -> dict[tuple[str, int], Region]:
        regions: dict[tuple[str, int], Region] = {}
        district = self.region(Region.Kind.DISTRICT, data.DISTRICT, None)
        regions[("district", 1)] = district
        numbers = Counter[str]()
        for street_names, communities in data.STREETS:
            street = self.region(Region.Kind.STREET, street_names, district)
            numbers["street"] += 1
            regions[("street", numbers["street"])] = street
            for community_names, grids in communities:
                community = self.region(Region.Kind.COMMUNITY, community_names, street)
                numbers["community"] += 1
                regions[("community", numbers["community"])] = community
                for grid_names in grids:
                    numbers["grid"] += 1
                    regions[("grid", numbers["grid"])] = self.region(Region.Kind.GRID, grid_names, community)
        return regions

    def region(self, kind: str, names: tuple[str, str], parent: Region | None) -> Region:
        region, _created = Region.objects.get_or_create(
            kind=kind, name=names[0], parent=parent, defaults={"name_en": names[1]}
        )
        return region

    # --- people -------------------------------------------------------------------------
    def seed_users(self, world: World) -> dict[str, User]:
        # One hash for all: the demo accounts share a published password anyway, and hashing
        # 37 times with the production hasher would take most of the command's time.
        password = make_password(data.PASSWORD)
        users: dict[str, User] = {}

        def person(username: str, full_name: str, phone: str, **extra) -> User:
            user, _created = User.objects.get_or_create(
                username=username,
                defaults={
                    "full_name": full_name,
                    "phone": phone,
                    "phone_verified": True,
                    "email": f"{username}@example.com",
                    "password": password,
                    **extra,
                },
            )
            users[username] = user
            return user

        username, full_name, phone = data.ADMIN
        person(username, full_name, phone, is_staff=True, is_superuser=True)
        for number, (username, full_name, phone) in enumerate(data.GRID_WORKERS, start=1):
            self.role(person(username, full_name, phone), StaffRole.Role.GRID_WORKER, world.grid(number))
        for username, full_name, phone, where in data.MEDIATORS:
            self.role(person(username, full_name, phone), StaffRole.Role.MEDIATOR, world.regions[where])
        for username, full_name, phone, where in data.HANDLERS:
            self.role(person(username, full_name, phone), StaffRole.Role.CASE_HANDLER, world.regions[where])
        for username, full_name, phone in data.RESIDENTS:
            person(username, full_name, phone)
        return users

    def role(self, user: User, role: str, region: Region) -> None:
        StaffRole.objects.get_or_create(user=user, role=role, region=region)

    def seed_mediation_pool(self, world: World) -> None:
        """A people's mediation committee (人民调解委员会) for the district, each street and each
        community, and a profile for each demo mediator: the pool ranks mediators by these.

        Looked up through the app registry: `disputes` does not import `mediation`.
        """
        try:
            committee_model = apps.get_model("mediation", "Committee")
            profile_model = apps.get_model("mediation", "MediatorProfile")
        except LookupError:
            return
        committees = {}
        for key, region in world.regions.items():
            if region.kind in (Region.Kind.STREET, Region.Kind.COMMUNITY, Region.Kind.DISTRICT):
                committees[key], _created = committee_model.objects.get_or_create(
                    region=region,
                    name=f"{region.name}人民调解委员会",
                    defaults={"name_en": f"{region.name_en} People's Mediation Committee"},
                )
        categories = {c.slug: c for c in Category.objects.all()}
        for username, _name, _phone, where in data.MEDIATORS:
            expertise, languages = data.MEDIATOR_PROFILES[username]
            profile, created = profile_model.objects.get_or_create(
                user=world.users[username], defaults={"committee": committees[where], "languages": languages}
            )
            if created:
                profile.expertise.set([categories[slug] for slug in expertise])

    # --- disputes -----------------------------------------------------------------------
    def seed_disputes(self, world: World) -> None:
        categories = {c.slug: c for c in Category.objects.all()}
        residents = [world.users[r[0]] for r in data.RESIDENTS]
        for index, spec in enumerate(data.DISPUTES):
            claimant = residents[index % len(residents)]
            # 3i + 7 + 2k and i never meet mod 20 (one is odd, the other even): parties differ.
            respondent = residents[(3 * index + 7 + 2 * (index // 20)) % len(residents)]
            grid = world.grid(spec["grid"])
            filing = {
                "title": spec["title"],
                "description": spec["description"],
                "category": categories[spec["category"]],
                "grid": grid,
                "respondent_name": respondent.full_name,
                "respondent_phone": respondent.phone,
                "amount_claimed": Decimal(spec["amount"]) if spec.get("amount") else None,
                "desired_outcome": spec.get("desired", ""),
            }
            if spec.get("by_grid_worker"):
                filer = world.users[f"grid{spec['grid']}"]
                filing["on_behalf_of"] = {"full_name": claimant.full_name, "phone": claimant.phone}
            else:
                filer = claimant
            dispute, _created = services.file_dispute(by=filer, **filing)
            case = Case(world, spec, dispute, claimant, respondent, index)
            for step in spec["steps"]:
                self.fire(case, step)
            if case.dispute.state != spec["state"]:
                raise CommandError(
                    f"Demo dispute {spec['title']!r} ended in {case.dispute.state}, not {spec['state']}"
                )

    def fire(self, case: Case, step: str) -> None:
        name, actor, payload = STEPS[step]
        raw = payload(case)
        # Validate as the API would, so the service gets exactly what a request would give it.
        if name in PAYLOADS:
            serializer = PAYLOADS[name](data=raw)
            if not serializer.is_valid():
                raise CommandError(f"Demo step {step} of {case.spec['title']!r}: {serializer.errors}")
            raw = dict(serializer.validated_data)
        case.dispute = services.fire(case.dispute.pk, name, by=actor(case), payload=raw)
