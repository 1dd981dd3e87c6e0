"""Rows to domain objects and back: one to_domain / to_row pair per aggregate, secrets encrypted
here."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from adapters.db.crypto import VoucherCipher
from adapters.db.tables import (
    AuditRow,
    CatalogProductRow,
    LedgerRow,
    OrderRow,
    OutboxRow,
    ProgrammeRow,
    RateRow,
    RewardRow,
    VoucherRow,
)
from core.audit import AuditEntry
from core.catalog import ExpiryPolicy, Product, ValueRange
from core.fx import Quote, Rate
from core.identity import ChatUser, ConversationRef
from core.money import Money
from core.orders import CardPayment, Order, OrderStatus, PaymentState, StatusChange
from core.outbox import MessageKind, MessageStatus, OutboxMessage
from core.rewards import LedgerEntry, LedgerKind, Programme, Reward, RewardStatus
from core.vouchers import Voucher, VoucherStatus


def digest(text: str) -> str:
    """A SHA-256 hex digest: lets us find a row by a secret without storing the secret."""
    return hashlib.sha256(text.encode()).hexdigest()


def conversation_key(conversation: ConversationRef) -> str:
    return digest(f"{conversation.platform}\n{conversation.address}")


def _encrypt(cipher: VoucherCipher, text: str | None) -> str | None:
    return None if text is None else cipher.encrypt(text)


def _decrypt(cipher: VoucherCipher, token: str | None) -> str | None:
    return None if token is None else cipher.decrypt(token)


# --- orders ---------------------------------------------------------------------------------------


def order_to_row(order: Order, cipher: VoucherCipher) -> OrderRow:
    return OrderRow(**order_values(order, cipher))


def order_values(order: Order, cipher: VoucherCipher) -> dict[str, Any]:
    """The order row's columns as plain values: what a versioned UPDATE writes (no ORM row)."""
    token = order.checkout_token
    return {
        "id": order.id,
        "request_key": order.request_key,
        "product_id": order.product_id,
        "amount_minor": order.amount.minor,
        "currency": order.amount.currency,
        "buyer_platform": order.buyer.platform,
        "buyer_tenant": order.buyer.tenant,
        "buyer_user_id": order.buyer.user_id,
        "buyer_name": order.buyer.name,
        "buyer_key": order.buyer.key,
        "conversation_platform": order.conversation.platform,
        "conversation_address": order.conversation.address,
        "status": str(order.status),
        "payment_intent_id": order.payment_intent_id,
        "payment_client_secret_enc": _encrypt(cipher, order.payment_client_secret),
        "checkout_token_hash": None if token is None else digest(token),
        "checkout_token_enc": _encrypt(cipher, token),
        "checkout_expires_at": order.checkout_expires_at,
        "payment_attempts": order.payment_attempts,
        "failure_reason": order.failure_reason,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "version": order.version,
        "reward_id": order.reward_id,
        "reward_minor": order.reward_minor,
        "history": [_change_to_json(change) for change in order.history],
        "payments": [_payment_to_json(payment) for payment in order.payments],
        "refunds_due": len(order.refunds_due),
        "provider": order.provider,
        "route_reason": order.route_reason,
        "route_tried": ",".join(order.route_tried),
        "route_uncertain": order.route_uncertain,
        "fx": quote_to_json(order.fx),
    }


def order_to_domain(row: OrderRow, cipher: VoucherCipher) -> Order:
    return Order(
        id=row.id,
        product_id=row.product_id,
        amount=Money(row.amount_minor, row.currency),
        buyer=ChatUser(row.buyer_platform, row.buyer_tenant, row.buyer_user_id, row.buyer_name),
        conversation=ConversationRef(row.conversation_platform, row.conversation_address),
        request_key=row.request_key,
        created_at=row.created_at,
        status=OrderStatus(row.status),
        payment_intent_id=row.payment_intent_id,
        payment_client_secret=_decrypt(cipher, row.payment_client_secret_enc),
        checkout_token=_decrypt(cipher, row.checkout_token_enc),
        checkout_expires_at=row.checkout_expires_at,
        payment_attempts=row.payment_attempts,
        failure_reason=row.failure_reason,
        version=row.version,
        reward_id=row.reward_id,
        reward_minor=row.reward_minor,
        history=[_change_from_json(item) for item in row.history],
        payments=[_payment_from_json(item) for item in row.payments],
        provider=row.provider,
        route_reason=row.route_reason,
        route_tried=tuple(name for name in row.route_tried.split(",") if name),
        route_uncertain=row.route_uncertain,
        fx=quote_from_json(row.fx),
    )


