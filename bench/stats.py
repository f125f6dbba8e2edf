#!/usr/bin/env python
"""How fast are the cockpit's figures on 1,000,000 disputes? /api/v1/stats/, /cockpit/, risk alerts.

Loads 1,000,000 disputes over the demo grids and every state (filed over three years, some
overdue, settled ones with a settlement time, a fifth of the settled or closed ones rated)
into a dedicated PostgreSQL database, with one INSERT ... SELECT per table (a few minutes),
then times, for the district case handler (handler2: every dispute), the street case handler
(handler1) and a grid worker (grid1), the stats endpoint and the cockpit page (figures, trend
charts, open risk alerts), whole scope and a 90-day period, and GET /api/v1/risk-alerts/, in
process through Django's test Client: the whole Django/DRF stack plus PostgreSQL, without the
HTTP server. Before the pages it runs the daily risk rules once for today (each rule of
disputes.reports.risk timed alone, then alerts.evaluate, what `manage.py evaluate_risk` runs:
the rules, raising the alerts and telling the street's handlers).

The parties' phones are sealed and indexed as the application does it (core.crypto, under
fixed bench keys unless TIAOJIE_DATA_KEYS / TIAOJIE_INDEX_KEY are set): Python seals each
row's phones and streams them (COPY) into a temporary table that the INSERT joins. Most
disputes have parties of their own; 1 in 100 names one of 300 repeat respondents (each
bound to one grid) and 1 in 200 is between one of 200 pairs of parties who come back (also
one grid each), so the repeat-respondent and repeat-after-settlement rules have something
to find, as they would in a city.

The figures read the tallies that the dispute table's triggers keep (disputes.reports.stats):
the load switches them off and fills the tallies as the migration does, so they are the real
ones. A database whose schema is behind the code, or whose bench rows do not open under the
current keys, is dropped and loaded again (also with --reload).

    python bench/stats.py          # or: make bench-stats
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_i7b_bench python bench/stats.py --requests 50
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import json
import logging
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lists import STATE_WEIGHTS, ensure_database, explain_analyze, setup_django  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_stats_bench"
TOTAL = 1_000_000
TARGET_P95_MS = 300.0
TRIGGERS = ("disputes_dispute_tally", "disputes_dispute_tally_update")
USERS = ("handler2", "handler1", "grid1")
# Parties who come back (see the docstring): how many, and the share of disputes naming them.
REPEAT_RESPONDENTS, REPEAT_RESPONDENT_SHARE = 300, 0.01
REPEAT_PAIRS, REPEAT_PAIR_SHARE = 200, 0.005


def bench_key(label: str) -> str:
    """A fixed key for the bench's made-up parties (not a secret), so one bench database opens
    from any work tree; the real keys come from the settings' files or the environment."""
    return base64.urlsafe_b64encode(hashlib.sha256(f"tiaojie bench {label} key".encode()).digest()).decode()


def environment() -> int | None:
    """The bench's own var folder (PKI, token, outboxes: ROOT/var/stats-bench), fixed keys for
    its made-up parties (bench_key), and the address of its own trust services unless
    TIAOJIE_TSA_URL names running ones: the port they will listen on, else None."""
    from tests.stack_harness import free_port

    os.environ.setdefault("TIAOJIE_VAR_DIR", str(ROOT / "var" / "stats-bench"))
    os.environ.setdefault("TIAOJIE_DATA_KEYS", bench_key("data"))
    os.environ.setdefault("TIAOJIE_INDEX_KEY", bench_key("index"))
    if os.environ.get("TIAOJIE_TSA_URL"):
        return None
    port = free_port()
    os.environ["TIAOJIE_PKI_BASE_URL"] = f"http://127.0.0.1:{port}"
    os.environ["TIAOJIE_TSA_URL"] = f"http://127.0.0.1:{port}/tsa/"
    return port


def start_trust(port: int | None):
    """seed_demo signs settlements, and signing fetches timestamps and revocation data from the
    trust services (docs/features/trust-services.md): run them while loading."""
    if port is None:
        return None
    from django.conf import settings

    from tests.trust_process import TrustProcess

    settings.TRUST_PUBLISH_DIR.mkdir(parents=True, exist_ok=True)
    return TrustProcess(
        settings.PKI_DIR, settings.TRUST_PUBLISH_DIR, settings.VAR_DIR / "trust.log", port
    ).start()


