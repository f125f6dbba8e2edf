"""Deadlines (docs/features/sla.md): policies, the holiday calendar, reminders, the respondent
ladder, breaches. Import the submodule you need; this package exports nothing itself, so the
models can import its rules without loading the engine.

- `rules`: the checks a policy must pass (SlaPolicy.clean) and the spans it is written in;
  imports only the Dispute model.
- `policies`: Rule, the defaults, the cached table of policies and holidays.
- `calendar`: working days and holidays.
- `deadlines`: `deadline_for(state, start)` and `schedule(state, due_at)`, the one way to set
  `Dispute.due_at` together with `Dispute.sla_next_at` (when the sweeper must next look).
  Pure computation: never imports disputes.services.
- `engine`: the sweep (reminders, the ladder, breaches), which fires transitions through
  disputes.services; its hooks are registered from DisputesConfig.ready().
- `home_visit`: the respondent ladder's home visit: when one is due, who records it.
- `api`, `views`, `api_urls`, `urls`, `admin`: the home visit over HTTP, the policy admin.
"""