def _change_to_json(change: StatusChange) -> dict[str, Any]:
    before = None if change.before is None else str(change.before)
    return {
        "at": change.at.isoformat(),
        "source": change.source,
        "before": before,
        "after": str(change.after),
        "note": change.note,
    }


def _change_from_json(item: dict[str, Any]) -> StatusChange:
    before = None if item["before"] is None else OrderStatus(item["before"])
    at = datetime.fromisoformat(item["at"])
    return StatusChange(
        at, item["source"], before, OrderStatus(item["after"]), item.get("note", "")
    )


def _payment_to_json(payment: CardPayment) -> dict[str, Any]:
    return {
        "intent_id": payment.intent_id,
        "minor": payment.amount.minor,
        "currency": payment.amount.currency,
        "at": payment.at.isoformat(),
        "duplicate": payment.duplicate,
        "state": str(payment.state),
    }


def _payment_from_json(item: dict[str, Any]) -> CardPayment:
    return CardPayment(
        intent_id=item["intent_id"],
        amount=Money(item["minor"], item["currency"]),
        at=datetime.fromisoformat(item["at"]),
        duplicate=bool(item["duplicate"]),
        state=PaymentState(item["state"]),
    )


# --- vouchers -------------------------------------------------------------------------------------


def voucher_to_row(voucher: Voucher, cipher: VoucherCipher) -> VoucherRow:
    return VoucherRow(
        id=voucher.id,
        order_id=voucher.order_id,
        product_id=voucher.product_id,
        amount_minor=voucher.amount.minor,
        currency=voucher.amount.currency,
        owner_platform=voucher.owner.platform,
        owner_tenant=voucher.owner.tenant,
        owner_user_id=voucher.owner.user_id,
        owner_name=voucher.owner.name,
        owner_key=voucher.owner.key,
        code_enc=cipher.encrypt(voucher.code),
        pin_enc=_encrypt(cipher, voucher.pin),
        # A redemption URL is often the voucher itself (formats `url`, `url_pin`): a secret too.
        redeem_url_enc=_encrypt(cipher, voucher.redeem_url),
        expires_on=voucher.expires_on,
        issued_at=voucher.issued_at,
        provider=voucher.provider,
        provider_reference=voucher.provider_reference,
        status=str(voucher.status),
    )


def voucher_to_domain(row: VoucherRow, cipher: VoucherCipher) -> Voucher:
    return Voucher(
        id=row.id,
        order_id=row.order_id,
        product_id=row.product_id,
        amount=Money(row.amount_minor, row.currency),
        owner=ChatUser(row.owner_platform, row.owner_tenant, row.owner_user_id, row.owner_name),
        code=cipher.decrypt(row.code_enc),
        expires_on=row.expires_on,
        issued_at=row.issued_at,
        pin=_decrypt(cipher, row.pin_enc),
        redeem_url=_decrypt(cipher, row.redeem_url_enc),
        provider=row.provider,
        provider_reference=row.provider_reference,
        status=VoucherStatus(row.status),
    )


# --- outbox ---------------------------------------------------------------------------------------


def outbox_to_row(message: OutboxMessage) -> OutboxRow:
    return OutboxRow(**outbox_values(message))


