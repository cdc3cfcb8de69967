"""The rules of the prize, grouped by context; each context imports only the ones below it:

    transitions | dashboard | privacy | staff
      -> activity -> results -> jury -> screening -> applicants -> editions -> shared -> errors

- ``errors``: the errors every rule raises (``DomainError``, ``NotFound``, ``NotAllowed``,
  ``Conflict``, ``Throttled``).
- ``shared``: the audit chain, the outbox, throttling, paging, e-mail addresses, labels.
- ``editions``: editions, their criteria, and the rules of their life (``lifecycle``).
- ``applicants``: resume links, drafts, files, applications, submission, reminders.
- ``screening``: screening decisions, the secretariat's lists, exports.
- ``jury``: jurors, ballot links, conflicts, ballots, scores, the jury as a whole (``panel``).
- ``results``: the tally of the stored ballots, decisions, the publication record, what is
  published.
- ``staff`` (needs only ``shared``): accounts and signing in. ``privacy`` (needs ``applicants``,
  ``jury`` and ``shared``): a person's export and erasure, retention.
- ``transitions``: ``move``, the one way an edition changes state, with the effects each move
  has in the contexts below (decision e-mails, the published figures, the jury's round e-mails).
- ``dashboard``: the secretariat's overview, read across the contexts.
- ``activity``: the audit log read as sentences, people named as they are called now.

No context imports one above it, and no module imports a sibling that imports it back: the
contracts in ``pyproject.toml`` (``lint-imports``) keep both true.
"""
