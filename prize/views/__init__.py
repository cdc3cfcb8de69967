"""HTTP per audience: public, apply, ballot, results and the secretariat's back office.

Every ``{name:int}`` in a route's path is an id or a year: at most 9 digits, so that it fits
every integer column of both databases. A longer number matches no route (a 404), instead of
reaching a query that SQLite cannot bind. Registered here, before any route is compiled.
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor


class RowIdConvertor(IntegerConvertor):
    regex = "[0-9]{1,9}"


register_url_convertor("int", RowIdConvertor())