def outbox_values(message: OutboxMessage) -> dict[str, Any]:
    """The outbox row's columns as plain values: what set-based statements write (no ORM row)."""
    return {
        "id": message.id,
        "key": message.key,
        "kind": str(message.kind),
        "order_id": message.order_id,
        "reward_id": message.reward_id,
        "conversation_platform": message.conversation.platform,
        "conversation_address": message.conversation.address,
        "conversation_key": conversation_key(message.conversation),
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "status": str(message.status),
        "attempts": message.attempts,
        "last_error": message.last_error,
        "sent_at": message.sent_at,
        "history": list(message.history),
        "announces": message.announces,
    }


def outbox_to_domain(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        key=row.key,
        kind=MessageKind(row.kind),
        order_id=row.order_id,
        conversation=ConversationRef(row.conversation_platform, row.conversation_address),
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        status=MessageStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        history=list(row.history),
        reward_id=row.reward_id,
        announces=row.announces,
    )


# --- audit ----------------------------------------------------------------------------------------


def audit_to_row(entry: AuditEntry) -> AuditRow:
    return AuditRow(**audit_values(entry))


def audit_values(entry: AuditEntry) -> dict[str, Any]:
    """The audit row's columns as plain values: what a set-based INSERT writes (no ORM row)."""
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def audit_to_domain(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        before=row.before,
        after=row.after,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


# --- rewards --------------------------------------------------------------------------------------


def programme_to_row(programme: Programme) -> ProgrammeRow:
    return ProgrammeRow(
        id=programme.id,
        name=programme.name,
        currency=programme.currency,
        expiry_days=programme.expiry_days,
        per_reward_limit=programme.per_reward_limit,
        per_giver_monthly_limit=programme.per_giver_monthly_limit,
        version=programme.version,
        fx_margin_bps=programme.fx_margin_bps,
        card_topup=programme.card_topup,
    )


def programme_to_domain(row: ProgrammeRow) -> Programme:
    return Programme(
        id=row.id,
        name=row.name,
        currency=row.currency,
        expiry_days=row.expiry_days,
        per_reward_limit=row.per_reward_limit,
        per_giver_monthly_limit=row.per_giver_monthly_limit,
        version=row.version,
        fx_margin_bps=row.fx_margin_bps,
        card_topup=row.card_topup,
    )


def ledger_to_row(entry: LedgerEntry) -> LedgerRow:
    return LedgerRow(
        id=entry.id,
        programme_id=entry.programme_id,
        kind=str(entry.kind),
        minor=entry.minor,
        at=entry.at,
        actor=entry.actor,
        reward_id=entry.reward_id,
        order_id=entry.order_id,
        note=entry.note,
        fx=quote_to_json(entry.fx),
    )


def ledger_to_domain(row: LedgerRow) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        programme_id=row.programme_id,
        kind=LedgerKind(row.kind),
        minor=row.minor,
        at=row.at,
        actor=row.actor,
        reward_id=row.reward_id,
        order_id=row.order_id,
        note=row.note,
        fx=quote_from_json(row.fx),
    )


def quote_to_json(quote: Quote | None) -> dict[str, Any] | None:
    """A locked conversion as JSON: the rate as a decimal string, never a float."""
    if quote is None:
        return None
    return {
        "charged_minor": quote.charged.minor,
        "charged_currency": quote.charged.currency,
        "target_minor": quote.target.minor,
        "target_currency": quote.target.currency,
        "rate": str(quote.rate),
        "source": quote.source,
        "as_of": quote.as_of.isoformat(),
        "margin_bps": quote.margin_bps,
    }


def quote_from_json(data: dict[str, Any] | None) -> Quote | None:
    if not data:
        return None
    return Quote(
        charged=Money(data["charged_minor"], data["charged_currency"]),
        target=Money(data["target_minor"], data["target_currency"]),
        rate=Decimal(data["rate"]),
        source=data["source"],
        as_of=datetime.fromisoformat(data["as_of"]),
        margin_bps=data["margin_bps"],
    )


def rate_to_row(rate: Rate) -> RateRow:
    return RateRow(
        base=rate.base,
        quote=rate.quote,
        value=str(rate.value),
        source=rate.source,
        as_of=rate.as_of,
    )


