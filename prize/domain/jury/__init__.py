"""The jury: jurors (``jurors``), their ballot links (``links``), conflicts of interest
(``conflicts``), ballots (``ballots``), scores (``scoring``), and the jury as a whole
(``panel``: onboarding, the secretariat's overview, reminders, round e-mails)."""
