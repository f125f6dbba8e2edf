"""Ranking for one dispute with 5,000 mediators and 200,000 past disputes in PostgreSQL.

Usage: python bench/assignment.py [--rounds 200] [--layout city|worst]
Needs PostgreSQL; BENCH_PG_URL picks the server (default postgres://postgres@127.0.0.1:5432),
the data lives in its own database per layout (`tiaojie_bench_assignment_<layout>`), loaded once.

Layouts of the 5,000 mediators:
- city (default): spread as a city would have them: 5% at the district, 20% over 4 streets,
  75% over 16 communities; a community dispute has the ~730 on its path as candidates.
- worst: every mediator serves a node on the dispute's path, so all 5,000 are candidates
  and go through every eligibility and conflict check.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LAYOUT = "worst" if "worst" in sys.argv else "city"
DB_NAME = f"tiaojie_bench_assignment_{LAYOUT}"
SERVER = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MEDIATORS = 5000
PAST_DISPUTES = 200_000


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def load() -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Region, StaffRole, User
    from disputes.models import Category, Dispute
    from mediation.models import Committee, MediatorProfile

    if Dispute.objects.count() >= PAST_DISPUTES:
        return
    rng = random.Random(42)
    print(f"loading {MEDIATORS} mediators and {PAST_DISPUTES} disputes (once)...", flush=True)
    district = Region.objects.create(name="区", kind="district")
    streets = [Region.objects.create(name=f"街道{i}", kind="street", parent=district) for i in range(4)]
    communities = [
        Region.objects.create(name=f"社区{i}", kind="community", parent=streets[i % 4]) for i in range(16)
    ]
    grids = [
        Region.objects.create(name=f"网格{i}", kind="grid", parent=communities[i % 16]) for i in range(64)
    ]
    committees = {
        r.pk: Committee.objects.create(name=f"{r.name}调委会", region=r)
        for r in [district, *streets, *communities]
    }
    password = make_password("bench")
    users = User.objects.bulk_create(
        User(
            username=f"m{i}",
            full_name=f"调解员{i}",
            phone=f"150{i:08d}",
            phone_verified=True,
            password=password,
        )
        for i in range(MEDIATORS)
    )
    roles, profiles = [], []
    for i, user in enumerate(users):
        if LAYOUT == "worst":  # everyone on the target dispute's path
            node = [district, streets[0], communities[0]][0 if i % 10 == 0 else 1 if i % 10 < 4 else 2]
        else:  # 5% district, 20% streets, 75% communities
            node = district if i % 20 == 0 else streets[i % 4] if i % 20 < 5 else communities[i % 16]
        roles.append(StaffRole(user=user, role="mediator", region=node))
        profiles.append(MediatorProfile(
            user=user, committee=committees[node.pk], languages=["zh"] if i % 7 else ["zh", "en"],
            max_caseload=rng.choice([5, 8, 10, 15]), active=i % 50 != 0,
            last_assigned_at=timezone.now() - timezone.timedelta(hours=rng.randint(0, 400)),
        ))  # fmt: skip
    StaffRole.objects.bulk_create(roles)
    profiles = MediatorProfile.objects.bulk_create(profiles)
    categories = list(Category.objects.all())
    through = MediatorProfile.expertise.through
    through.objects.bulk_create(
        through(mediatorprofile_id=p.pk, category_id=rng.choice(categories).pk) for p in profiles
    )
    filer = User.objects.create(
        username="filer", full_name="录入员", phone="13000000000", phone_verified=True
    )
    states = ["closed"] * 6 + [
        "withdrawn",
        "rejected",
        "in_mediation",
        "mediator_assigned",
        "escalated",
        "filed",
    ]
    batch = []
    for i in range(PAST_DISPUTES):
        state = rng.choice(states)
        mediator = rng.choice(users) if state in ("in_mediation", "mediator_assigned", "closed") else None
        # A few past disputes have a mediator's own phone as a party (conflicts of interest).
        claimant_phone = users[rng.randrange(MEDIATORS)].phone if i % 500 == 0 else f"13{i:09d}"
        batch.append(Dispute(
            title=f"历史纠纷{i}", description="基准数据", category=rng.choice(categories), grid=rng.choice(grids),
            claimant_name="甲", claimant_phone=claimant_phone, respondent_name="乙",
            respondent_phone=f"14{i:09d}", filed_by=filer, fingerprint=str(i), state=state, mediator=mediator,
            reference=f"TJ-BENCH-{i:07d}",
        ))  # fmt: skip
        if len(batch) == 5000:
            Dispute.objects.bulk_create(batch)
            batch = []
    Dispute.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does for a live database


def measure(rounds: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Region, User
    from disputes.models import Category, Dispute
    from mediation.pool import ranking

    grid = Region.objects.filter(kind="grid", path__startswith=Region.objects.get(name="社区0").path).first()
    filer = User.objects.get(username="filer")
    dispute, _ = Dispute.objects.get_or_create(
        fingerprint="bench-target",
        defaults=dict(
            title="基准目标纠纷", description="排序基准", category=Category.objects.get(slug="labour"), grid=grid,
            claimant_name="张三", claimant_phone="13000000001", respondent_name="李四",
            respondent_phone=f"14{7:09d}", filed_by=filer, state="awaiting_mediator",
        ),
    )  # fmt: skip
    dispute = Dispute.objects.select_related("grid", "category").get(pk=dispute.pk)
    for _ in range(5):
        ranking.rank(dispute)
    timings, query_counts = [], set()
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = ranking.rank(dispute)
            timings.append((time.perf_counter() - started) * 1000)
        query_counts.add(len(queries))
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"layout: {LAYOUT}  mediators: {MEDIATORS}  past disputes: {Dispute.objects.count()}  rounds: {rounds}"
    )
    print(f"eligible: {len(result.eligible)}  ineligible: {len(result.ineligible)}")
    print(f"rank() ms   p50 {statistics.median(timings):.1f}   p95 {p95:.1f}   max {timings[-1]:.1f}")
    print(f"queries per ranking: {sorted(query_counts)}  (goal: constant; p95 under 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--layout", choices=["city", "worst"], default="city")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load()
    # As config/asgi.py and the Celery worker do after start-up: the objects loaded at
    # start-up move out of the collector's sight, so a full collection stays short.
    gc.freeze()
    measure(args.rounds)


if __name__ == "__main__":
    main()
