"""The secretariat's accounts (``staff``) and getting into the back office (``signin``)."""
