"""Settings: read once from the environment and an optional .env file, typed and validated."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.money import Money, check_currency
from core.platforms import person_hints, person_identity

GOVERNMENT_CHANNEL_SERVICE = (
    "https://botframework.azure.us"  # Bot Framework's name for Azure Government
)
# The dashboard API's bearer token: 32 characters of a random token are beyond guessing.
MIN_ADMIN_TOKEN = 32

PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "placeholder", "test"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(Exception):
    """Settings could not be read; the message has one line per wrong setting."""


# Settings is made of one group of fields per concern, each with the validators of its fields.
# Pydantic reads the fields of the last base first, so Settings lists its groups from last to first:
# fields (and the errors load_settings reports) keep the order below. Validator names must differ
# across groups: pydantic keeps one validator per name, so a second `_empty_is_unset` would replace
# the first.


class _ServerSettings(BaseSettings):
    """Where the bot listens, where it keeps its data, where its vouchers come from, who runs it."""

    environment: Environment = Environment.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(3978, ge=0, le=65535)
    public_base_url: str = ""  # unset: derived from HOST and PORT
    data_dir: Path = Path("var")
    database_url: str = ""
    catalog_file: Path | None = None
    voucher_provider: Annotated[list[str], NoDecode] = ["builtin"]
    voucher_encryption_key: SecretStr | None = None
    # Key rotation: the keys used before, comma-separated; they still decrypt, new writes use the
    # key above.
    voucher_previous_keys: Annotated[list[SecretStr], NoDecode] = []
    admin_token: SecretStr | None = None
    log_level: str = "INFO"

    @field_validator("public_base_url")
    @classmethod
    def _url_without_trailing_slash(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("voucher_provider", "voucher_previous_keys", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("voucher_provider")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        unknown = set(value) - {"builtin", "xoxoday", "tango"}
        if unknown or not value:
            raise ValueError(
                f"must be one or more of builtin, xoxoday, tango (comma-separated), not "
                f"{sorted(unknown)}"
            )
        return value

    @model_validator(mode="after")
    def _public_base_url_from_host_and_port(self) -> Self:
        self.public_base_url = self.public_base_url or _local_url(self.host, self.port)
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'voucherbot.db'}"


class _OperationsSettings(BaseSettings):
    """Replicas and robustness (docs/operations.md): leases, loop intervals, rate limits, pacing."""

    # A claimed outbox message is reserved for one replica this long: more than twice the slowest
    # send (Slack 10 s, Teams 20 s timeouts).
    outbox_lease_seconds: float = Field(60, ge=1, le=3600)
    recovery_interval_seconds: float = Field(10, gt=0, le=3600)
    # How often (leased: one replica) group gifts are closed on their date or refunded after their
    # deadline.
    collection_check_seconds: float = Field(60, gt=0, le=3600)
    # How often pending reward approvals past their time are expired (releasing their budget).
    approval_expiry_check_seconds: float = Field(60, gt=0, le=3600)
    stuck_order_seconds: float = Field(30, ge=1, le=24 * 3600)
    # Per person (Slack/Teams user, checkout link), shared by every replica (below); 0 turns it off.
    rate_limit_per_minute: float = Field(60, ge=0)
    rate_limit_burst: int = Field(20, ge=1)
    # Where rate-limit buckets live so every replica shares them: Redis when set, else PostgreSQL
    # (the database), else (SQLite: one process) this process's memory.
    redis_url: SecretStr | None = None
    # Outbound pacing, messages a second (burst: how many may go at once); 0 turns a pace off.
    # Slack: chat.postMessage allows about 1 a second per channel with short bursts, and an
    # unpublished workspace-wide rate. Teams: about 7 a second per conversation and 50 per bot per
    # tenant.
    slack_pace_workspace_per_second: float = Field(50, ge=0)
    slack_pace_workspace_burst: int = Field(10, ge=1)
    slack_pace_channel_per_second: float = Field(1, ge=0)
    slack_pace_channel_burst: int = Field(3, ge=1)
    teams_pace_tenant_per_second: float = Field(50, ge=0)
    teams_pace_tenant_burst: int = Field(10, ge=1)
    teams_pace_conversation_per_second: float = Field(7, ge=0)
    teams_pace_conversation_burst: int = Field(7, ge=1)
    # End-to-end tests only (refused in production): a file holding seconds to add to the clock, so
    # a scheduled gift can be made due without waiting (bot/clock.py).
    test_clock_file: Path | None = None


class _StripeSettings(BaseSettings):
    """Card payments through Stripe; with no secret key, localstripe runs in-process."""

    stripe_secret_key: SecretStr | None = None
    stripe_publishable_key: str = ""
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    checkout_ttl_minutes: int = Field(30, ge=5, le=24 * 60)

    @property
    def embedded_payments(self) -> bool:
        """No Stripe key: run localstripe in-process so the flow can be tried with no accounts."""
        return not _given(self.stripe_secret_key)

    def _stripe_problems(self) -> list[str]:
        if self.stripe_secret_key and not (
            _given(self.stripe_webhook_secret) and self.stripe_publishable_key
        ):
            return [
                "STRIPE_SECRET_KEY is set: STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET are "
                "needed too"
            ]
        return []


class _SlackSettings(BaseSettings):
    """The Slack app: its tokens, and its OAuth client for installs in other workspaces."""

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str = ""
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    @property
    def slack_enabled(self) -> bool:
        return _given(self.slack_signing_secret) or _given(self.slack_app_token)

    def _slack_problems(self) -> list[str]:
        if self.slack_client_id and not _given(self.slack_client_secret):
            return ["SLACK_CLIENT_ID is set: SLACK_CLIENT_SECRET is needed for OAuth installs"]
        return []


class _TeamsSettings(BaseSettings):
    """The Teams bot's Entra app, the cloud it belongs to, and whom outgoing HTTPS trusts."""

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr | None = None
    microsoft_app_tenant_id: str = ""
    microsoft_app_type: str = "MultiTenant"
    # --- Teams trust (README "Microsoft Teams"): which cloud the bot belongs to, where it may call
    # back, and the extra CA certificates of a TLS-intercepting proxy. An empty cloud value means
    # the value of the cloud MICROSOFT_CHANNEL_SERVICE names: the public cloud when that is empty
    # too, Azure Government for https://botframework.azure.us.
    microsoft_channel_service: str = ""
    microsoft_openid_metadata_url: str = ""  # validates incoming tokens (its jwks_uri has the keys)
    microsoft_oauth_url: str = ""  # the Azure AD authority the bot gets its outgoing tokens from
    microsoft_oauth_scope: str = ""  # the audience of those tokens
    # With credentials, Bot Connector calls go only to serviceUrls on these hosts (".x.com": any
    # x.com subdomain). Empty: the documented Teams and Bot Framework hosts
    # (adapters.teams.service_urls).
    teams_service_url_hosts: Annotated[list[str], NoDecode] = []
    # A PEM file (or an OpenSSL hashed folder) of the certificate authorities every outgoing HTTPS
    # client trusts instead of the built-in ones; SSL_CERT_FILE wins when both are set.
    ssl_cert_file: Path | None = None
    requests_ca_bundle: Path | None = None

    @field_validator("ssl_cert_file", "requests_ca_bundle", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("teams_service_url_hosts", mode="before")
    @classmethod
    def _hosts_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip().lower() for v in value.split(",") if v.strip()]
        return value

    @field_validator(
        "microsoft_openid_metadata_url",
        "microsoft_oauth_url",
        "microsoft_oauth_scope",
        "microsoft_channel_service",
    )
    @classmethod
    def _cloud_urls(cls, value: str) -> str:
        return _empty_or_url(value)

    @field_validator("microsoft_channel_service")
    @classmethod
    def _known_channel_service(cls, value: str) -> str:
        if value not in ("", GOVERNMENT_CHANNEL_SERVICE):
            raise ValueError(
                f"must be empty (public cloud) or {GOVERNMENT_CHANNEL_SERVICE} (Azure Government); "
                "for another cloud set MICROSOFT_OPENID_METADATA_URL, _OAUTH_URL and _OAUTH_SCOPE"
            )
        return value

    @field_validator("ssl_cert_file", "requests_ca_bundle")
    @classmethod
    def _readable_file(cls, value: Path | None) -> Path | None:
        if value is not None and not (value.is_file() or value.is_dir()):
            raise ValueError(f"{value} is neither a file of PEM certificates nor a folder of them")
        return value

    @field_validator("microsoft_app_type")
    @classmethod
    def _app_type(cls, value: str) -> str:
        if value not in ("MultiTenant", "SingleTenant", "UserAssignedMSI"):
            raise ValueError("must be MultiTenant, SingleTenant or UserAssignedMSI")
        return value

    @property
    def ca_file(self) -> Path | None:
        """The CA certificates outgoing HTTPS trusts instead of the built-in ones (None: the
        defaults)."""
        return self.ssl_cert_file or self.requests_ca_bundle


