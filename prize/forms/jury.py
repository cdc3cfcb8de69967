"""Forms of the secretariat's jury pages: a juror's details, a CSV of jurors, consent, conflicts."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date

from starlette.datastructures import FormData

from prize import countries
from prize.domain.jury.jurors import JurorData, RowError
from prize.forms.base import FormResult, text, whole
from prize.i18n import Message
from prize.settings import LANGUAGES

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES = {"yes", "y", "true", "1", "oui", "x"}
_NO = {"", "no", "n", "false", "0", "non"}
REQUIRED_COLUMNS = ("first_name", "last_name", "email", "country", "birth_date")
MAX_CSV_BYTES = 256 * 1024


def parse_date(value: str) -> date | None:
    if not _DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def country_code(value: str, eligible: Sequence[str] = countries.DEFAULT_ELIGIBLE) -> str | None:
    """An ISO code, or a country's English or French name, as its code (names of ``eligible``
    countries only)."""
    value = value.strip()
    if len(value) == 2 and countries.is_known(value):
        return value.upper()
    wanted = value.casefold()
    for language in LANGUAGES:
        for code, name in countries.choices(tuple(eligible), language):
            if name.casefold() == wanted:
                return code
    return None


def _juror_values(
    get: dict[str, str],
    result: FormResult,
    consent_field: str,
    eligible: Sequence[str] = countries.DEFAULT_ELIGIBLE,
) -> JurorData | None:
    """Check one juror's fields (typed or imported); errors go to ``result``."""
    first, last = get.get("first_name", ""), get.get("last_name", "")
    email = get.get("email", "")
    if not first:
        result.error("first_name", "Give a first name.")
    if not last:
        result.error("last_name", "Give a last name.")
    if not email:
        result.error("email", "Give an e-mail address.")
    code = country_code(get.get("country", ""), eligible)
    if code is None:
        result.error("country", "Choose a country.")
    elif code not in eligible:
        result.error("country", "Choose one of the edition's eligible countries.")
        code = None
    birth = parse_date(get.get("birth_date", ""))
    if birth is None:
        result.error("birth_date", "Give the date of birth as YYYY-MM-DD.")
    language = get.get("language", "") or "en"
    if language not in LANGUAGES:
        result.error("language", "Choose English or French.")
    consent_raw = get.get(consent_field, "")
    consent = parse_date(consent_raw) if consent_raw else None
    if consent_raw and consent is None:
        result.error(consent_field, "Give the date of consent as YYYY-MM-DD.")
    publish_raw = get.get("publish_name_consent", "").lower()
    if publish_raw not in _YES | _NO:
        result.error("publish_name_consent", "Write yes or no.")
    if not result.ok or code is None or birth is None:
        return None
    return JurorData(
        first_name=first,
        last_name=last,
        email=email,
        country=code,
        birth_date=birth,
        language=language,
        guardian_name=get.get("guardian_name", ""),
        guardian_consent_on=consent,
        publish_name_consent=publish_raw in _YES,
    )


FIELDS = (
    "first_name",
    "last_name",
    "email",
    "country",
    "birth_date",
    "language",
    "guardian_name",
    "guardian_consent_on",
)


def parse_juror(
    form: FormData, eligible: Sequence[str] = countries.DEFAULT_ELIGIBLE
) -> tuple[FormResult, JurorData | None]:
    """A juror's details typed in the back office, from one of the ``eligible`` countries."""
    result = FormResult()
    values = {name: text(form, name) for name in FIELDS}
    values["publish_name_consent"] = "yes" if form.get("publish_name_consent") else ""
    result.values = values
    data = _juror_values(values, result, "guardian_consent_on", eligible)
    return result, data


def read_upload(raw: bytes) -> str | None:
    """The text of an uploaded CSV file (UTF-8, with or without a byte order mark)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _column(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def parse_csv(
    content: str, eligible: Sequence[str] = countries.DEFAULT_ELIGIBLE
) -> tuple[list[tuple[int, JurorData]], list[RowError]]:
    """Rows of a CSV of jurors (header line first; comma, semicolon or tab separated), each
    with its line number, and every problem found, by line."""
    lines = content.lstrip("\ufeff").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return [], []
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(lines[0], ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO("\n".join(lines)), dialect)
    header = [_column(c) for c in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        message = Message("The first line must name the columns; missing: %(columns)s.",
                          {"columns": ", ".join(missing)})  # fmt: skip
        return [], [RowError(1, "csv", message)]
    rows: list[tuple[int, JurorData]] = []
    errors: list[RowError] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(RowError(line, "csv", Message("This line has too many columns.")))
            continue
        values = {header[i]: cells[i].strip() for i in range(len(cells))}
        result = FormResult()
        data = _juror_values(values, result, "guardian_consent_date", eligible)
        for name, message in result.errors.items():
            errors.append(RowError(line, name, message))
        if data is not None:
            rows.append((line, data))
    return rows, errors


def parse_consent(form: FormData) -> tuple[FormResult, date | None]:
    result = FormResult()
    guardian = text(form, "guardian_name")
    raw = text(form, "consent_on")
    publish = bool(form.get("publish_name_consent"))
    result.values = {"guardian_name": guardian, "consent_on": raw, "publish_name_consent": publish}
    consent = parse_date(raw) if raw else None
    if raw and consent is None:
        result.error("consent_on", "Give the date of consent as YYYY-MM-DD.")
    return result, consent


def parse_conflict(form: FormData) -> tuple[FormResult, int | None]:
    result = FormResult()
    raw = text(form, "application")
    reason = text(form, "reason")
    result.values = {"application": raw, "reason": reason}
    number = whole(raw)
    if number is None:
        result.error("application", "Choose a project.")
        return result, None
    return result, number