def drop_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {k.lower(): config.get(k) or None for k in ("HOST", "PORT", "USER", "PASSWORD")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
        )


def stale(reload: bool) -> str | None:
    """Why the bench database must be dropped and loaded again (None: keep it): asked for, its
    schema is behind the migrations while it holds bench rows (migrating a million rows through
    the sealing migration is slower than loading them again), or its bench rows do not open."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if reload:
        return "--reload"
    tables = connection.introspection.table_names()
    if "disputes_dispute" not in tables:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT claimant_phone, respondent_phone FROM disputes_dispute "
            "WHERE fingerprint LIKE 'stats:%%' ORDER BY id DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return "its schema is behind the migrations"
    from core import crypto

    if not all(value.startswith(f"{crypto.VERSION}:") for value in row):
        return "its bench phones are not sealed"
    try:
        crypto.open_value(row[0], crypto.aad("disputes_dispute", "claimant_phone"))
    except crypto.DecryptionError:
        return "its bench phones do not open under the current keys"
    return None


def load(total: int) -> None:
    """Add bench disputes (fingerprint "stats:N") until there are `total`, and their ratings."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Region, User
    from disputes.models import Category, Dispute, Rating, SettlementTally, Tally

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    have = Dispute.objects.filter(fingerprint__startswith="stats:").count()
    if have >= total and Rating.objects.exists():
        print(f"Bench data present: {have:,} disputes.")
        return
    print(f"Loading {total - have:,} bench disputes (have {have:,}) ...", flush=True)
    grids = list(Region.objects.filter(kind=Region.Kind.GRID).order_by("path").values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    filer = User.objects.get(username="resident1")
    # A cumulative weight table turns one random number into a state, in SQL.
    states, edges, acc = [], [], 0
    weight_sum = sum(STATE_WEIGHTS.values())
    for state, weight in STATE_WEIGHTS.items():
        acc += weight
        states.append(state)
        edges.append(acc / weight_sum)
    case = " ".join(f"WHEN r < {edge} THEN '{state}'" for state, edge in zip(states, edges, strict=True))
    started = time.perf_counter()
    table = Dispute._meta.db_table
    last_id = Dispute.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    copy_parties(table, have, total, len(grids))
    print(f"  parties sealed and copied in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        # One statement of a million rows would push each tally row through a million
        # versions in one transaction: load with the tally triggers off, then fill the
        # tallies from the disputes as the migration does.
        cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DISABLE TRIGGER {t}" for t in TRIGGERS))
        try:
            insert_disputes(cursor, table, case, categories, grids, filer.pk)
        finally:
            cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"ENABLE TRIGGER {t}" for t in TRIGGERS))
        cursor.execute("DROP TABLE bench_parties")
        print(f"  disputes in {time.perf_counter() - started:.1f} s", flush=True)
        fill = importlib.import_module("disputes.migrations.0010_cockpit_tallies").PG_FILL
        cursor.execute(f"DELETE FROM {Tally._meta.db_table}")
        cursor.execute(f"DELETE FROM {SettlementTally._meta.db_table}")
        cursor.execute(fill)
        print(f"  tallies in {time.perf_counter() - started:.1f} s", flush=True)
        # A fifth of the settled ones rated by the claimant, scores skewed to satisfied.
        cursor.execute(
            f"""
            INSERT INTO {Rating._meta.db_table} (dispute_id, party, by_id, score, comment, at,
                grid_id, category_id, filed_at)
            SELECT id, 'claimant', %(filer)s, (ARRAY[1, 2, 3, 4, 4, 5, 5, 5])[1 + floor(random() * 8)::int],
                   '', settled_at + interval '2 days', grid_id, category_id, created_at
            FROM {table}
            WHERE id > %(last_id)s AND fingerprint LIKE 'stats:%%' AND settled_at IS NOT NULL
                  AND random() < 0.2
            ON CONFLICT DO NOTHING
            """,
            {"filer": filer.pk, "last_id": last_id},
        )
        for model in (Dispute, Rating, Tally, SettlementTally):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    print(f"Loaded in {time.perf_counter() - started:.1f} s.", flush=True)


