"""Pure rendering of a message kind into email (subject, text, HTML) or SMS text, per language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, pass_context
from jinja2.runtime import Context
from pydantic import ValidationError

from notifications.catalog import (
    BOUNDS,
    CATALOG,
    LANGUAGES,
    KindSpec,
    LanguageSpec,
    MessageKind,
    MessageParams,
    NotificationLimits,
    language_chain,
)
from notifications.sms_segments import SmsEncodingLimits, SmsSegmentation, count_segments
from shared.events.base import Language
from shared.events.notifications import Channel


class RenderError(Exception):
    """A message cannot be rendered; the text names fields and kinds, never values."""


class ParamsError(RenderError):
    def __init__(
        self,
        *,
        kind: MessageKind,
        missing: tuple[str, ...] = (),
        unknown: tuple[str, ...] = (),
        invalid: tuple[str, ...] = (),
    ) -> None:
        self.kind, self.missing, self.unknown, self.invalid = kind, missing, unknown, invalid
        super().__init__(
            f"{kind}: missing={list(missing)} unknown={list(unknown)} invalid={list(invalid)}"
        )


class ChannelNotAvailable(RenderError):
    pass


class LinkError(RenderError):
    pass


class SmsTooLong(RenderError):
    def __init__(self, *, kind: MessageKind, language: Language, sms: SmsSegmentation) -> None:
        self.sms = sms
        super().__init__(f"{kind} [{language}]: {sms.segments} {sms.encoding} segments")


@dataclass(frozen=True)
class AgencyContact:
    """Who the person can ask: printed in every message, so it is the agency's, never a person's."""

    name: str = "Agenzia per l'Abitare Sociale - Ambito di Cremona"
    sms_signature: str = "Agenzia Casa Cremona"
    phone: str | None = None
    email: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class RenderConfig:
    timezone: str = "Europe/Rome"
    contact: AgencyContact = field(default_factory=AgencyContact)
    limits: NotificationLimits = field(default_factory=NotificationLimits)
    sms_encoding: SmsEncodingLimits = field(default_factory=SmsEncodingLimits)
    link_schemes: tuple[str, ...] = ("https",)  # the embedded demo adds "http"


@dataclass(frozen=True)
class RenderedMessage:
    kind: MessageKind
    channel: Channel
    language: Language  # the one used, after any fallback
    requested_language: Language
    text: str
    subject: str | None = None
    html: str | None = None
    sms: SmsSegmentation | None = None


def validate_params(
    kind: MessageKind, *, params: Mapping[str, Any] | MessageParams
) -> MessageParams:
    """The kind's typed parameters; the service stores `model_dump(mode="json")` of the result."""
    model = CATALOG[kind].params
    if isinstance(params, model):
        return params
    if isinstance(params, MessageParams):
        raise ParamsError(kind=kind, invalid=(type(params).__name__,))
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        by_type: dict[str, list[str]] = {"missing": [], "extra_forbidden": [], "other": []}
        for err in exc.errors(include_input=False, include_url=False, include_context=False):
            name = ".".join(str(p) for p in err["loc"]) or "__root__"
            by_type.get(err["type"], by_type["other"]).append(name)
        raise ParamsError(
            kind=kind,
            missing=tuple(by_type["missing"]),
            unknown=tuple(by_type["extra_forbidden"]),
            invalid=tuple(by_type["other"]),
        ) from None


def _check_link(spec: KindSpec, link: str | None, config: RenderConfig) -> str | None:
    if not spec.needs_link:
        if link is not None:
            raise LinkError(f"{spec.kind} takes no link")
        return None
    if link is None:
        raise LinkError(f"{spec.kind} needs the signed link")
    scheme = link.split("://", 1)[0] if "://" in link else ""
    if (
        scheme not in config.link_schemes
        or len(link) > BOUNDS.link_max_chars
        or not re.fullmatch(r"[a-z]+://[A-Za-z0-9.:\-]+(/[A-Za-z0-9/_\-.~%?=&]*)?", link)
    ):
        raise LinkError(f"{spec.kind}: the link is not an allowed URL")
    return link


