#!/usr/bin/env python
"""How fast are the staff lists on a big district? GET /api/v1/queue/ and /api/v1/disputes/.

Loads 100,000 disputes spread over the 8 demo grids and every state into a dedicated
PostgreSQL database (created if missing; loading is skipped when already done), then times
first pages (page_size 25 and 100) for a grid worker (grid1) and the district case handler
(handler2), in process through Django's test Client with token authentication: the figures
are the whole Django/DRF stack plus PostgreSQL, without the HTTP server.

    python bench/lists.py              # or: python -m bench.lists, or: make bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_bench python bench/lists.py --requests 200

Bench rows are made with bulk_create (FSMField accepts a state given to the constructor):
they have no events, which the lists never read. The demo world itself comes from seed_demo.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_bench"
TOTAL = 100_000
TARGET_P95_MS = 100.0
# Slower than this, a single query gets its plan printed.
SLOW_QUERY_MS = 20.0
USERS = ("grid1", "handler2")
ENDPOINTS = ("/api/v1/queue/", "/api/v1/disputes/")
PAGE_SIZES = (25, 100)

# How the bench disputes spread over states: a district a few years in, mostly finished.
STATE_WEIGHTS = {
    "filed": 3, "rejected": 4, "awaiting_response": 5, "awaiting_mediator": 3, "mediator_assigned": 2,
    "in_mediation": 8, "awaiting_signatures": 2, "settled": 5, "escalated": 3, "case_handling": 3,
    "closed": 52, "withdrawn": 10,
}  # fmt: skip
TERMINAL = {"rejected", "closed", "withdrawn"}
WITH_MEDIATOR = {"mediator_assigned", "in_mediation", "awaiting_signatures", "settled"}
SERVED = {
    "awaiting_response", "awaiting_mediator", "mediator_assigned", "in_mediation", "awaiting_signatures",
    "settled", "case_handling", "closed",
}  # fmt: skip


def ensure_database(url: str) -> None:
    """Create the bench database on its server if it does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"bench/lists.py measures PostgreSQL; DATABASE_URL is {url!r}")
    params = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone():
            print(f"Creating database {config['NAME']}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The bench never needs the workers: tasks scheduled while loading run in place.
    os.environ.setdefault("TIAOJIE_CELERY_EAGER", "1")
    import django

    django.setup()


def load(total: int) -> None:
    """Add bench disputes until there are `total` of them (marker: fingerprint "bench:N")."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Region, StaffRole, User
    from disputes.models import Category, Dispute

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    have = Dispute.objects.filter(fingerprint__startswith="bench:").count()
    if have >= total:
        print(f"Bench data present: {have:,} disputes.")
        return
    print(f"Loading {total - have:,} bench disputes (have {have:,}) ...", flush=True)
    rng = random.Random(42 + have)
    grids = list(Region.objects.filter(kind=Region.Kind.GRID).order_by("path"))
    categories = list(Category.objects.all())
    residents = list(User.objects.filter(username__startswith="resident").order_by("id"))
    mediators = {
        grid.pk: [
            role.user
            for role in StaffRole.objects.filter(role="mediator").select_related("user", "region")
            if role.region.covers(grid)
        ]
        for grid in grids
    }
    street1 = Region.objects.get(kind=Region.Kind.STREET, name_en="Beishan Subdistrict")
    handler1, handler2 = User.objects.get(username="handler1"), User.objects.get(username="handler2")
    states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
    now = timezone.now()
    started = time.perf_counter()
    batch: list[Dispute] = []
    for n in range(have, total):
        state = rng.choices(states, weights)[0]
        grid = grids[n % len(grids)]
        created = now - timedelta(days=rng.uniform(0, 3 * 365))
        level = 2
        if state in {"escalated", "case_handling"} or (state == "closed" and rng.random() < 0.3):
            level = rng.choice([1, 1, 1, 0])
        dispute = Dispute(
            reference=f"TJ-B-{n:07d}",
            title=f"基准纠纷 {n}",
            description="用于列表性能测试的纠纷。",
            category=rng.choice(categories),
            grid=grid,
            level=level,
            claimant_name="测试申请人",
            claimant_phone=f"150{n:08d}",
            respondent_name="测试被申请人",
            respondent_phone=f"151{n:08d}",
            filed_by=residents[n % len(residents)],
            fingerprint=f"bench:{n}",
            state=state,
            created_at=created,
            served_at=created + timedelta(days=1) if state in SERVED else None,
            # Open disputes: due within ±10 days of now, so some are overdue.
            due_at=None if state in TERMINAL else now + timedelta(hours=rng.uniform(-240, 240)),
            closed_at=created + timedelta(days=rng.uniform(1, 60)) if state in TERMINAL else None,
            mediator=rng.choice(mediators[grid.pk]) if state in WITH_MEDIATOR else None,
        )
        if state == "case_handling":
            dispute.case_handler = handler1 if level == 1 and street1.covers(grid) else handler2
        batch.append(dispute)
        if len(batch) == 5000:
            with transaction.atomic():
                Dispute.objects.bulk_create(batch)
            batch = []
            print(f"  {n + 1:,}", end="\r", flush=True)
    if batch:
        with transaction.atomic():
            Dispute.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Dispute._meta.db_table}")
    print(f"Loaded in {time.perf_counter() - started:.1f} s.          ")


def measure(users: list[str], requests: int, warmup: int, explain: bool) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    rows = []
    for username in users:
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        for path in ENDPOINTS:
            for size in PAGE_SIZES:
                url = f"{path}?page_size={size}"
                for _ in range(warmup):
                    check(client.get(url), url)
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                check(response, url)
                # Copied now: every request clears the connection's query log when it starts.
                queries = list(captured.captured_queries)
                timings = []
                for _ in range(requests):
                    start = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - start) * 1000)
                    check(response, url)
                timings.sort()
                slowest = max(queries, key=lambda q: float(q["time"]))
                row = {
                    "user": username,
                    "url": url,
                    "rows": len(response.json()["results"]),
                    "queries": len(queries),
                    "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                    "slowest_sql_ms": float(slowest["time"]) * 1000,
                    "p50": statistics.median(timings),
                    "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
                    "max": timings[-1],
                }
                rows.append(row)
                print(f"  {username:9} {url:34} p95 {row['p95']:7.1f} ms", flush=True)
                if explain or row["p95"] >= TARGET_P95_MS or row["slowest_sql_ms"] >= SLOW_QUERY_MS:
                    row["plan"] = explain_analyze(slowest["sql"])
    return rows


def check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")


def explain_analyze(query: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
        return "\n".join(line for (line,) in cursor.fetchall())


def report(rows: list[dict], requests: int) -> None:
    from disputes.models import Dispute

    total = Dispute.objects.count()
    print()
    print(f"{total:,} disputes in PostgreSQL; {requests} timed requests per line after warm-up;")
    print("in process (django.test.Client, token auth), so no HTTP server time is included.")
    print()
    header = (
        f"{'user':9} {'request':34} {'rows':>4} {'queries':>7} {'SQL ms':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['user']:9} {r['url']:34} {r['rows']:>4} {r['queries']:>7} {r['sql_ms']:>7.1f} "
            f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f}"
        )
    worst = max(r["p95"] for r in rows)
    verdict = "meets" if worst < TARGET_P95_MS else "MISSES"
    print(f"\nWorst p95 {worst:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms target.")
    for r in rows:
        if "plan" in r:
            print(
                f"\nSlowest query of {r['user']} {r['url']} ({r['slowest_sql_ms']:.1f} ms), EXPLAIN ANALYZE:"
            )
            print(r["plan"])
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "lists.json").write_text(
        json.dumps({"disputes": total, "requests": requests, "rows": rows}, indent=2)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per line (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (20)")
    parser.add_argument("--total", type=int, default=TOTAL, help=f"disputes to load ({TOTAL:,})")
    parser.add_argument("--explain", action="store_true", help="print every slowest query's plan")
    parser.add_argument(
        "--users", default=",".join(USERS), help=f"demo accounts to time, comma-separated ({','.join(USERS)})"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    load(args.total)
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    print(f"Timing {len(users) * len(ENDPOINTS) * len(PAGE_SIZES)} requests x {args.requests} ...")
    rows = measure(users, args.requests, args.warmup, args.explain)
    report(rows, args.requests)


if __name__ == "__main__":
    main()