def parties(start: int, end: int, ngrid: int):
    """(n, claimant phone, its index, respondent phone, its index) of the disputes start..end-1,
    sealed as EncryptedTextField and BlindIndexField store them (core.crypto). The phones of a
    repeat respondent or pair are sealed once and reused (one valid ciphertext in many rows)."""
    from core import crypto
    from disputes.models import Dispute

    table = Dispute._meta.db_table
    claimant, respondent = crypto.aad(table, "claimant_phone"), crypto.aad(table, "respondent_phone")
    kept: dict[tuple[str, bytes], tuple[str, str]] = {}

    def fresh(phone: str, context: bytes) -> tuple[str, str]:
        return crypto.seal(phone, context), crypto.blind_index(phone)

    def repeat(phone: str, context: bytes) -> tuple[str, str]:
        if (phone, context) not in kept:
            kept[(phone, context)] = fresh(phone, context)
        return kept[(phone, context)]

    def one_of(pool: int, grid: int) -> int:
        """A repeat party's number among `pool`, bound to the grid (number % ngrid == grid)."""
        return rng.randrange(max(1, pool // ngrid)) * ngrid + grid

    rng = random.Random(f"stats:{start}")
    for n in range(start, end):
        r, grid = rng.random(), n % ngrid  # the dispute's grid, as insert_disputes picks it
        if r < REPEAT_PAIR_SHARE:
            k = one_of(REPEAT_PAIRS, grid)
            c, p = repeat(f"158{k:08d}", claimant), repeat(f"157{k:08d}", respondent)
        elif r < REPEAT_PAIR_SHARE + REPEAT_RESPONDENT_SHARE:
            c, p = (
                fresh(f"152{n:08d}", claimant),
                repeat(f"159{one_of(REPEAT_RESPONDENTS, grid):08d}", respondent),
            )
        else:
            c, p = fresh(f"152{n:08d}", claimant), fresh(f"153{n:08d}", respondent)
        yield n, c[0], c[1], p[0], p[1]


def copy_parties(table: str, start: int, end: int, ngrid: int) -> None:
    """The sealed parties of the new disputes, streamed into the temporary table bench_parties."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_parties (n integer, cp text, ci text, rp text, ri text)")
        with cursor.copy("COPY bench_parties (n, cp, ci, rp, ri) FROM STDIN") as copy:
            for row in parties(start, end, ngrid):
                copy.write_row(row)
        cursor.execute("ANALYZE bench_parties")


def insert_disputes(cursor, table: str, case: str, categories, grids, filer: int) -> None:
    """One dispute per row of bench_parties ("stats:N"): one INSERT ... SELECT."""
    cursor.execute(
        f"""
        INSERT INTO {table} (reference, title, description, category_id, grid_id, level,
            claimant_name, claimant_phone, claimant_phone_index, respondent_name, respondent_phone,
            respondent_phone_index, respondent_email, claimant_address, respondent_address,
            desired_outcome, language, filed_by_id, fingerprint, state, due_at, served_at, outcome,
            outcome_note, created_at, updated_at, closed_at, settled_at)
        SELECT 'TJ-S-' || lpad(n::text, 7, '0'), '统计基准纠纷 ' || n, '驾驶舱性能测试。',
            (%(categories)s::int[])[1 + n %% %(ncat)s], (%(grids)s::int[])[1 + n %% %(ngrid)s], 2,
            '测试申请人', cp, ci, '测试被申请人', rp, ri,
            '', '', '', '', 'zh-hans', %(filer)s, 'stats:' || n,
            state,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn', 'settled') THEN NULL
                 ELSE now() + (random() * 20 - 10) * interval '1 day' END,
            created + interval '1 day', '', '', created, created,
            CASE WHEN state IN ('rejected', 'closed', 'withdrawn')
                 THEN created + random() * 60 * interval '1 day' END,
            CASE WHEN state = 'settled' OR (state = 'closed' AND random() < 0.6)
                 THEN created + (1 + random() * 45) * interval '1 day' END
        FROM (
            SELECT n, cp, ci, rp, ri, now() - random() * 3 * 365 * interval '1 day' AS created,
                   CASE {case} ELSE 'closed' END AS state
            FROM (SELECT *, random() AS r FROM bench_parties) AS raw
        ) AS rows
        """,
        {
            "categories": categories, "ncat": len(categories), "grids": grids, "ngrid": len(grids),
            "filer": filer,
        },
    )  # fmt: skip


def measure(users: list[str], requests: int, warmup: int) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts import privacy
    from accounts.models import PrivacyAcceptance, User

    today = timezone.localdate()
    period = f"from={(today - timedelta(days=90)).isoformat()}&to={today.isoformat()}"
    rows = []
    for username in users:
        user = User.objects.get(username=username)
        if privacy.needs_acceptance(user):  # as the user does once, on their first page
            privacy.accept(user, privacy.current_version(), via=PrivacyAcceptance.Via.PAGE)
        token, _ = Token.objects.get_or_create(user=user)
        api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        page = Client()
        page.force_login(user)
        for client, url in (
            (api, "/api/v1/stats/"),
            (api, f"/api/v1/stats/?{period}"),
            (page, "/cockpit/"),
            (page, f"/cockpit/?{period}"),
            (api, "/api/v1/risk-alerts/"),
        ):
            for _ in range(warmup):
                check(client.get(url), url)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            check(response, url)
            queries = list(captured.captured_queries)
            timings = []
            for _ in range(requests):
                start = time.perf_counter()
                check(client.get(url), url)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            slowest = max(queries, key=lambda q: float(q["time"]))
            row = {
                "user": username,
                "url": url.replace(period, "from=-90d"),
                "queries": len(queries),
                "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                "slowest_sql_ms": float(slowest["time"]) * 1000,
                "slowest_sql": slowest["sql"],
                "p50": statistics.median(timings),
                "p95": percentile(timings, 0.95),
                "max": timings[-1],
                "alerts": shown_alerts(response, url),
            }
            rows.append(row)
            shown = "" if row["alerts"] is None else f"  ({row['alerts']} alerts shown)"
            print(
                f"  {username:9} {row['url']:32} p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f} ms{shown}",
                flush=True,
            )
    return rows


def percentile(sorted_ms: list[float], share: float) -> float:
    return sorted_ms[max(0, round(share * len(sorted_ms)) - 1)]


def shown_alerts(response, url: str) -> int | None:
    """How many open alerts the answer shows; for the page, also that it has both trend charts."""
    if url.startswith("/api/v1/risk-alerts/"):
        return response.json()["count"]
    if url.startswith("/cockpit/"):
        html = response.content.decode()
        for unit in ("week", "month"):
            if f'data-trend="{unit}"' not in html:
                sys.exit(f"GET {url} has no {unit} trend chart: is this the current cockpit?")
        return html.count('class="risk-alert ')
    return None


def check(response, url: str) -> None:
    if response.status_code != 200:
        sys.exit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")


class Counter:
    """Every query of a block, counted and timed (an execute wrapper: unlike
    CaptureQueriesContext it does not stop at 9,000 queries)."""

    def __init__(self):
        self.n, self.ms, self.slowest = 0, 0.0, (0.0, None)

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            self.n, self.ms = self.n + 1, self.ms + ms
            if ms > self.slowest[0]:
                self.slowest = (ms, (sql, params))


def measure_risk() -> list[dict]:
    """The daily risk rules on today's data, once: each rule alone (read only), then
    alerts.evaluate (the rules again, raising the new alerts and writing their notices), what
    `manage.py evaluate_risk` and the beat task run."""
    from django.db import connection
    from django.utils import timezone

    from disputes.reports import alerts, risk

    today = timezone.localdate()
    # The notices' delivery runs in this process (TIAOJIE_CELERY_EAGER): its figure includes it.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    print(f"Risk rules for {today} (disputes.reports.risk), once each:", flush=True)
    rows = []
    for name, run in (
        ("rule rise", risk.rise_candidates),
        ("rule repeat respondent", risk.repeat_respondent_candidates),
        ("rule repeat after settlement", risk.after_settlement_candidates),
        ("evaluate (rules, raise, notify)", alerts.evaluate),
    ):
        counter = Counter()
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            found = run(today)
            ms = (time.perf_counter() - start) * 1000
        row = {
            "step": name, "ms": ms, "queries": counter.n, "sql_ms": counter.ms, "found": len(found),
            "disputes": sum(len(getattr(c, "dispute_ids", ())) for c in found),
            "slowest_sql_ms": counter.slowest[0], "slowest_sql": counter.slowest[1],
        }  # fmt: skip
        rows.append(row)
        what = "raised" if name.startswith("evaluate") else "candidates"
        print(f"  {name:32} {ms:8.1f} ms  {counter.n:5} queries  {len(found):5} {what}", flush=True)
    return rows


def short(text: str, width: int = 240) -> str:
    """Each line cut at `width` characters (a plan's filter can list thousands of indexes)."""
    return "\n".join(line if len(line) <= width else line[:width] + " …" for line in text.splitlines())


def explain_with(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


def report(rows: list[dict], risk_rows: list[dict], requests: int, explain: bool) -> None:
    from disputes.models import Dispute, Rating, RiskAlert, SettlementTally, Tally

    total, ratings = Dispute.objects.count(), Rating.objects.count()
    tallies, settlement_tallies = Tally.objects.count(), SettlementTally.objects.count()
    open_alerts = RiskAlert.objects.filter(acknowledged_at=None).count()
    print()
    print(f"{total:,} disputes and {ratings:,} ratings in PostgreSQL; {requests} timed requests per line")
    print(
        f"({tallies:,} Tally and {settlement_tallies:,} SettlementTally rows; {open_alerts:,} open risk alerts)"
    )
    print("after warm-up; in process (django.test.Client), so no HTTP server time is included.")
    print()
    header = (
        f"{'user':9} {'request':32} {'queries':>7} {'SQL ms':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'alerts':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['user']:9} {r['url']:32} {r['queries']:>7} {r['sql_ms']:>7.1f} "
            f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f} {'' if r['alerts'] is None else r['alerts']:>6}"
        )
    worst = max(rows, key=lambda r: r["p95"])
    verdict = "meets" if worst["p95"] < TARGET_P95_MS else "MISSES"
    print(
        f"\nWorst p95 {worst['p95']:.1f} ms ({worst['user']} {worst['url']}): "
        f"{verdict} the {TARGET_P95_MS:.0f} ms target."
    )
    if risk_rows:
        print()
        header = f"{'risk step (once)':32} {'ms':>8} {'queries':>7} {'SQL ms':>8} {'slowest':>8} {'found':>6} {'disputes':>8}"
        print(header)
        print("-" * len(header))
        for r in risk_rows:
            print(
                f"{r['step']:32} {r['ms']:>8.1f} {r['queries']:>7} {r['sql_ms']:>8.1f} "
                f"{r['slowest_sql_ms']:>8.1f} {r['found']:>6} {r['disputes']:>8}"
            )
    print("Load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    if explain:
        for r in sorted(rows, key=lambda r: -r["slowest_sql_ms"])[:explain]:
            print(
                f"\nSlowest query of {r['user']} {r['url']} ({r['slowest_sql_ms']:.1f} ms), EXPLAIN ANALYZE:"
            )
            print(short(r["slowest_sql"]))
            print(short(explain_analyze(r["slowest_sql"])))
        for r in risk_rows:
            if r["slowest_sql"] and not r["step"].startswith("evaluate"):
                print(f"\nSlowest query of {r['step']} ({r['slowest_sql_ms']:.1f} ms), EXPLAIN ANALYZE:")
                print(short(explain_with(*r["slowest_sql"])))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    for r in rows + risk_rows:
        r.pop("slowest_sql", None)
    (out / "stats.json").write_text(
        json.dumps(
            {
                "disputes": total,
                "requests": requests,
                "load": os.getloadavg(),
                "rows": rows,
                "risk": risk_rows,
            },
            indent=2,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per line (40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
    parser.add_argument("--total", type=int, default=TOTAL, help=f"disputes to load ({TOTAL:,})")
    parser.add_argument(
        "--explain", type=int, nargs="?", const=1, default=0,
        help="print the plans of the N requests with the slowest queries (1), and the rules' slowest",
    )  # fmt: skip
    parser.add_argument("--users", default=",".join(USERS), help=f"demo accounts to time ({','.join(USERS)})")
    parser.add_argument("--reload", action="store_true", help="drop the bench database and load it again")
    parser.add_argument("--no-risk", action="store_true", help="do not run the risk rules")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    own_trust = environment()
    ensure_database(url)
    setup_django(url)
    why = stale(args.reload)
    if why:
        from django.db import connection

        print(f"Dropping the bench database: {why}.", flush=True)
        connection.close()
        drop_database(url)
        ensure_database(url)
    trust = start_trust(own_trust)
    try:
        load(args.total)
    finally:
        if trust is not None:
            trust.stop()
    risk_rows = [] if args.no_risk else measure_risk()
    users = [u.strip() for u in args.users.split(",") if u.strip()]
    rows = measure(users, args.requests, args.warmup)
    report(rows, risk_rows, args.requests, args.explain)


if __name__ == "__main__":
    main()
