"""The Jinja environment: autoescaping, gettext in the reader's language, and filters."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from prize import countries, paths, static
from prize.i18n import PARIS, Message, locale, translations
from prize.i18n import paris_time as i18n_paris_time


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
def _underscore(ctx: Context, message: str, /, **params: Any) -> str:
    """``_("...")`` in templates: exactly what Jinja's newstyle gettext gives (the translation,
    marked safe when autoescaping, always %-formatted with ``params``), in one call instead of
    three (``_`` -> ``gettext`` -> our function); a page calls it hundreds of times."""
    text: str = translations(_lang(ctx)).gettext(message)
    if ctx.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our catalogue's text, as Jinja itself does  # nosec B704: our own catalogue's text, marked safe as Jinja's i18n extension does
    return text % params if params or "%" in text else text


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
        return message.translate(translations(_lang(ctx)), _lang(ctx))
    return translations(_lang(ctx)).gettext(message)


@pass_context
def paris_time(ctx: Context, value: datetime | None, fmt: str = "medium") -> str:
    """A UTC instant shown in Europe/Paris time, with the zone named."""
    return "" if value is None else i18n_paris_time(value, _lang(ctx), fmt)


@pass_context
def local_date(ctx: Context, value: date | datetime | None, fmt: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date()
    return _date_text(value, _lang(ctx), fmt)


@functools.lru_cache(maxsize=4096)
def _date_text(value: date, language: str, fmt: str) -> str:
    return format_date(value, fmt, locale=locale(language))


@pass_context
def time_left(ctx: Context, until: datetime | None, now: datetime | None = None) -> str:
    if until is None:
        return ""
    now = now or ctx.get("now")
    if not isinstance(now, datetime):
        return ""
    return format_timedelta(until - now, locale=locale(_lang(ctx)), threshold=1.1)


@pass_context
def country_name(ctx: Context, code: str | None) -> str:
    return countries.name(code, _lang(ctx)) if code else ""


@pass_context
def number(ctx: Context, value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value, digits), locale=locale(_lang(ctx)))


@pass_context
def kilobytes(ctx: Context, size: int) -> str:
    """A file's size in kilobytes, rounded up, in the reader's words ("12 KB", "12 Ko")."""
    n = format_decimal(-(-size // 1024), locale=locale(_lang(ctx)))
    return translations(_lang(ctx)).gettext("%(n)s KB") % {"n": n}


@pass_context
def localised(ctx: Context, obj: Any, attr: str) -> str:
    """``obj.<attr>_fr`` for a French reader when it is filled in, else ``obj.<attr>_en``."""
    if _lang(ctx) == "fr":
        french = getattr(obj, f"{attr}_fr", "")
        if french:
            return str(french)
    return str(getattr(obj, f"{attr}_en", ""))


PATH_CACHE_SIZE = 4096


@pass_context
def url_for(ctx: Context, name: str, /, **path_params: Any) -> str:
    """A route's path (not an absolute URL, so nothing depends on the Host header).

    Paths are remembered per app: Starlette finds one by trying every route in turn, which
    cost a quarter of a 50-row list page (bench/pages.py). ``static`` paths carry the file's
    content hash (``prize.static``), so browsers may keep them for a year."""
    app = ctx["request"].app
    key = (name, *sorted(path_params.items()))
    cache: dict[tuple[Any, ...], str] | None = getattr(app.state, "path_cache", None)
    if cache is None:
        cache = app.state.path_cache = {}
    path = cache.get(key)
    if path is None:
        path = str(app.url_path_for(name, **path_params))
        if name == "static":
            path = static.fingerprinted(app, path, str(path_params.get("path", "")))
        if len(cache) >= PATH_CACHE_SIZE:
            cache.clear()
        cache[key] = path
    return path


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
    env.globals["_"] = _underscore
    env.filters.update(
        t=translate,
        paris_time=paris_time,
        local_date=local_date,
        time_left=time_left,
        country=country_name,
        number=number,
        kilobytes=kilobytes,
        paragraphs=paragraphs,
    )
    env.globals.update(localised=localised, url_for=url_for)
    return env


def mail_environment() -> Environment:
    """Plain-text e-mail templates (``templates/mail/*.txt``): no HTML escaping, by design."""
    env = make_environment()
    env.autoescape = False
    return env
