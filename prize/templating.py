"""The Jinja environment: autoescaping, gettext in the reader's language, and filters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from prize import countries, formats, paths, static
from prize.i18n import Message, translations
from prize.tally.data import Figure, Figures


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
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    """``ngettext`` in templates: the form the reader's language takes for ``n``, with ``n``
    written in that language ("1 234"); Jinja then fills in the other parameters."""
    language = _lang(ctx)
    text: str = translations(language).ngettext(singular, plural, n)
    return text.replace("%(num)s", formats.number(n, language, 0))


@pass_context
def translate(ctx: Context, message: Message | str | None) -> str:
    """Translate a ``Message`` (from forms or the domain) or a plain message id."""
    if message is None:
        return ""
    if isinstance(message, Message):
        return message.translate(translations(_lang(ctx)), _lang(ctx))
    return translations(_lang(ctx)).gettext(message)


def _now(ctx: Context, now: datetime | None) -> datetime | None:
    now = now or ctx.get("now")
    return now if isinstance(now, datetime) else None


def _style(style: formats.Style) -> Any:
    """A filter showing an instant (a date for ``day``) in ``style``, in the reader's language;
    nothing for no value."""

    @pass_context
    def show(ctx: Context, value: datetime | date | None) -> str:
        if value is None:
            return ""
        if style == "day":
            return formats.day(value, _lang(ctx))
        assert isinstance(value, datetime)
        return formats.styled(value, style, _lang(ctx))

    return show


@pass_context
def styled(ctx: Context, value: datetime | None, style: formats.Style) -> str:
    """An instant in a style chosen by the data (``formats.style_of``)."""
    return "" if value is None else formats.styled(value, style, _lang(ctx))


@pass_context
def short_day(ctx: Context, value: date | datetime | None) -> str:
    return "" if value is None else formats.short_day(value, _lang(ctx))


@pass_context
def relative(ctx: Context, value: datetime | None, now: datetime | None = None) -> str:
    """ "in 4 months", "2 weeks ago" (from the page's ``now``)."""
    now = _now(ctx, now)
    return "" if value is None or now is None else formats.relative(value, now, _lang(ctx))


@pass_context
def time_left(ctx: Context, until: datetime | None, now: datetime | None = None) -> str:
    """ "4 months" ("Time left: 4 months"), from the page's ``now``."""
    now = _now(ctx, now)
    return "" if until is None or now is None else formats.left(until, now, _lang(ctx))


@pass_context
def time_tag(ctx: Context, value: datetime | None, style: formats.Style = "date_time") -> Markup:
    """An instant as ``<time>``: shown in ``style`` in Paris time, its ``datetime`` the same
    minute in UTC, and ``data-local`` the words prize.js uses to add the reader's own time
    beside it where it differs ("your time: 22:59 in Tunis")."""
    if value is None:
        return Markup("")
    language = _lang(ctx)
    machine = formats.iso_deadline(value) if style == "deadline" else formats.iso(value)
    local = translations(language).gettext(formats.YOUR_TIME) % {
        "when": "{when}",
        "place": "{place}",
    }
    return Markup('<time datetime="{}" data-local="{}">{}</time>').format(
        machine, local, formats.styled(value, style, language)
    )


@pass_context
def paris_zone(ctx: Context, season: Literal["winter", "summer"]) -> str:
    """Paris's time in ``season``, named in the reader's language (``formats.paris_zone``)."""
    return formats.paris_zone(season, _lang(ctx))


@pass_context
def country_name(ctx: Context, code: str | None) -> str:
    return countries.name(code, _lang(ctx)) if code else ""


@pass_context
def number(ctx: Context, value: float | int | formats.Quantity | None, digits: int = 2) -> str:
    """A number in the reader's language, with at most ``digits`` decimals."""
    if isinstance(value, formats.Quantity):
        return value.shown_in(_lang(ctx))
    return formats.number(value, _lang(ctx), digits)


@pass_context
def decimal(ctx: Context, value: float | None, digits: int) -> str:
    """A number with exactly ``digits`` decimals in the reader's language ("7.70", "7,70")."""
    return formats.decimal(value, digits, _lang(ctx))


@pass_context
def score(ctx: Context, value: float | None) -> str:
    """A score, with the same decimals everywhere (``formats.SCORE_DIGITS``)."""
    return formats.score(value, _lang(ctx))


@pass_context
def detail(ctx: Context, value: float | None) -> str:
    """A figure of the tally's explanation, with the decimals its ranking compares
    (``formats.DETAIL_DIGITS``)."""
    return formats.decimal(value, formats.DETAIL_DIGITS, _lang(ctx))


@pass_context
def figures(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    """An explanation's parameters with its figures in the reader's language ("0,333 ; 0,667"
    in French, where a comma would split a decimal)."""
    language = _lang(ctx)

    def shown(value: Any) -> Any:
        if isinstance(value, Figure):
            return formats.decimal(value.value, value.digits, language)
        if isinstance(value, Figures):
            return ("\u00a0; " if language == "fr" else ", ").join(shown(v) for v in value.values)
        return value

    return {name: shown(value) for name, value in params.items()}


@pass_context
def punct(ctx: Context, mark: str) -> str:
    """A mark that follows a word (``:``, ``;``, ``!``, ``?``) as the reader's language writes
    it: in French after a no-break space ("Annonce : ...")."""
    return f"{formats.NBSP}{mark}" if _lang(ctx) == "fr" and mark in ":;!?" else mark


@pass_context
def quoted(ctx: Context, text: str) -> str:
    """Words quoted as the reader's language quotes them: “...”, « ... »."""
    if _lang(ctx) == "fr":
        return f"«{formats.NBSP}{text}{formats.NBSP}»"
    return f"“{text}”"


@pass_context
def kilobytes(ctx: Context, size: int) -> str:
    """A file's size in kilobytes, rounded up, in the reader's words ("12 KB", "12 Ko")."""
    n = formats.number(-(-size // 1024), _lang(ctx), 0)
    return translations(_lang(ctx)).gettext("%(n)s KB") % {"n": n}


@pass_context
def localised(ctx: Context, obj: Any, attr: str) -> str:
    """``obj.<attr>_fr`` for a French reader when it is filled in (typeset: no-break spaces
    before « : ; ? ! » and inside « »), else ``obj.<attr>_en``."""
    if _lang(ctx) == "fr":
        french = getattr(obj, f"{attr}_fr", "")
        if french:
            return formats.typeset(str(french), "fr")
    return str(getattr(obj, f"{attr}_en", ""))


PATH_CACHE_SIZE = 4096


@pass_context
def url_for(ctx: Context, name: str, /, **path_params: Any) -> str:
    """A route's path (not an absolute URL, so nothing depends on the Host header).

    Paths are remembered per app: Starlette finds one by trying every route in turn, which
    cost a quarter of a 50-row list page (bench/pages.py). ``static`` paths carry the file's
    content hash (``prize.static``), so browsers may keep them for a year."""
    app = ctx["request"].app
    # An ``EditionYear`` equals its year as an int: its ``key`` tells a rehearsal's apart.
    key = (name, *sorted((k, v, getattr(v, "key", None)) for k, v in path_params.items()))
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


def mailto(address: str) -> Markup:
    """An e-mail address as a link that opens the reader's mail program."""
    return Markup('<a href="mailto:{0}">{0}</a>').format(address)


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
        deadline=_style("deadline"),
        date_time=_style("date_time"),
        day=_style("day"),
        short_time=_style("short"),
        clock=_style("clock"),
        short_day=short_day,
        styled=styled,
        relative=relative,
        time_left=time_left,
        iso=formats.iso,
        country=country_name,
        number=number,
        decimal=decimal,
        score=score,
        detail=detail,
        kilobytes=kilobytes,
        quoted=quoted,
        paragraphs=paragraphs,
    )
    env.globals.update(
        localised=localised,
        url_for=url_for,
        time_tag=time_tag,
        paris_zone=paris_zone,
        figures=figures,
        punct=punct,
        mailto=mailto,
    )
    return env


def mail_environment() -> Environment:
    """Plain-text e-mail templates (``templates/mail/*.txt``): no HTML escaping, by design."""
    env = make_environment()
    env.autoescape = False
    return env
