"""The catalogue of the Sales.Rocks API: one record per endpoint.

Everything else is driven by this table: the client builds one method per record,
the sandbox serves one route per record, the cache takes its expiry from it, and the
accessor verbs take their result columns from it. Adding an endpoint is one entry.

Where the published reference contradicts itself, the records follow the readings
listed in the README ("How we read the reference"): one address per email
verification, phones in batches, list operations keyed by the string list id returned
by Create List.

Imports nothing of the package (a root module: every layer and the sandbox read it);
``openapi`` beside it imports only this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BY_METHOD",
    "BY_PATH",
    "CONTACT_RESERVED",
    "ENDPOINTS",
    "SECRET_FIELDS",
    "TOKEN",
    "ColumnKind",
    "Endpoint",
    "Field",
    "endpoint",
]

HOUR = 3600.0
DAY = 24 * HOUR

JsonType = Literal["string", "integer", "boolean", "array", "records"]
"""The JSON shape of a request field: ``records`` is a list of objects."""

Kind = Literal["email", "domain", "name", "handle", "phone", "text", "id"]
"""What a string (or the items of an array) means, which decides how it is normalised."""

Envelope = Literal["bare", "data", "status"]
"""How the service wraps an answer (reading 4 in the README).

``bare``: the body is the answer. ``data``: ``{"status_code", "data"}``.
``status``: ``{"status", "status_code", "message", ...}`` with the answer under
``Endpoint.result_key``.
"""

WHOLE_ANSWER = "*"
"""In ``Endpoint.columns``, the key that maps the whole answer to one column."""

ColumnKind = Literal["integer", "label", "list", "text"]
"""How a result column is stored, whatever came back (all missing included):
``integer`` nullable ``Int64``; ``label`` a categorical of text; ``list`` Python lists
(object dtype); ``text`` pandas' nullable ``"string"`` dtype. A missing answer is
``pd.NA`` in each of them, so it shows one way (``<NA>``)."""


@dataclass(frozen=True, slots=True)
class Field:
    """One request field.

    ``arg`` is the keyword the client method takes when it differs from the JSON name
    (``_id`` is ``contact_id``). ``secret`` fields are never cached, logged or kept.
    ``choices`` are the only values the reference allows (empty: any value).
    """

    name: str
    type: JsonType = "string"
    kind: Kind = "text"
    required: bool = True
    secret: bool = False
    default: Any = None
    arg: str | None = None
    choices: tuple[str, ...] = ()

    @property
    def keyword(self) -> str:
        """The Python keyword for this field in client methods."""
        return self.arg or self.name

    @property
    def python_type(self) -> Any:
        """The type client methods take for this field (``list[str]`` for an array)."""
        return {"string": str, "integer": int, "boolean": bool, "array": list[str],
                "records": list[dict[str, Any]]}[self.type]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One endpoint of the API.

    ``ttl`` is the cache expiry in seconds for read endpoints (``None``: never cached);
    ``not_found_ttl`` the shorter expiry of a definitive "not found" (a 404).
    ``account_scoped`` answers depend on who asks, so their cache keys carry the account.
    ``batch_field`` names the array field that carries many inputs in one request.
    ``columns`` maps answer fields to the result columns of the accessor verb;
    ``error_column`` is where a row's failure is written. ``integer_answers`` are answer
    fields stored as integers whatever JSON type they come in (reading 7 in the
    README). ``answers_invalid_locally``: input the reference documents as invalid
    gets the service's own answer without a request (else it is skipped with a reason).
    ``labels`` are answer fields drawn from a small vocabulary ("Valid", "Mobile",
    "United Kingdom"): their columns are categoricals, each distinct text held once and
    a small code per row, so a million-row result stays within a few times the size of
    the frame it enriches. ``list_answers`` are fields whose answers are lists.
    ``verb`` is what users call to reach the endpoint: an accessor verb
    (``verify_emails``), an accessor method (``push_to_list``), an ``sr_frames``
    helper (``create_list``) or, where the client method is the whole face,
    ``Client.<method>``; the table-walking test holds each one to exist.
    """

    method: str
    path: str
    summary: str
    fields: tuple[Field, ...] = ()
    mutates: bool = False
    envelope: Envelope = "bare"
    result_key: str | None = None
    answer: Literal["object", "list"] = "object"
    batch_field: str | None = None
    batch_size: int | None = None
    ttl: float | None = None
    not_found_ttl: float | None = None
    account_scoped: bool = False
    authenticated: bool = True
    columns: Mapping[str, str] = field(default_factory=dict)
    error_column: str | None = None
    integer_answers: frozenset[str] = frozenset()
    answers_invalid_locally: bool = False
    labels: frozenset[str] = frozenset()
    list_answers: frozenset[str] = frozenset()
    verb: str | None = None
    field_names: frozenset[str] = field(init=False, repr=False, compare=False)
    """The JSON names of :attr:`fields` (derived; read on every request)."""
    secret_fields: frozenset[str] = field(init=False, repr=False, compare=False)
    """The names of the fields that carry a secret (derived)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", frozenset(f.name for f in self.fields))
        object.__setattr__(self, "secret_fields", frozenset(f.name for f in self.fields if f.secret))

    @property
    def cacheable(self) -> bool:
        return self.ttl is not None and not self.mutates

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        """The field called ``name`` (its JSON name), or a ``KeyError`` naming the endpoint."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.path} has no field {name!r}")

    def result_columns(self, prefix: str = "") -> list[str]:
        """The columns an accessor verb adds, in order, error column last."""
        names = [prefix + c for c in self.columns.values()]
        if self.error_column:
            names.append(prefix + self.error_column)
        return names

    def column_kinds(self, prefix: str = "") -> dict[str, ColumnKind]:
        """Each result column (as :meth:`result_columns` orders them) and how it is
        stored. The error column is text, so it can be filled and edited freely."""
        def kind(answer_field: str) -> ColumnKind:
            if answer_field in self.integer_answers:
                return "integer"
            if answer_field in self.labels:
                return "label"
            return "list" if answer_field in self.list_answers else "text"

        kinds = {prefix + column: kind(answer_field) for answer_field, column in self.columns.items()}
        if self.error_column:
            kinds[prefix + self.error_column] = "text"
        return kinds

    def unwrap(self, body: Any) -> Any:
        """The answer inside the service's envelope (reading 4 in the README)."""
        if self.result_key is None:
            return body
        return body[self.result_key]