def rate_to_domain(row: RateRow) -> Rate:
    return Rate(row.base, row.quote, Decimal(row.value), row.source, row.as_of)


def reward_to_row(reward: Reward) -> RewardRow:
    reply = reward.giver_conversation
    return RewardRow(
        id=reward.id,
        request_key=reward.request_key,
        programme_id=reward.programme_id,
        giver_platform=reward.giver.platform,
        giver_tenant=reward.giver.tenant,
        giver_user_id=reward.giver.user_id,
        giver_name=reward.giver.name,
        giver_key=reward.giver.key,
        recipient_platform=reward.recipient.platform,
        recipient_tenant=reward.recipient.tenant,
        recipient_user_id=reward.recipient.user_id,
        recipient_name=reward.recipient.name,
        recipient_key=reward.recipient.key,
        conversation_platform=reward.conversation.platform,
        conversation_address=reward.conversation.address,
        giver_conversation_platform=None if reply is None else reply.platform,
        giver_conversation_address=None if reply is None else reply.address,
        amount_minor=reward.amount.minor,
        currency=reward.amount.currency,
        reason=reward.reason,
        created_at=reward.created_at,
        expires_at=reward.expires_at,
        status=str(reward.status),
        spent=reward.spent,
        held=reward.held,
        version=reward.version,
    )


def reward_to_domain(row: RewardRow) -> Reward:
    reply = None
    if row.giver_conversation_platform is not None and row.giver_conversation_address is not None:
        reply = ConversationRef(row.giver_conversation_platform, row.giver_conversation_address)
    return Reward(
        id=row.id,
        programme_id=row.programme_id,
        giver=ChatUser(row.giver_platform, row.giver_tenant, row.giver_user_id, row.giver_name),
        recipient=ChatUser(
            row.recipient_platform, row.recipient_tenant, row.recipient_user_id, row.recipient_name
        ),
        conversation=ConversationRef(row.conversation_platform, row.conversation_address),
        amount=Money(row.amount_minor, row.currency),
        reason=row.reason,
        created_at=row.created_at,
        expires_at=row.expires_at,
        request_key=row.request_key,
        status=RewardStatus(row.status),
        spent=row.spent,
        held=row.held,
        version=row.version,
        giver_conversation=reply,
    )


# --- catalog cache --------------------------------------------------------------------------------


def product_to_row(provider: str, product: Product, synced_at: datetime) -> CatalogProductRow:
    return CatalogProductRow(
        provider=provider, product_id=product.id, data=product_to_json(product), synced_at=synced_at
    )


def product_to_domain(row: CatalogProductRow) -> Product:
    return product_from_json(row.data)


def product_to_json(product: Product) -> dict[str, Any]:
    data = asdict(product)
    data["countries"] = list(product.countries)
    data["denominations"] = list(product.denominations)
    data["skus"] = [list(pair) for pair in product.skus]
    data["categories"] = list(product.categories)
    fixed = product.expiry.fixed_date
    data["expiry"] = {
        "days_after_issue": product.expiry.days_after_issue,
        "fixed_date": None if fixed is None else fixed.isoformat(),
    }
    return data


def product_from_json(data: dict[str, Any]) -> Product:
    fields = dict(data)
    value_range, expiry = fields.pop("value_range"), fields.pop("expiry")
    fixed = expiry["fixed_date"]
    fields["countries"] = tuple(fields["countries"])
    fields["denominations"] = tuple(fields["denominations"])
    fields["skus"] = tuple((int(minor), str(sku)) for minor, sku in fields.get("skus", ()))
    fields["categories"] = tuple(fields.get("categories", ()))
    return Product(
        **fields,
        value_range=None if value_range is None else ValueRange(**value_range),
        expiry=ExpiryPolicy(
            expiry["days_after_issue"], None if fixed is None else date.fromisoformat(fixed)
        ),
    )


def utc(moment: datetime) -> datetime:
    """The same instant in UTC: what the database returns, so hashes over it stay reproducible."""
    return moment.astimezone(UTC)
