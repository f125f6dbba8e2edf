"""The ledger of a fault test, and its checker (docs/security.md, "Faults and the ledger").

Clients journal what the system acknowledged (a chat message's seq, a transition's HTTP
status, an outbox row, a rendered document); faults are injected; after recovery the
checker compares the journal with what was stored and delivered:

- lost: acknowledged but not stored, or stored but not delivered to a member or recipient;
- duplicated: stored or delivered more than once;
- out of order: a room's seqs not 1..n, a member's view not in the stored order, or a
  message stored under another seq than the one acknowledged;
- 5xx other than 503: server errors that are not "try again later".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Ledger:
    name: str
    faults: list[str] = field(default_factory=list)
    # chat: (room, author id, client_msg_id) -> seq acknowledged
    chat: dict[tuple[int, int, str], int] = field(default_factory=dict)
    # HTTP: (operation, status) for every answer, in order
    answers: list[tuple[tuple, int]] = field(default_factory=list)
    # HTTP answers to other requests made during the faults (only their status is checked)
    probes: list[tuple[str, int]] = field(default_factory=list)
    checked: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    # --- journaling ---------------------------------------------------------------------------
    def fault(self, what: str) -> None:
        self.faults.append(what)

    def ack_chat(self, room: int, author: int, client_msg_id: str, seq: int) -> None:
        key = (room, author, client_msg_id)
        if key in self.chat and self.chat[key] != seq:
            self.out_of_order += 1
            self.problems.append(f"{key} acknowledged as seq {self.chat[key]} and {seq}")
        self.chat[key] = seq

    def answer(self, operation: tuple, status: int) -> None:
        self.answers.append((operation, status))

    def probe(self, name: str, status: int) -> None:
        self.probes.append((name, status))

    @property
    def server_errors(self) -> int:
        """HTTP 5xx other than 503."""
        return sum(1 for _op, status in [*self.answers, *self.probes] if status >= 500 and status != 503)

    def problem(self, kind: str, text: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.problems) < 20:
            self.problems.append(f"{kind}: {text}")

    # --- checking -----------------------------------------------------------------------------
    def check_chat(self, stored: list[tuple[int, int, int, str]], views: dict[str, tuple[int, dict]]) -> None:
        """`stored`: every (room, seq, author, client_msg_id) in the database; `views`: each
        member client's name -> (room, {seq: message}) after its final sync."""
        by_room: dict[int, list[int]] = {}
        counts = Counter((room, author, cid) for room, _seq, author, cid in stored)
        seq_of = {}
        for room, seq, author, cid in stored:
            by_room.setdefault(room, []).append(seq)
            seq_of[(room, author, cid)] = seq
        for key, n in counts.items():
            if n > 1:
                self.problem("duplicated", f"{key} stored {n} times")
        for room, seqs in by_room.items():
            if sorted(seqs) != list(range(1, len(seqs) + 1)):
                self.problem("out_of_order", f"room {room} seqs are not 1..{len(seqs)}")
        for key, seq in self.chat.items():
            self.checked += 1
            if key not in seq_of:
                self.problem("lost", f"acknowledged {key} (seq {seq}) is not stored")
            elif seq_of[key] != seq:
                self.problem("out_of_order", f"{key} acknowledged as seq {seq}, stored as {seq_of[key]}")
        expected = {}
        for room, seq, author, cid in stored:
            expected.setdefault(room, {})[seq] = (author, cid)
        for who, (room, messages) in views.items():
            held = {seq: (m["author"]["id"], m["client_msg_id"]) for seq, m in messages.items()}
            for seq, message in expected.get(room, {}).items():
                if seq not in held:
                    self.problem("lost", f"{who} never got seq {seq} of room {room}")
                elif held[seq] != message:
                    self.problem("out_of_order", f"{who} holds {held[seq]} at seq {seq}, stored {message}")
            for seq in set(held) - set(expected.get(room, {})):
                self.problem("duplicated", f"{who} holds seq {seq} of room {room}, which is not stored")

    def check_timeline(self, events: list[tuple[int, str, str]]) -> None:
        """`events`: every (dispute, transition, from_state) on the timelines. Each operation
        answered 200 is there once; no operation is there twice, whatever it was answered."""
        counts = Counter(events)
        ok = {op for op, status in self.answers if status == 200}
        for op in ok:
            self.checked += 1
            if counts[op] == 0:
                self.problem("lost", f"{op} answered 200 and is not on the timeline")
        for op, n in counts.items():
            if n > 1:
                self.problem("duplicated", f"{op} is on the timeline {n} times")

    def check_outbox(self, rows: list[tuple[int, str, str, str]], files: dict[str, list[str]],
                     journal: list[str]) -> None:  # fmt: skip
        """`rows`: every outgoing (id, channel, status, idempotency key); `files`: the provider's
        messages per channel, named by key; `journal`: the key of every send call.

        A row is sent at most once when the provider holds at most one message for it, under
        its one key (a resend under the same key is de-duplicated by the provider; a send
        under another key would reach the person twice); every row is sent after recovery."""
        by_key = {key: (pk, channel) for pk, channel, _status, key in rows}
        held = Counter((channel, key) for channel, keys in files.items() for key in keys)
        sends = Counter(journal)
        for pk, channel, status, key in rows:
            self.checked += 1
            if status != "sent" or held[(channel, key)] == 0:
                self.problem(
                    "lost", f"notification {pk} ({channel}) is {status}, {held[(channel, key)]} files"
                )
            elif held[(channel, key)] > 1:
                self.problem("duplicated", f"notification {pk} has {held[(channel, key)]} files")
        for channel, key in held:
            if key not in by_key:
                self.problem("duplicated", f"a {channel} message under a key of no row: {key}")
        for key in sends:
            if key not in by_key:
                self.problem("duplicated", f"a send under a key of no row: {key}")
        resent = sum(n - 1 for n in sends.values() if n > 1)
        self.notes.append(f"resends under the same key: {resent}")

    def check_documents(self, jobs: dict[tuple, int], downloads: Counter) -> None:
        """`jobs`: each render job -> how many PDFs its reader received; `downloads`: the
        timeline's download records per job. Each job's PDF arrives, and is recorded, once."""
        for job, received in jobs.items():
            self.checked += 1
            if received == 0 or downloads[job] == 0:
                self.problem("lost", f"render job {job}: {received} PDFs, {downloads[job]} records")
            elif received > 1 or downloads[job] > 1:
                self.problem("duplicated", f"render job {job}: {received} PDFs, {downloads[job]} records")

    # --- the figures --------------------------------------------------------------------------
    def line(self) -> str:
        text = (
            f"faults: {self.name}: injected {len(self.faults)} faults, checked {self.checked} acknowledged ops, "
            f"lost {self.lost}, duplicated {self.duplicated}, out of order {self.out_of_order}, "
            f"5xx other than 503: {self.server_errors}"
        )
        notes = [*self.notes, f"{time.monotonic() - self.started:.0f} s"]
        return text + "".join(f"; {note}" for note in notes)

    def assert_clean(self) -> None:
        assert self.checked > 0, "nothing was checked"
        assert (self.lost, self.duplicated, self.out_of_order, self.server_errors) == (0, 0, 0, 0), (
            self.line() + "\n" + "\n".join(self.problems)
        )