class _ProviderSettings(BaseSettings):
    """The voucher providers beside the built-in one (Xoxoday Plum, Tango Card) and the routing
    between them."""

    xoxoday_client_id: str = ""
    xoxoday_client_secret: SecretStr | None = None
    xoxoday_refresh_token: SecretStr | None = None
    xoxoday_base_url: str = "https://stagingaccount.xoxoday.com/chef"
    catalog_sync_hours: float = Field(6, gt=0)
    # A Plum order still pending ("delayed" products take days) is polled this long in the worker,
    # then the buyer is told it is on its way and the recovery loop asks Plum again at most this
    # often.
    xoxoday_order_wait_seconds: float = Field(60, ge=0, le=600)
    xoxoday_recheck_seconds: float = Field(300, ge=0, le=24 * 3600)

    # Tango Card RaaS v2 (VOUCHER_PROVIDER includes tango): platform credentials (HTTP Basic auth)
    # and the customer and account orders are charged to; the sandbox is
    # https://integration-api.tangocard.com/raas/v2.
    tango_base_url: str = "https://integration-api.tangocard.com/raas/v2"
    tango_platform_name: str = ""
    tango_platform_key: SecretStr | None = None
    tango_customer_id: str = ""
    tango_account_id: str = ""
    # Routing between providers (docs/providers.md): a YAML file of rules, editable in the
    # dashboard, and the balance under which a provider is reported low, per currency
    # ("USD:500,EUR:300", major units).
    provider_routes_file: Path | None = None
    provider_low_balance: Annotated[dict[str, int], NoDecode] = {}
    provider_balance_check_minutes: float = Field(15, gt=0)

    @field_validator("provider_low_balance", mode="before")
    @classmethod
    def _thresholds(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        thresholds: dict[str, int] = {}
        for part in filter(None, (p.strip() for p in value.split(","))):
            currency, _, amount = part.partition(":")
            try:
                thresholds[check_currency(currency.strip())] = Money.parse(
                    amount, currency.strip()
                ).minor
            except ValueError:
                raise ValueError(f"'{part}' is not CURRENCY:AMOUNT (for example USD:500)") from None
        return thresholds

    def _provider_problems(self, providers: list[str]) -> list[str]:
        """What the chosen providers (VOUCHER_PROVIDER) still lack."""
        problems = []
        if "xoxoday" in providers and not (
            self.xoxoday_client_id and _given(self.xoxoday_refresh_token)
        ):
            problems.append(
                "VOUCHER_PROVIDER includes xoxoday: set XOXODAY_CLIENT_ID, XOXODAY_CLIENT_SECRET, "
                "XOXODAY_REFRESH_TOKEN"
            )
        tango = (self.tango_platform_name, self.tango_customer_id, self.tango_account_id)
        if "tango" in providers and not (all(tango) and _given(self.tango_platform_key)):
            problems.append(
                "VOUCHER_PROVIDER includes tango: set TANGO_PLATFORM_NAME, TANGO_PLATFORM_KEY, "
                "TANGO_CUSTOMER_ID, TANGO_ACCOUNT_ID"
            )
        return problems


class _RewardSettings(BaseSettings):
    """Rewards: who may send them, when recipients are reminded, and exchange rates."""

    # Who may send rewards besides those granted with `voucherbot reward-admins add`, and how many
    # days before a reward expires its recipient is reminded (0: no reminders).
    reward_admins: Annotated[list[str], NoDecode] = []
    reward_reminder_days: int = Field(7, ge=0, le=365)

    # Exchange rates for rewards spent in another currency: an ECB daily reference-rate XML URL
    # fetched hourly (once across replicas; empty: rates come from `voucherbot rates load|set`
    # only), and how old a rate may be before conversion stops (the ECB publishes on working days
    # only: 96 h spans a weekend).
    fx_rates_url: str = ""
    fx_max_age_hours: float = Field(96, gt=0, le=24 * 31)

    @field_validator("fx_rates_url")
    @classmethod
    def _fx_url(cls, value: str) -> str:
        return _empty_or_url(value)

    @field_validator("reward_admins", mode="before")
    @classmethod
    def _admins_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("reward_admins")
    @classmethod
    def _admin_identities(cls, value: list[str]) -> list[str]:
        identities, wrong = [], []
        for item in value:
            try:
                identities.append(admin_identity(item))
            except ValueError:
                wrong.append(item)
        if wrong:
            raise ValueError(f"not {_person_hints()}: {', '.join(wrong)}")
        return identities


class _HrSettings(BaseSettings):
    """HR systems and Microsoft Graph (README "HR systems"); each group is all set or all unset."""

    hris_sync_minutes: float = Field(60, gt=0, le=7 * 24 * 60)
    successfactors_api_url: str = ""
    successfactors_company_id: str = ""
    successfactors_client_id: str = ""
    successfactors_user_id: str = ""
    successfactors_private_key: SecretStr | None = None  # PEM: signs the SAML bearer assertion
    successfactors_username: str = ""  # Basic authentication, for test tenants only
    successfactors_password: SecretStr | None = None
    darwinbox_base_url: str = ""
    darwinbox_username: str = ""
    darwinbox_password: SecretStr | None = None
    darwinbox_api_key: SecretStr | None = None
    darwinbox_dataset_key: SecretStr | None = None
    scim_token: SecretStr | None = None
    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: SecretStr | None = None
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    graph_token_url: str = (
        ""  # default: https://login.microsoftonline.com/{GRAPH_TENANT_ID}/oauth2/v2.0/token
    )
    teams_app_catalog_id: str = ""

    @field_validator(
        "scim_token",
        "successfactors_private_key",
        "successfactors_password",
        "darwinbox_password",
        "darwinbox_api_key",
        "darwinbox_dataset_key",
        "graph_client_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _hr_groups_complete(self) -> Self:
        problems = [
            p for p in (_half_set(name, group) for name, group in self._hr_groups().items()) if p
        ]
        if self.successfactors_api_url and not (
            self._successfactors_saml or self._successfactors_basic
        ):
            problems.append(
                "SUCCESSFACTORS_API_URL is set: set SUCCESSFACTORS_CLIENT_ID, "
                "SUCCESSFACTORS_USER_ID and "
                "SUCCESSFACTORS_PRIVATE_KEY (SAML bearer) or SUCCESSFACTORS_USERNAME and "
                "SUCCESSFACTORS_PASSWORD (Basic)"
            )
        if self.scim_token is not None and len(self.scim_token.get_secret_value()) < 32:
            problems.append(
                "SCIM_TOKEN must be at least 32 characters (e.g. `openssl rand -hex 32`)"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _hr_groups(self) -> dict[str, dict[str, object]]:
        saml: dict[str, object] = {
            "SUCCESSFACTORS_CLIENT_ID": self.successfactors_client_id,
            "SUCCESSFACTORS_USER_ID": self.successfactors_user_id,
            "SUCCESSFACTORS_PRIVATE_KEY": self.successfactors_private_key,
        }
        sf: dict[str, object] = {
            "SUCCESSFACTORS_API_URL": self.successfactors_api_url,
            "SUCCESSFACTORS_COMPANY_ID": self.successfactors_company_id,
        }
        return {
            "SuccessFactors": sf
            if any(sf.values()) or self._successfactors_saml or self._successfactors_basic
            else {},
            "SuccessFactors SAML bearer": saml,
            "SuccessFactors Basic": {
                "SUCCESSFACTORS_USERNAME": self.successfactors_username,
                "SUCCESSFACTORS_PASSWORD": self.successfactors_password,
            },
            "Darwinbox": {
                "DARWINBOX_BASE_URL": self.darwinbox_base_url,
                "DARWINBOX_USERNAME": self.darwinbox_username,
                "DARWINBOX_PASSWORD": self.darwinbox_password,
                "DARWINBOX_API_KEY": self.darwinbox_api_key,
                "DARWINBOX_DATASET_KEY": self.darwinbox_dataset_key,
            },
            "Microsoft Graph": {
                "GRAPH_TENANT_ID": self.graph_tenant_id,
                "GRAPH_CLIENT_ID": self.graph_client_id,
                "GRAPH_CLIENT_SECRET": self.graph_client_secret,
                "TEAMS_APP_CATALOG_ID": self.teams_app_catalog_id,
            },
        }

    @property
    def _successfactors_saml(self) -> bool:
        return bool(
            self.successfactors_client_id
            or self.successfactors_user_id
            or self.successfactors_private_key
        )

    @property
    def _successfactors_basic(self) -> bool:
        return bool(self.successfactors_username or self.successfactors_password)

    @property
    def successfactors_enabled(self) -> bool:
        return bool(self.successfactors_api_url)

    @property
    def darwinbox_enabled(self) -> bool:
        return bool(self.darwinbox_base_url)

    @property
    def graph_enabled(self) -> bool:
        return bool(self.graph_tenant_id)

    @property
    def resolved_graph_token_url(self) -> str:
        return self.graph_token_url or (
            f"https://login.microsoftonline.com/{self.graph_tenant_id}/oauth2/v2.0/token"
        )


class Settings(
    _HrSettings,
    _RewardSettings,
    _ProviderSettings,
    _TeamsSettings,
    _SlackSettings,
    _StripeSettings,
    _OperationsSettings,
    _ServerSettings,
):
    """Every setting voucherbot reads; `.env.example` explains each one."""

    # An empty value (`VOUCHER_ENCRYPTION_KEY=` in a copied .env.example) means unset, not "".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    @model_validator(mode="after")
    def _complete_for_what_is_enabled(self) -> Self:
        problems = [
            *self._provider_problems(self.voucher_provider),
            *self._slack_problems(),
            *self._stripe_problems(),
        ]
        if self.environment is Environment.PRODUCTION:
            problems += self._production_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _production_problems(self) -> list[str]:
        problems = []
        required = {
            "STRIPE_SECRET_KEY": self.stripe_secret_key,
            "STRIPE_WEBHOOK_SECRET": self.stripe_webhook_secret,
            "VOUCHER_ENCRYPTION_KEY": self.voucher_encryption_key,
            "ADMIN_TOKEN": self.admin_token,
        }
        for name, value in required.items():
            if not _given(value):
                problems.append(
                    f"{name} must be set to a real secret in production (no embedded test mode)"
                )
        token = self.admin_token.get_secret_value() if self.admin_token is not None else ""
        if _given(self.admin_token) and len(token.strip()) < MIN_ADMIN_TOKEN:
            problems.append(
                f"ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN} characters in production "
                "(python -c 'import secrets; print(secrets.token_urlsafe(32))' makes one)"
            )
        if not self.microsoft_app_id:
            problems.append(
                "MICROSOFT_APP_ID must be set in production (Emulator mode has no authentication)"
            )
        if not self.public_base_url.startswith("https://"):
            problems.append("PUBLIC_BASE_URL must be https:// in production")
        if self.test_clock_file is not None:
            problems.append(
                "TEST_CLOCK_FILE moves the clock for tests: it must not be set in production"
            )
        return problems

    @property
    def emulator_exposed(self) -> str | None:
        """Why the server must not start: Emulator mode (no authentication) listening beyond
        loopback."""
        if self.microsoft_app_id or is_loopback(self.host):
            return None
        return (
            f"MICROSOFT_APP_ID is empty (Teams Emulator mode, no authentication): HOST must be "
            f"loopback "
            f"such as 127.0.0.1, not {self.host!r}; set MICROSOFT_APP_ID and "
            f"MICROSOFT_APP_PASSWORD "
            "to listen there"
        )


def admin_identity(value: str) -> str:
    """A reward admin named on one of the bot's chat platforms (`slack:U123ABC`, `teams:<Entra
    object id>`), in the form its platform's descriptor gives; else ValueError."""
    from bot.build.channels import PLATFORMS  # the registry's module reads Settings: not at import

    return person_identity(value, PLATFORMS)


def _person_hints() -> str:
    from bot.build.channels import PLATFORMS

    return person_hints(PLATFORMS)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _half_set(group: str, values: dict[str, object]) -> str | None:
    """One line naming what a partly configured group lacks; None when it is all set or all
    unset."""
    missing = [name for name, value in values.items() if not _filled(value)]
    if not missing or len(missing) == len(values):
        return None
    return f"{group} is partly configured: set {', '.join(missing)}"


def _filled(value: object) -> bool:
    return _given(value) if isinstance(value, SecretStr) else bool(value)


def _local_url(host: str, port: int) -> str:
    """Where a browser on this machine reaches a server bound to host:port."""
    if host in ("", "0.0.0.0", "::", "127.0.0.1", "::1"):
        host = "localhost"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _given(secret: SecretStr | None) -> bool:
    return secret is not None and secret.get_secret_value().strip().lower() not in PLACEHOLDERS


def load_settings(**overrides: object) -> Settings:
    """Read the settings, or raise SettingsError with one line per wrong setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            name = "_".join(str(part) for part in error["loc"]).upper()
            lines += [f"{name}: {line}" if name else line for line in message.splitlines()]
        raise SettingsError("\n".join(lines)) from None


def _empty_or_url(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must be empty (the cloud's default) or a URL starting with https://")
    return value
