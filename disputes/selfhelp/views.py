"""The self-help pages (docs/features/self-help.md): one question per page, plain forms, no script
needed. A walk is seen only by its owner (the signed-in user or the browser that started it);
anyone else gets 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.lockout import throttled_page
from disputes.models import Guide, GuideWalk

from . import content as fmt
from . import services
from .forms import LetterForm


@require_GET
def guides(request):
    items = Guide.objects.filter(active=True, versions__isnull=False).distinct().select_related("category")
    return render(request, "disputes/selfhelp/guides.html", {"guides": items})


@require_http_methods(["GET", "POST"])
def guide(request, slug: str):
    item = get_object_or_404(Guide.objects.filter(active=True), slug=slug)
    version = item.current()
    if version is None:
        raise Http404
    if request.method == "POST":
        # Walks are rows: a client that drops its cookies must not be able to pile them up.
        if refused := throttled_page(request, "selfhelp-start", limit=services.STARTS_PER_HOUR, window=3600):
            return refused
        walk = services.start(request, item)
        return redirect("selfhelp:step", pk=walk.pk, step=0)
    return render(request, "disputes/selfhelp/guide.html", {"guide": item, "version": version})


def _walk(request, pk: int) -> GuideWalk:
    walk = services.own_walk(request, pk)
    if walk is None:
        raise Http404
    return walk


@require_http_methods(["GET", "POST"])
def step(request, pk: int, step: int):
    walk = _walk(request, pk)
    if step > len(walk.answers):
        raise Http404
    qid, _outcome = services.position(walk, step)
    if qid is None:
        raise Http404
    question = walk.version.content["questions"][qid]
    error = None
    if request.method == "POST":
        choice = request.POST.get("option", "")
        if walk.dispute_id is not None:
            return redirect("selfhelp:outcome", pk=walk.pk)
        if choice.isascii() and choice.isdigit() and len(choice) <= 3:
            try:
                services.answer(walk, step, int(choice))
            except ValueError:
                pass
            else:
                if walk.outcome:
                    return redirect("selfhelp:outcome", pk=walk.pk)
                return redirect("selfhelp:step", pk=walk.pk, step=step + 1)
        error = _("Choose one of the answers.")
    chosen = walk.answers[step][1] if step < len(walk.answers) else None
    options = [
        {"index": i, "label": fmt.t(o["label"]), "checked": i == chosen}
        for i, o in enumerate(question["options"])
    ]
    response = render(
        request,
        "disputes/selfhelp/step.html",
        {
            "walk": walk,
            "guide": walk.version.guide,
            "step": step,
            "number": step + 1,
            "question": fmt.t(question["text"]),
            "help": fmt.t(question.get("help")),
            "options": options,
            "error": error,
            "back": reverse("selfhelp:step", args=[walk.pk, step - 1])
            if step
            else reverse("selfhelp:guide", args=[walk.version.guide.slug]),
        },
    )
    if error:
        response.status_code = 400
    return response


@require_GET
def outcome(request, pk: int):
    walk = _walk(request, pk)
    found = services.outcome_of(walk)
    if found is None:
        raise Http404
    referral = found.get("referral")
    return render(
        request,
        "disputes/selfhelp/outcome.html",
        {
            "walk": walk,
            "guide": walk.version.guide,
            "title": fmt.t(found["title"]),
            "summary": fmt.t(found.get("summary")),
            "steps": [fmt.t(s) for s in found["steps"]],
            "rules": [
                {"text": fmt.t(r["text"]), "source": fmt.t(r["source"])} for r in found.get("rules") or []
            ],
            "referral": referral
            and {"body": fmt.REFERRAL_BODIES[referral["body"]], "text": fmt.t(referral["text"])},
            "letters": [{"key": x["key"], "title": fmt.t(x["title"])} for x in found.get("letters") or []],
            "mediation": found["mediation"],
            "answered": services.answered(walk),
            "back": reverse("selfhelp:step", args=[walk.pk, len(walk.answers) - 1]),
        },
    )


@require_http_methods(["GET", "POST"])
def letter(request, pk: int, key: str):
    walk = _walk(request, pk)
    found = services.letter_of(walk, key)
    if found is None:
        raise Http404
    form = LetterForm(request.POST or None, names=fmt.fields_of(found))
    context = {"walk": walk, "guide": walk.version.guide, "title": fmt.t(found["title"]), "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "disputes/selfhelp/letter.html", context, status=400)
        text = fmt.fill(found, form.cleaned_data, today=timezone.localdate())
        if request.POST.get("format") == "txt":
            response = HttpResponse(text.replace("\n", "\r\n"), content_type="text/plain; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="letter-{key}.txt"'
            return response
        if request.POST.get("format") not in (None, "", "html"):
            return HttpResponseBadRequest()
        context["letter"] = text
    return render(request, "disputes/selfhelp/letter.html", context)
