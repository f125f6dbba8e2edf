"""Load the self-help guides from disputes/selfhelp/content/*.json (docs/features/self-help.md).

Idempotent: a guide is created, or its titles, category and position updated; a file's content is
published as a new version only when the guide has no version with that content yet. So an edit
made in the admin stays current across `make run`, until the file itself changes; every version
stays in the history.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disputes.models import Category, Guide
from disputes.selfhelp import services
from disputes.selfhelp.content import ContentError

CONTENT = Path(__file__).resolve().parents[2] / "selfhelp" / "content"


class Command(BaseCommand):
    help = "Load the self-help guides shipped under disputes/selfhelp/content/ (new versions only on change)."

    def handle(self, *args, **options) -> None:
        created = 0
        for path in sorted(CONTENT.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            category = Category.objects.filter(slug=data["category"]).first()
            if category is None:
                raise CommandError(f"{path.name}: no category {data['category']!r}")
            guide, _new = Guide.objects.update_or_create(
                slug=data["slug"],
                defaults={
                    "category": category,
                    "position": data.get("position", 0),
                    "title": data["title"]["zh"],
                    "title_en": data["title"]["en"],
                },
            )
            if any(c == data["content"] for c in guide.versions.values_list("content", flat=True)):
                continue  # already published once: an admin edit made since stays current
            try:
                version, made = services.publish(guide, data["content"])
            except ContentError as exc:
                raise CommandError(f"{path.name}: {exc}") from exc
            created += made
            if made and options["verbosity"] > 1:
                self.stdout.write(f"{guide.slug}: version {version.number}")
        if options["verbosity"] > 0:
            self.stdout.write(f"Self-help guides loaded: {created} new version(s).")
