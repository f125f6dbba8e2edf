#!/usr/bin/env python
"""What do voice notes cost the chat? (docs/chat-protocol.md, "Voice notes")

Text messages now read their attachment with a LEFT JOIN wherever the store and `sync` build
a `message` frame. This measures, on PostgreSQL, in a database of its own (dropped and made
afresh each run):

- `sync` batches of 500 messages from a room of 5,000 (1% voice notes): the query as it is
  now beside the query without the join (the text before voice notes), interleaved;
- storing text messages through `store.post_batch` (batches of 50);
- storing voice notes of 100 KB through `voice.post_voice` (type check, file write, store).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tiaojie_voice_bench python bench/voice.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tiaojie_voice_bench"
MESSAGES, VOICE_EVERY, ROUNDS = 5_000, 100, 30
OLD_SYNC = (
    "SELECT m.seq, m.id, m.author_id, u.full_name, u.username, m.author_role, m.body, m.sent_at, m.client_msg_id"
    " FROM mediation_message m JOIN accounts_user u ON u.id = m.author_id"
    " WHERE m.room_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s"
)


def fresh_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"bench/voice.py measures PostgreSQL; DATABASE_URL is {url!r}")
    params = {k.lower(): config.get(k) or None for k in ("HOST", "PORT", "USER", "PASSWORD")}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(config["NAME"])))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


def main() -> None:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    fresh_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("TIAOJIE_CELERY_EAGER", "1")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from disputes.models import Dispute
    from mediation.chat import rooms, sql, store, voice
    from tests import factories
    from tests.chat.voice_samples import WEBM_OPUS

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="voice-bench-")
    settings.CHAT_RATE = 10**9
    call_command("migrate", verbosity=0)
    regions = factories.region_tree()
    claimant = factories.UserFactory(username="bench-claimant")
    respondent = factories.UserFactory(username="bench-respondent")
    mediator = factories.staff("mediator", regions["grid1"], username="bench-mediator")
    dispute = factories.file_dispute(claimant, regions["grid1"], respondent.phone)
    Dispute.objects.filter(pk=dispute.pk).update(state="in_mediation", mediator=mediator)
    dispute.refresh_from_db()
    joint = next(r for r in rooms.create_rooms(dispute) if r.kind == "joint")
    joint.dispute = dispute

    note = WEBM_OPUS + bytes(100 * 1024 - len(WEBM_OPUS))
    text_seconds, voice_seconds, n = [], [], 0
    while n < MESSAGES:
        if (
            len(text_seconds)
            and len(text_seconds) % (VOICE_EVERY // 50) == 0
            and len(voice_seconds) < n // VOICE_EVERY
        ):
            started = time.perf_counter()
            voice.post_voice(joint, claimant, SimpleUploadedFile("v.webm", note), f"v-{n}", "5000")
            voice_seconds.append(time.perf_counter() - started)
            n += 1
            continue
        batch = [store.Send(joint.pk, claimant, f"第{n + i}条消息", f"t-{n + i}") for i in range(50)]
        started = time.perf_counter()
        store.post_batch(batch)
        text_seconds.append((time.perf_counter() - started) / len(batch))
        n += len(batch)

    def old_sync(after: int) -> int:
        with sql.cursor() as cursor:
            cursor.execute(OLD_SYNC, [joint.pk, after, settings.CHAT_SYNC_BATCH])
            return len(cursor.fetchall())

    def new_sync(after: int) -> int:
        frames, _last = store.sync_frames(joint.pk, after)
        return len(frames)

    def old_frames(after: int) -> int:  # the old query and the frames built from its rows
        with sql.cursor() as cursor:
            cursor.execute(OLD_SYNC, [joint.pk, after, settings.CHAT_SYNC_BATCH])
            rows = cursor.fetchall()
        return len([store._row_frame((*row, None, None, None, None, None, None, joint.pk)) for row in rows])

    timings = {"query, before (no join)": [], "frames, before (no join)": [], "frames, now (LEFT JOIN)": []}
    for _ in range(ROUNDS):
        for after in range(0, MESSAGES, 500):
            for name, call in (
                ("query, before (no join)", old_sync),
                ("frames, before (no join)", old_frames),
                ("frames, now (LEFT JOIN)", new_sync),
            ):
                started = time.perf_counter()
                call(after)
                timings[name].append(time.perf_counter() - started)

    print(f"PostgreSQL; a room of {MESSAGES:,} messages, one in {VOICE_EVERY} a voice note")
    for name, values in timings.items():
        values.sort()
        p50 = statistics.median(values) * 1000
        p95 = values[int(len(values) * 0.95)] * 1000
        print(
            f"sync batch of 500, {name:26s}: p50 {p50:6.2f} ms, p95 {p95:6.2f} ms ({p50 * 2:5.2f} µs/message)"
        )
    text_seconds.sort()
    voice_seconds.sort()
    print(
        f"text message stored (batches of 50): p50 {statistics.median(text_seconds) * 1e6:7.0f} µs per message"
    )
    print(
        f"voice note of 100 KB stored: p50 {statistics.median(voice_seconds) * 1000:6.2f} ms, "
        f"p95 {voice_seconds[int(len(voice_seconds) * 0.95)] * 1000:6.2f} ms ({len(voice_seconds)} notes)"
    )


if __name__ == "__main__":
    main()
