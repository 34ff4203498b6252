"""What visitors' browsers may send (API.md widget endpoints); anything else is a 400."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.dsar.models import DsarType
from shared.policies.retention import Category
from shared.timestamps import Timestamp

PseudoId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
ShortText = Annotated[str, Field(max_length=256)]
Purpose = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")]


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an absolute http(s) URL")
    return value


HttpUrlText = Annotated[str, Field(max_length=2048), AfterValidator(_http_url)]
VisitorSecret = Annotated[
    str,
    Field(
        min_length=22,
        max_length=128,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Required with every visitorId: generated once at random by the widget and "
        "kept with the visitor id in first-party storage (22-128 URL-safe characters). The "
        "first call naming a visitor id binds it; a call naming that visitor id with another "
        "secret, or none, is 403 visitor-mismatch and stores nothing. Only a keyed hash is kept.",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventType(StrEnum):
    PAGE_VIEW = "page_view"
    NAVIGATION = "navigation"
    CLICK = "click"
    SCROLL_DEPTH = "scroll_depth"
    TIME_ON_PAGE = "time_on_page"
    WIDGET_OPEN = "widget_open"
    WIDGET_CLOSE = "widget_close"
    CHAT_STARTED = "chat_started"
    FORM_SUBMITTED = "form_submitted"
    CALLBACK_REQUESTED = "callback_requested"
    CALL_STARTED = "call_started"
    CALL_ENDED = "call_ended"


CALL_EVENTS = frozenset({EventType.CALL_STARTED, EventType.CALL_ENDED})
"""Call metadata: stored in the conversation category (90 days), not with behaviour."""


class Screen(Strict):
    width: int = Field(ge=0, le=100_000)
    height: int = Field(ge=0, le=100_000)


class Context(Strict):
    userAgent: str = Field(max_length=1024)
    language: str = Field(max_length=35, pattern=r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$")
    screen: Screen
    timezone: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_+\-/:]+$")


class Event(Strict):
    id: UUID
    type: EventType
    ts: Timestamp
    url: HttpUrlText | None = None
    referrer: HttpUrlText | None = None
    durationMs: int | None = Field(default=None, ge=0, le=86_400_000)
    target: ShortText | None = None


def by_category(events: list[Event]) -> dict[Category, list[Event]]:
    """The events of a message split by the category they are stored in (empty ones left out)."""
    split: dict[Category, list[Event]] = {}
    for event in events:
        category = Category.CONVERSATION if event.type in CALL_EVENTS else Category.BEHAVIOUR
        split.setdefault(category, []).append(event)
    return split


class CollectPayload(Strict):
    """What travels on the queue (the HTTP body without its visitor secret)."""

    visitorId: PseudoId
    sessionId: PseudoId
    context: Context
    events: list[Event] = Field(min_length=1, max_length=100)


class ContactConsent(Strict):
    granted: bool
    purposes: list[Purpose] = Field(max_length=20)
    textVersion: str = Field(min_length=1, max_length=64)


class CollectRequest(CollectPayload):
    visitorSecret: VisitorSecret | None = None
    """Absent is not a schema error but a 403 (API.md: another or no secret)."""


class ContactPayload(Strict):
    visitorId: PseudoId
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=5000)
    callbackRequested: bool = False
    consent: ContactConsent

    @model_validator(mode="after")
    def _needs_a_channel(self) -> ContactPayload:
        if not self.email and not self.phone:
            raise ValueError("at least one of email or phone is required")
        return self


class ContactRequest(ContactPayload):
    visitorSecret: VisitorSecret | None = None
    """Absent is not a schema error but a 403 (API.md: another or no secret)."""


class ConsentPayload(Strict):
    visitorId: PseudoId
    purposes: dict[Purpose, bool] = Field(min_length=1, max_length=20)
    textVersion: str = Field(min_length=1, max_length=64)


class ConsentRequest(ConsentPayload):
    visitorSecret: VisitorSecret | None = None
    """Absent is not a schema error but a 403 (API.md: another or no secret)."""


class MessagePayload(Strict):
    visitorId: PseudoId
    author: Literal["visitor", "agent", "bot"]
    text: str = Field(min_length=1, max_length=10_000)
    ts: Timestamp


class MessageRequest(MessagePayload):
    visitorSecret: VisitorSecret | None = None
    """Absent is not a schema error but a 403 (API.md: another or no secret)."""


class PrivacyRequestPayload(Strict):
    visitorId: PseudoId | None = None
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    type: DsarType
    message: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _needs_an_identifier(self) -> PrivacyRequestPayload:
        if not (self.visitorId or self.email or self.phone):
            raise ValueError("at least one of visitorId, email or phone is required")
        return self


class PrivacyRequestIn(PrivacyRequestPayload):
    visitorSecret: VisitorSecret | None = None
    """Needed with a visitorId (the request then reaches that visitor's data): 403 without."""

    @model_validator(mode="after")
    def _secret_goes_with_the_visitor(self) -> PrivacyRequestIn:
        if self.visitorSecret and not self.visitorId:
            raise ValueError("visitorSecret is sent only with a visitorId")
        return self


class CollectAccepted(BaseModel):
    accepted: int
    duplicates: int
    ignored: int | None = None
    """Events not collected because the visitor withdrew the analytics consent."""


class ContactAccepted(BaseModel):
    contactId: str


class ConsentAccepted(BaseModel):
    consentId: str


class PrivacyRequestAccepted(BaseModel):
    requestId: str


class MessageAccepted(BaseModel):
    messageId: str
