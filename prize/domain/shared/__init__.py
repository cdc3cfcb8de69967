"""What every context uses: the audit chain, the outbox, throttling, paging, e-mail addresses and
labels. Imports nothing of the domain but ``errors``."""
