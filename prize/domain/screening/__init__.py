"""Screening: the secretariat's decisions on submitted applications (``screening``), the lists
and dossiers it reads (``queries``), and the exports (``exports``)."""
