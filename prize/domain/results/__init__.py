"""Results: the tally of the stored ballots (``tally_input``), the secretariat's decisions
(``decisions``), and what is published (``published``)."""
