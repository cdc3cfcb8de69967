"""Personal data: a person's export and erasure (``personal_data``), and the retention rule
(``retention``)."""