def _s(name: str, kind: Kind = "text", **kw: Any) -> Field:
    return Field(name, "string", kind, **kw)


_EMAIL_COLUMNS = {
    "status": "email_status",
    "confidence_score": "email_confidence_score",
    "confidence_description": "email_confidence_description",
    "format": "email_format",
    "type": "email_type",
    "disposable": "email_disposable",
    "top_level_domain": "email_top_level_domain",
    "provider": "email_provider",
    "mx_records": "email_mx_records",
    "full_inbox": "email_full_inbox",
    "message": "email_message",
}

_PHONE_COLUMNS = {
    "status": "phone_status",
    "message": "phone_message",
    "default": "phone_default",
    "country_code": "phone_country_code",
    "country_isoCode": "phone_country_iso_code",
    "local": "phone_local",
    "international": "phone_international",
    "number_type": "phone_number_type",
    "country": "phone_country",
    "location": "phone_location",
    "timezone": "phone_timezone",
}

_EMAIL_LABELS = frozenset(_EMAIL_COLUMNS) - {"confidence_score", "mx_records"}
_PHONE_LABELS = frozenset({"status", "message", "country_code", "country_isoCode", "number_type", "country"})

_FOUND_EMAIL_COLUMNS = {"email": "found_email", "confidence": "found_email_confidence"}

_PAGE = Field("page", "integer", default=1)
_SIZE = Field("size", "integer", default=100)

TOKEN = Endpoint(
    "login",
    "/auth/accessToken",
    "Exchange username and password for a bearer token.",
    verb="Client.login",
    fields=(_s("username"), _s("password", secret=True)),
    authenticated=False,
)

