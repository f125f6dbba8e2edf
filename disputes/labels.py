"""What each action is called on its button and in the timeline, in one registry.

Disputes names its transitions and its own timeline events here; other apps add the labels of
the events they record by calling `register()` from their AppConfig.ready() (mediation does
for judicial confirmation). Templates, forms, the dossier and messages all read ACTION_LABELS.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "file": _("Filed the dispute"),
    "accept": _("Accept for mediation"),
    "reject": _("Reject"),
    "respondent_accept": _("Agree to mediation"),
    "respondent_decline": _("Decline mediation"),
    "assign_mediator": _("Assign a mediator"),
    "mediator_accept": _("Accept the assignment"),
    "mediator_decline": _("Decline the assignment"),
    "replace_mediator": _("Replace the mediator"),
    "fail_mediation": _("End mediation without agreement"),
    "escalate": _("Escalate"),
    "take_case": _("Take the case"),
    "return_to_mediation": _("Return to mediation"),
    "conclude": _("Conclude the case"),
    "propose_settlement": _("Propose a settlement"),
    "sign": _("Sign the settlement"),
    "decline_settlement": _("Decline the settlement"),
    "record_fulfilment": _("Record the settlement as fulfilled"),
    "report_breach": _("Report a breach of the settlement"),
    "withdraw": _("Withdraw the dispute"),
    # Timeline lines of the SLA engine (disputes.sla) and the grid worker's home visit.
    "sla_reminder": _("Deadline reminder"),
    "sla_breach": _("Deadline passed"),
    "respondent_reminder": _("Reminder to the respondent"),
    "home_visit_task": _("Home visit requested"),
    "home_visit": _("Home visit"),
    # The documents' language changed by staff (disputes.language).
    "language_changed": _("Changed the language of the documents"),
    # The street's intake placed a dispute filed without a grid (disputes.placing).
    "set_grid": _("Set the grid"),
    # Parties, agents and guardians at intake (disputes.parties).
    "add_party": _("Added a party"),
    "add_representative": _("Recorded an agent or guardian"),
    "approve_representative": _("Approved an authorisation"),
    "reject_representative": _("Rejected an authorisation"),
    "revoke_representative": _("Revoked an authorisation"),
}


def register(labels: dict) -> None:
    """Add the labels of another module's timeline events; a name may be labelled once."""
    clash = set(labels) & set(ACTION_LABELS)
    if clash:
        raise ValueError(f"action labels registered twice: {sorted(clash)}")
    ACTION_LABELS.update(labels)