def _spec_of(ctx: Context) -> LanguageSpec:
    spec: LanguageSpec = ctx["language_spec"]
    return spec


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


@pass_context
def _money(ctx: Context, cents: int) -> str:
    spec = _spec_of(ctx)
    euros, rest = divmod(cents, 100)
    amount = _group(str(euros), spec.thousands_sep)
    if rest:
        amount += f"{spec.decimal_sep}{rest:02d}"
    return spec.money.format(amount=amount)


@pass_context
def _date(ctx: Context, value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(ctx["timezone"])).date()
    return value.strftime(_spec_of(ctx).date_format)


@pass_context
def _time(ctx: Context, value: datetime) -> str:
    return value.astimezone(ZoneInfo(ctx["timezone"])).strftime(_spec_of(ctx).time_format)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        # Only the HTML part is markup; the text, subject and SMS are plain and must stay unescaped.
        autoescape=lambda name: name is not None and name.endswith(".html"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(money=_money, date=_date, time=_time)
    return env


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(_environment().list_templates())


def _resolve(kind: MessageKind, channel: Channel, language: Language) -> Language:
    # A language is used whole or not at all: its phrases, the kind's text and, for email, HTML.
    needed = ["_phrases.txt", f"{kind.template_name}.txt"]
    if channel == "email":
        needed += ["_layout.html", f"{kind.template_name}.html"]
    for lang in language_chain(language):
        if all(f"{lang}/{name}" in _available() for name in needed):
            return lang
    raise RenderError(f"{kind}: no template in any language of the chain for {language}")


def _block(template: Template, name: str, context: Mapping[str, Any]) -> str:
    ctx = template.new_context(dict(context))
    return "".join(template.blocks[name](ctx))


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render(
    kind: MessageKind,
    *,
    language: Language,
    params: Mapping[str, Any] | MessageParams,
    channel: Channel,
    link: str | None = None,
    config: RenderConfig | None = None,
) -> RenderedMessage:
    """Render one message. Falls back along the language chain when a translation is missing;
    raises `ParamsError`, `LinkError`, `ChannelNotAvailable` or `SmsTooLong`."""
    cfg = config or RenderConfig()
    spec = CATALOG[kind]
    if channel not in spec.channels:
        raise ChannelNotAvailable(f"{kind} is not sent by {channel}")
    model = validate_params(kind, params=params)
    checked_link = _check_link(spec, link, cfg)
    used = _resolve(kind, channel, language)
    lang_spec = LANGUAGES[used]
    context: dict[str, Any] = {
        **{name: getattr(model, name) for name in type(model).model_fields},
        "link": checked_link,
        "agency": cfg.contact,
        "language_spec": lang_spec,
        "lang": used,
        "audience": kind.audience,
        "direction": lang_spec.direction,
        "timezone": cfg.timezone,
    }
    env = _environment()
    # Phrase macros as a module in the context: blocks rendered one by one skip top-level imports.
    context["p"] = env.get_template(f"{used}/_phrases.txt").make_module(context)
    text_template = env.get_template(f"{used}/{kind.template_name}.txt")
    if channel == "sms":
        sms_text = _one_line(_block(text_template, "sms", context))
        sms = count_segments(sms_text, limits=cfg.sms_encoding)
        if sms.segments > cfg.limits.sms_max_segments:
            raise SmsTooLong(kind=kind, language=used, sms=sms)
        return RenderedMessage(
            kind=kind,
            channel=channel,
            language=used,
            requested_language=language,
            text=sms_text,
            sms=sms,
        )
    subject = _one_line(_block(text_template, "subject", context))
    html = env.get_template(f"{used}/{kind.template_name}.html").render(context, subject=subject)
    return RenderedMessage(
        kind=kind,
        channel=channel,
        language=used,
        requested_language=language,
        subject=subject,
        text=_tidy_text(_block(text_template, "text", context)),
        html=html.strip() + "\n",
    )