ENDPOINTS: tuple[Endpoint, ...] = (
    TOKEN,
    Endpoint(
        "verify_email",
        "/toolkit/emailVerifier",
        "Deliverability of one email address.",
        verb="verify_emails",
        fields=(_s("email", "email"),),
        ttl=30 * DAY,
        columns=_EMAIL_COLUMNS,
        error_column="email_error",
        integer_answers=frozenset({"confidence_score"}),
        answers_invalid_locally=True,
        labels=_EMAIL_LABELS,
        list_answers=frozenset({"mx_records"}),
    ),
    Endpoint(
        "verify_phones",
        "/toolkit/phoneVerifier",
        "Parse and validate many phone numbers; one answer per number, in input order.",
        verb="verify_phones",
        fields=(Field("phones", "array", "phone"),),
        answer="list",
        batch_field="phones",
        batch_size=100,
        ttl=90 * DAY,
        columns=_PHONE_COLUMNS,
        error_column="phone_error",
        answers_invalid_locally=True,
        labels=_PHONE_LABELS,
        list_answers=frozenset({"timezone"}),
    ),
    Endpoint(
        "email_patterns",
        "/search/emailPatternsByDomain",
        "Email patterns used at a domain.",
        verb="email_patterns",
        fields=(_s("domain", "domain"),),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns={"email_patterns": "email_patterns"},
        error_column="email_patterns_error",
        list_answers=frozenset({"email_patterns"}),
    ),
    Endpoint(
        "linkedin_contacts",
        "/search/linkedinContactsByDomain",
        "LinkedIn handles of contacts at a domain.",
        verb="linkedin_contacts",
        fields=(_s("domain", "domain"),),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns={"contact_linkedin_handles": "linkedin_contact_handles"},
        error_column="linkedin_contact_handles_error",
        list_answers=frozenset({"contact_linkedin_handles"}),
    ),
    Endpoint(
        "company_email",
        "/search/companyEmailByCompanyLinkedinHandle",
        "The company email for a company LinkedIn handle.",
        verb="company_email",
        fields=(_s("linkedin_handle", "handle"),),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns={"company_email": "company_email"},
        error_column="company_email_error",
    ),
    Endpoint(
        "contact_emails",
        "/search/contactEmailsByCompanyLinkedinHandle",
        "Contact emails for a company LinkedIn handle.",
        verb="contact_emails",
        fields=(_s("linkedin_handle", "handle"),),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns={"contact_emails": "contact_emails"},
        error_column="contact_emails_error",
        list_answers=frozenset({"contact_emails"}),
    ),
    Endpoint(
        "contact_email",
        "/search/contactEmailByContactLinkedinHandle",
        "The email of a contact LinkedIn handle.",
        verb="contact_email",
        fields=(_s("linkedin_handle", "handle"),),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns={"contact_email": "contact_email"},
        error_column="contact_email_error",
    ),
    Endpoint(
        "find_email_by_company",
        "/search/emailByFirstLastAndCompanyName",
        "A person's email from first name, last name and company name.",
        verb="find_email",
        fields=(_s("first_name", "name"), _s("last_name", "name"), _s("company_name", "name")),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns=_FOUND_EMAIL_COLUMNS,
        error_column="found_email_error",
        integer_answers=frozenset({"confidence"}),
    ),
    Endpoint(
        "find_email",
        "/search/emailByFirstLastNameAndCompanyDomain",
        "A person's email from first name, last name and company domain.",
        verb="find_email",
        fields=(_s("first_name", "name"), _s("last_name", "name"), _s("company_domain", "domain")),
        ttl=30 * DAY,
        not_found_ttl=DAY,
        columns=_FOUND_EMAIL_COLUMNS,
        error_column="found_email_error",
        integer_answers=frozenset({"confidence"}),
    ),
    Endpoint(
        "list_memberships",
        "/search/getListNameAndIds",
        "The caller's lists (and their campaigns) that hold an email address.",
        verb="list_memberships",
        fields=(_s("email", "email"),),
        answer="list",
        ttl=HOUR,
        account_scoped=True,
        columns={WHOLE_ANSWER: "list_memberships"},
        error_column="list_memberships_error",
        list_answers=frozenset({WHOLE_ANSWER}),
    ),
    Endpoint(
        "create_email_connection",
        "/connections/createEmailConnection",
        "Connect a mailbox for campaigns and warm-up; carries the mailbox password.",
        verb="create_email_connections",
        fields=(
            _s("sender_name", "name"),
            _s("email", "email"),
            _s("username"),
            _s("secret", secret=True),
            _s("imap_host", required=False),
            _s("imap_port", required=False),
            _s("imap_encryption", required=False),
            _s("smtp_host"),
            _s("smtp_port"),
            _s("smtp_encryption"),
            _s("permission", choices=("company", "private")),
            _s("bcc", required=False),
            _s("receiving_email", "email"),
        ),
        mutates=True,
        envelope="status",
        result_key="data",
        columns={"id": "connection_id", "user_id": "connection_user_id", "type": "connection_type"},
        error_column="connection_error",
        integer_answers=frozenset({"id", "user_id"}),
        labels=frozenset({"type"}),
    ),
    Endpoint(
        "generate_emails",
        "/enrichment/generateEmail",
        "Candidate addresses permuted from first name, last name and domain.",
        verb="generate_emails",
        fields=(_s("first_name", "name"), _s("last_name", "name"), _s("domain", "domain")),
        ttl=365 * DAY,
        columns={"emails": "generated_emails"},
        error_column="generated_emails_error",
        list_answers=frozenset({"emails"}),
    ),
    Endpoint(
        "campaign_statistics",
        "/drip-campaign/getCampaignStatistics",
        "Counters of one drip campaign; they change, so never cached.",
        verb="campaign_stats",
        fields=(Field("campaign_id", "integer", "id"),),
        envelope="data",
        result_key="data",
    ),
    Endpoint(
        "create_email_warmer",
        "/email-warmer/createEmailWarmer",
        "Start warming up a connected mailbox.",
        verb="create_email_warmers",
        fields=(
            _s("connection_email", "email"),
            Field("ramp_up_increment", "integer"),
            Field("ramp_up_limit", "integer"),
            _s("start_date"),
            _s("timezone"),
            Field("mature", "boolean"),
            Field("stop_on_limit_reach", "boolean"),
        ),
        mutates=True,
        envelope="data",
        result_key="data",
        columns={"id": "warmer_id", "connection_ID": "warmer_connection_id", "status": "warmer_status",
                 "start_date": "warmer_start_date", "created_at": "warmer_created_at"},
        error_column="warmer_error",
        integer_answers=frozenset({"id", "connection_ID"}),
        labels=frozenset({"status"}),
    ),
    Endpoint(
        "create_list",
        "/editable-lists/createList",
        "Create an editable list; answers its string id.",
        verb="create_list",
        fields=(_s("list_name"),
                _s("permission", default="private", choices=("private", "company", "personal"))),
        mutates=True,
        envelope="status",
        result_key="list_id",
    ),
    Endpoint(
        "add_to_list",
        "/editable-lists/addToList",
        "Insert contacts into a list; answers their ids in input order.",
        verb="push_to_list",
        fields=(_s("list_id", "id"), Field("data", "records")),
        mutates=True,
        envelope="status",
        result_key="ids",
        batch_field="data",
        batch_size=100,
    ),
    Endpoint(
        "get_lists",
        "/editable-lists/getLists",
        "One page of the caller's lists.",
        verb="get_lists",
        fields=(_PAGE, _SIZE),
        envelope="status",
        result_key="data",
        answer="list",
    ),
    Endpoint(
        "get_list_data",
        "/editable-lists/getListData",
        "One page of a list's contacts.",
        verb="read_list",
        fields=(_s("list_id", "id"), _PAGE, _SIZE),
        envelope="status",
        result_key="data",
        answer="list",
    ),
    Endpoint(
        "get_contact",
        "/editable-lists/getContact",
        "One contact of a list.",
        verb="Client.get_contact",
        fields=(_s("_id", "id", arg="contact_id"),),
        envelope="status",
        result_key="data",
    ),
    Endpoint(
        "delete_list_data",
        "/editable-lists/deleteListData",
        "Delete contacts by id; answers the service's message with the count.",
        verb="delete_contacts",
        fields=(Field("ids", "array", "id"),),
        mutates=True,
        envelope="status",
        result_key="message",
    ),
    Endpoint(
        "update_list_data",
        "/editable-lists/updateListData",
        "Update contacts, each object carrying its ``_id``; answers the counts message.",
        verb="update_contacts",
        fields=(Field("data", "records"),),
        mutates=True,
        envelope="status",
        result_key="message",
    ),
)

BY_METHOD: Mapping[str, Endpoint] = {e.method: e for e in ENDPOINTS}
SECRET_FIELDS: frozenset[str] = frozenset(f.name for e in ENDPOINTS for f in e.fields if f.secret)
"""Request fields that carry a secret anywhere in the API (``password``, ``secret``)."""
CONTACT_RESERVED: tuple[str, ...] = ("_id", "list_id")
"""Fields of a list contact that the service owns: never sent as contact data."""
BY_PATH: Mapping[str, Endpoint] = {e.path: e for e in ENDPOINTS}


def endpoint(name: str) -> Endpoint:
    """The endpoint whose client method or path is ``name``."""
    try:
        return BY_METHOD.get(name) or BY_PATH[name]
    except KeyError:
        known = ", ".join(sorted(BY_METHOD))
        raise KeyError(f"unknown endpoint {name!r}; known: {known}") from None
