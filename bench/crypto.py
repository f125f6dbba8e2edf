#!/usr/bin/env python
"""What does sealing personal data cost the queue? GET /api/v1/queue/ and the /disputes/queue/ page.

Uses bench/lists.py's 100,000 disputes (its own PostgreSQL database, loaded when missing) and
times, for a grid worker (grid1) and the district case handler (handler2), the queue API with
50 rows a page and the staff queue page (two lists of 20), in process through Django's test
Client. It also counts the values opened per page and the CPU time spent opening them (the
share of the page's CPU time that decryption takes), and times seal/open of one phone.

    python bench/crypto.py                      # or: make bench-crypto
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_crypto_bench python bench/crypto.py

Run unchanged on a tree without core/crypto.py (the commit before encryption at rest, with its
own database) to get the "before" figures: the decryption lines are then skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lists import ensure_database, load, setup_django  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_crypto_bench"
USERS = ("grid1", "handler2")
PAGES = ("/api/v1/queue/?page_size=50", "/disputes/queue/")


def percentile(sorted_ms: list[float], share: float) -> float:
    return sorted_ms[max(0, round(share * len(sorted_ms)) - 1)]


def crypto_module():
    try:
        from core import crypto
    except ImportError:
        return None
    return crypto


def time_pages(requests: int, warmup: int) -> list[dict]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    crypto = crypto_module()
    rows = []
    for username in USERS:
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
        client.force_login(user)
        for url in PAGES:
            for _ in range(warmup):
                assert client.get(url).status_code == 200, url
            timings, cpu = [], []
            for _ in range(requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, url
            timings.sort()
            row = {
                "user": username,
                "url": url,
                "p50": statistics.median(timings),
                "p95": percentile(timings, 0.95),
                # This process's CPU per request: less swayed than wall time by a busy machine.
                "cpu_p50": statistics.median(cpu),
            }
            if crypto is not None:
                row.update(decrypt_share(client, url, crypto, max(20, requests // 5)))
            rows.append(row)
            extra = (
                f", {row['opened']:.0f} values opened, {row['open_ms']:.2f} ms = {row['share']:.1%}"
                if "opened" in row
                else ""
            )
            print(
                f"  {username:9} {url:30} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
                f"CPU p50 {row['cpu_p50']:6.1f} ms{extra}",
                flush=True,
            )
    return rows


def decrypt_share(client, url: str, crypto, requests: int) -> dict:
    """Values opened per page and the CPU time spent opening them, as a share of the page's CPU
    time in this process (a counting wrapper, bench only; CPU, not wall, time: the machine is shared)."""
    from core import fields

    original = crypto.open_value
    spent = [0.0]
    calls = [0]

    def counted(token, context):
        start = time.process_time()
        try:
            return original(token, context)
        finally:
            spent[0] += time.process_time() - start
            calls[0] += 1

    pages = []
    fields.crypto.open_value = counted
    try:
        for _ in range(requests):
            start = time.process_time()
            client.get(url)
            pages.append((time.process_time() - start) * 1000)
    finally:
        fields.crypto.open_value = original
    open_ms = spent[0] * 1000 / requests
    return {"opened": calls[0] / requests, "open_ms": open_ms, "share": open_ms / statistics.median(pages)}


def time_primitives(crypto, n: int = 20000) -> dict:
    context = crypto.aad("disputes_dispute", "respondent_phone")
    token = crypto.seal("13912345678", context)
    out = {}
    for name, call in (
        ("seal_us", lambda: crypto.seal("13912345678", context)),
        ("open_us", lambda: crypto.open_value(token, context)),
        ("index_us", lambda: crypto.blind_index("13912345678")),
    ):
        start = time.process_time()
        for _ in range(n):
            call()
        out[name] = (time.process_time() - start) / n * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per line (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (20)")
    parser.add_argument("--total", type=int, default=100_000, help="disputes to load (100,000)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    ensure_database(url)
    setup_django(url)
    load(args.total)
    from disputes.models import Dispute

    total = Dispute.objects.count()
    crypto = crypto_module()
    print(f"{total:,} disputes; encryption at rest: {'yes' if crypto else 'no (before)'}")
    rows = time_pages(args.requests, args.warmup)
    result = {"disputes": total, "encrypted": crypto is not None, "requests": args.requests, "rows": rows}
    if crypto is not None:
        result["primitives"] = time_primitives(crypto)
        p = result["primitives"]
        print(
            f"  one phone, CPU: seal {p['seal_us']:.1f} µs, open {p['open_us']:.1f} µs, index {p['index_us']:.1f} µs"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    name = "crypto.json" if crypto else "crypto-before.json"
    (out / name).write_text(json.dumps(result, indent=2))
    print(f"Written to bench/results/{name}")


if __name__ == "__main__":
    main()
