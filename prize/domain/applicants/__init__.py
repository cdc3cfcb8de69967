"""Applicants: resume links (``links``), what they type (``drafts``), their files
(``attachments``), starting and managing an application (``applications``), submitting and
withdrawing (``submissions``), and deadline reminders (``reminders``)."""
