"""The Jinja environment: autoescaping, gettext in the reader's language, and filters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from prize import countries, paths
from prize.i18n import Message, translations

PARIS = ZoneInfo("Europe/Paris")


def _lang(ctx: Context) -> str:
    lang = ctx.get("lang")
    return lang if isinstance(lang, str) else "en"


@pass_context
def _gettext(ctx: Context, message: str, **params: Any) -> str:
    return (
        translations(_lang(ctx)).gettext(message)
        if not params
        else (translations(_lang(ctx)).gettext(message) % params)
    )


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(_lang(ctx)).ngettext(singular, plural, n)
    return text % {"num": n, **params}


@pass_context
def translate(ctx: Context, message: Message | str | None) -> str:
    """Translate a ``Message`` (from forms or the domain) or a plain message id."""
    if message is None:
        return ""
    if isinstance(message, Message):
        return message.translate(translations(_lang(ctx)))
    return translations(_lang(ctx)).gettext(message)


@pass_context
def paris_time(ctx: Context, value: datetime | None, fmt: str = "medium") -> str:
    """A UTC instant shown in Europe/Paris time, with the zone named."""
    if value is None:
        return ""
    return format_datetime(value.astimezone(PARIS), fmt, locale=_lang(ctx)) + " (CET/CEST)"


@pass_context
def local_date(ctx: Context, value: date | datetime | None, fmt: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return format_date(value, fmt, locale=_lang(ctx))


@pass_context
def time_left(ctx: Context, until: datetime | None, now: datetime | None = None) -> str:
    if until is None:
        return ""
    now = now or ctx.get("now")
    if not isinstance(now, datetime):
        return ""
    return format_timedelta(until - now, locale=_lang(ctx), threshold=1.1)


@pass_context
def country_name(ctx: Context, code: str | None) -> str:
    return countries.name(code, _lang(ctx)) if code else ""


@pass_context
def number(ctx: Context, value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value, digits), locale=_lang(ctx))


@pass_context
def localised(ctx: Context, obj: Any, attr: str) -> str:
    """``obj.<attr>_fr`` for a French reader when it is filled in, else ``obj.<attr>_en``."""
    if _lang(ctx) == "fr":
        french = getattr(obj, f"{attr}_fr", "")
        if french:
            return str(french)
    return str(getattr(obj, f"{attr}_en", ""))


@pass_context
def url_for(ctx: Context, name: str, /, **path_params: Any) -> str:
    """A route's path (not an absolute URL, so nothing depends on the Host header)."""
    request = ctx["request"]
    return str(request.app.url_path_for(name, **path_params))


def paragraphs(text: str | None) -> Markup:
    """Plain text with blank lines as paragraphs; everything escaped, no user HTML."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>").join(p.split("\n"))) for p in parts
    )


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(paths.TEMPLATES)),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        t=translate,
        paris_time=paris_time,
        local_date=local_date,
        time_left=time_left,
        country=country_name,
        number=number,
        paragraphs=paragraphs,
    )
    env.globals.update(localised=localised, url_for=url_for)
    return env


def mail_environment() -> Environment:
    """Plain-text e-mail templates (``templates/mail/*.txt``): no HTML escaping, by design."""
    env = make_environment()
    env.autoescape = False
    return env
