"""The checkout use cases: one method per command or event, each in its own unit of work."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from core.audit import AuditRecord
from core.catalog import Catalog, CatalogQuery, Product
from core.catalog_source import CatalogSource, LiveCatalog
from core.curation import CatalogRule, Curation, CurationStore, NotInProgrammeCatalog
from core.errors import (
    CheckoutExpired,
    ConcurrentUpdate,
    DuplicateRequest,
    InvalidAmount,
    InvalidRequest,
    InvalidTransition,
    NotOrderOwner,
    OrderNotFound,
    OrderNotPayable,
    PaymentGatewayError,
    ProviderError,
    UnknownCheckout,
    UnknownProduct,
)
from core.funding import hold_reward, release_reward, restore_reward, settle_reward
from core.fx import Quote, Rates, RateUnavailable
from core.gifts import Gift, GiftRequest, GiftStatus, gift_messages
from core.identity import ChatUser, ConversationRef
from core.money import Money, TooManyDecimals
from core.orders import (
    PAID_AMOUNT_DIFFERS,
    CardPayment,
    Order,
    OrderStatus,
    issuance_can_be_retried,
)
from core.outbox import MessageKind, OutboxMessage
from core.payments import PaymentEvent, PaymentEventKind, PaymentGateway, PaymentIntent
from core.ports import Clock, EmployeeStore, IdFactory, UnitOfWork, UnitOfWorkFactory
from core.provider_health import ProviderHealth
from core.redeem import (
    RecipientCountries,
    RewardCatalog,
    country_code,
    currency_of,
    reward_catalog,
)
from core.routing import Router, RoutingRules, single_provider_offers
from core.views import (
    ISSUANCE_FAILURE,
    CatalogPage,
    CheckoutView,
    GiftReceipt,
    OrderSummary,
    ProductCard,
    RewardSummary,
    Wallet,
    WalletEntry,
    buyer_facing_reason,
    receipt_of,
    summary_of,
)
from core.vouchers import IssuedVoucher, Voucher, VoucherProvider, VoucherStatus

log = logging.getLogger(__name__)
Background = Callable[[Coroutine[Any, Any, None]], None]
# core.funded.Funded.absorb: True when a paid order funds a reward (a group-gift contribution, a
# "their choice" gift) instead of buying a voucher; it has then been dealt with.
Absorb = Callable[[str], Coroutine[Any, Any, bool]]

ISSUABLE = (OrderStatus.PAID, OrderStatus.ISSUING)
SETTLED = (
    OrderStatus.PAID,
    OrderStatus.ISSUING,
    OrderStatus.ISSUED,
    OrderStatus.DELIVERED,
    OrderStatus.REFUNDED,
)
REFUNDABLE = (OrderStatus.PAID, OrderStatus.ISSUED, OrderStatus.DELIVERED, OrderStatus.FAILED)
OPEN = (
    OrderStatus.CREATED,
    OrderStatus.AWAITING_PAYMENT,
    OrderStatus.PAID,
    OrderStatus.ISSUING,
    OrderStatus.FAILED,
)


@dataclass(frozen=True)
class PlaceOrder:
    """A buyer asks for one voucher of `product_id` worth `amount`, from a conversation."""

    buyer: ChatUser
    product_id: str
    amount: Money
    conversation: ConversationRef
    request_key: str
    reward_id: str | None = None
    gift: GiftRequest | None = None  # the voucher is for this colleague, not the buyer


class Checkout:
    """The checkout core's façade: adapters call these methods and render what they return."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        catalog: Catalog | CatalogSource,
        gateway: PaymentGateway,
        providers: Mapping[str, VoucherProvider],
        clock: Clock,
        ids: IdFactory,
        public_base_url: str,
        checkout_ttl: timedelta = timedelta(minutes=30),
        stuck_after: timedelta = timedelta(seconds=30),
        background: Background | None = None,
        routing: Router | None = None,
        health: ProviderHealth | None = None,
        rates: Rates | None = None,
        curations: CurationStore | None = None,
        countries: RecipientCountries | None = None,
        employees: EmployeeStore | None = None,
    ) -> None:
        self.countries = countries
        self.employees = employees  # the HR record's country, when the recipient chose none
        self.curations = curations
        # Each programme's curated catalog, read again when a reward opens it and every minute (the
        # browse of a page is synchronous; a page turn on another replica sees a catalog at most that old).
        self._curated: dict[str, Curation] = {}
        self.rates = rates  # None: a reward buys vouchers in its own currency only
        self._uow = uow
        self.routing = routing  # replaced with the catalog when providers sync (bot/bootstrap.py)
        self.health = health
        self._default_router: tuple[Catalog, Router] | None = None
        # A fixed catalog, or the live one providers' syncs replace (core.catalog_source).
        self.catalogs: CatalogSource = (
            LiveCatalog(catalog) if isinstance(catalog, Catalog) else catalog
        )
        self._gateway = gateway
        self._providers = providers
        self._clock = clock
        self._ids = ids
        self._base_url = public_base_url.rstrip("/")
        self._checkout_ttl = checkout_ttl
        self._stuck_after = stuck_after
        self._background = background
        self.absorb: Absorb | None = None  # set by the composition root (bot/bootstrap.py)

    @property
    def catalog(self) -> Catalog:
        """The catalog in use now."""
        return self.catalogs()

    # --- queries -------------------------------------------------------------------------

    def browse(self, query: CatalogQuery, country: str = "") -> CatalogPage:
        """A catalog page; a plain browse by someone whose country is known shows their country's first.
        A reward's programme narrows it to its curated catalog."""
        catalog = self.catalog
        wanted = catalog.for_person(query, country) if country else query
        curation = self._curated.get(query.programme) if query.programme else None
        found = catalog.search(wanted, curation.admits if curation else None)
        return CatalogPage.of(found, catalog.currencies, catalog.countries, catalog.categories)

    def pick_list(self, text: str, country: str, limit: int) -> tuple[ProductCard, ...]:
        """Vouchers matching `text` (all when empty) for a picker where one is chosen among many: those
        for the person's country first, then those in its currency, then the rest."""
        query = CatalogQuery(text=text, per_page=limit)
        code = country.upper()
        local = currency_of(code)
        wanted = [replace(query, country=code)] if code in self.catalog.countries else []
        if local in self.catalog.currencies:
            wanted.append(replace(query, currency=local))
        listed: dict[str, ProductCard] = {}
        for search in (*wanted, query):
            for card in self.browse(search).cards:
                listed.setdefault(card.product_id, card)
        return tuple(listed.values())[:limit]

    async def curation(self, programme_id: str) -> Curation:
        """The programme's curated catalog, read now (and kept for browsing its pages)."""
        if self.curations is None:
            return Curation(())
        curation = Curation(await self.curations.rules(programme_id))
        self._curated[programme_id] = curation
        return curation

    async def refresh_curations(self) -> int:
        """Read every programme's curated catalog again (a minutely job on each replica)."""
        if self.curations is None:
            return 0
        grouped: dict[str, list[CatalogRule]] = {}
        for rule in await self.curations.all():
            grouped.setdefault(rule.programme_id, []).append(rule)
        self._curated = {pid: Curation(rules) for pid, rules in grouped.items()}
        return len(grouped)

    async def set_country(self, user: ChatUser, text: str) -> str:
        """The recipient says where they redeem (over what their chat platform says); the code kept."""
        code = country_code(text)
        if self.countries is None:
            raise InvalidRequest("Choosing a country is not available here.")
        await self.countries.set(user.key, code, "recipient", self._clock.now())
        return code

    async def reward_catalog(
        self, reward: RewardSummary, country: str | None = None, user: ChatUser | None = None
    ) -> RewardCatalog:
        """The search a reward opens for its recipient (core.redeem), and the rate shown. The country is
        the one the recipient chose, else `country` (from their chat platform)."""
        country = await self._recorded_country(user) or country
        async with self._uow() as uow:
            programme = await uow.programmes.get(
                (await uow.rewards.get(reward.reward_id)).programme_id
            )
        book = await self.rates.book() if self.rates is not None else None
        await self.curation(programme.id)
        return reward_catalog(reward, programme, country, book, self._clock.now())

    async def home_country(self, user: ChatUser) -> str | None:
        """Where the person said they redeem, else their employee record's country; a plain browse opens
        there before the chat platform's guess (time zone, locale)."""
        return await self._recorded_country(user)

    async def _recorded_country(self, user: ChatUser | None) -> str | None:
        """The recipient's own choice, else the country on their employee record."""
        if user is None:
            return None
        chosen = await self.countries.get(user.key) if self.countries is not None else None
        if chosen or self.employees is None:
            return chosen
        employee = await self.employees.by_user(user.platform, user.tenant, user.user_id)
        return (employee.country or None) if employee is not None else None

    def product_card(self, product_id: str) -> ProductCard:
        return ProductCard.of(self.catalog.get(product_id))

    def amount_for(self, product_id: str, text: str) -> Money:
        """Read an amount a person typed for a product; InvalidAmount with a clear reason."""
        product = self.catalog.get(product_id)
        try:
            amount = Money.parse(text, product.currency)
        except ValueError as exc:
            reason = f"'{text}' is not an amount. Try {product.price_label()}."
            rule = "decimals" if isinstance(exc, TooManyDecimals) else "not_an_amount"
            raise InvalidAmount(product_id, reason, rule=rule, typed=text.strip()) from None
        product.check_amount(amount)
        return amount

    async def order_summary(self, order_id: str) -> OrderSummary:
        async with self._uow() as uow:
            return self._summary(await uow.orders.get(order_id))

    async def buyer_order(self, order_id: str, user: ChatUser) -> OrderSummary:
        """The order as its buyer sees it (checkout link included); NotOrderOwner for anyone else."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        if not order.buyer.same_person(user):
            raise NotOrderOwner(order_id)
        return self._summary(order)

    async def checkout_view(self, token: str) -> CheckoutView:
        async with self._uow() as uow:
            order = await uow.orders.find_by_checkout_token(token)
        if order is None:
            raise UnknownCheckout()
        product = self.catalog.get(order.product_id)
        expired = (
            order.checkout_expires_at is not None and self._clock.now() > order.checkout_expires_at
        )
        if expired and order.is_payable:
            raise CheckoutExpired(order.id)
        return CheckoutView(
            order_id=order.id,
            brand=product.brand,
            product_name=product.name,
            image_url=product.image_url,
            amount=order.card_amount,
            status=order.status,
            status_label=self._summary(order).status_label,
            client_secret=order.payment_client_secret,
            expires_at=order.checkout_expires_at,
            failure_reason=buyer_facing_reason(order.failure_reason),
            issuance_failed=order.failure_reason.startswith(ISSUANCE_FAILURE),
        )

    async def wallet(self, user: ChatUser) -> Wallet:
        async with self._uow() as uow:
            vouchers = await uow.vouchers.list_for_owner(user.key)
            orders = await uow.orders.list_for_buyer(user.key)
            rewards = await uow.rewards.list_for_recipient(user.key)
            sent = [
                (g, await uow.orders.get(g.order_id))
                for g in await uow.gifts.list_for_buyer(user.key)
            ]
            received = await uow.gifts.list_for_recipient(user.key)
        # A gift stays a surprise until it is delivered; a gift's buyer never sees its code.
        hidden = {g.order_id for g in received if g.status is not GiftStatus.DELIVERED}
        entries = tuple(self._wallet_entry(v) for v in vouchers if v.order_id not in hidden)
        pending = tuple(self._summary(o) for o in orders if o.status in OPEN)
        gifts = tuple(receipt_of(g, o, self.catalog.get(o.product_id)) for g, o in sent)
        return Wallet(entries, pending, tuple(RewardSummary.of(r) for r in rewards), gifts)

    # --- commands ------------------------------------------------------------------------

    async def place_order(self, command: PlaceOrder) -> OrderSummary:
        """Create the order and its payment intent. A repeated request key returns the first order,
        marked `repeated`: the request that placed it has shown it already."""
        self.catalog.get(command.product_id).check_amount(command.amount)
        fx = await self._reward_quote(command)
        order, created = await self._create_order(command, fx)
        if order.status is OrderStatus.CREATED and order.card_amount.minor == 0:
            order = await self._pay_with_reward(order.id)
        elif order.status is OrderStatus.CREATED:
            try:
                order = await self._start_payment(order.id, source=command.buyer.platform)
            except ConcurrentUpdate:
                # The same request retried (Slack's X-Slack-Retry-Num) while the first was starting the
                # payment: both got the same intent by idempotency key; show what the first stored.
                async with self._uow() as uow:
                    order = await uow.orders.get(order.id)
        return replace(self._summary(order), repeated=not created)

    async def retry_payment(self, order_id: str, user: ChatUser) -> OrderSummary:
        """Give a failed order a fresh payment intent and checkout link."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        if not order.buyer.same_person(user):
            raise NotOrderOwner(order_id)
        if order.status is not OrderStatus.FAILED or order.failure_reason.startswith("issuance"):
            raise OrderNotPayable(order_id, order.status)
        return self._summary(await self._start_payment(order_id, source=user.platform))

    async def cancel(self, order_id: str, actor: str) -> OrderSummary:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            self._move(uow, order, OrderStatus.CANCELLED, actor)
            await release_reward(uow, order)
            await uow.orders.save(order)
            await self._queue_update(uow, order)
            await uow.commit()
        return self._summary(order)

    async def refund(self, order_id: str, actor: str) -> OrderSummary:
        """Return the buyer's money, every payment the order holds; the voucher is voided."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        if order.status not in REFUNDABLE:
            raise OrderNotPayable(order_id, order.status)
        held = order.payments_held()
        for payment in held:
            await self._gateway.refund(
                intent_id=payment.intent_id, idempotency_key=_refund_key(order.id, payment)
            )
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            for payment in held:
                order.payment_refunded(payment.intent_id)
            await self._mark_refunded(uow, order, actor)
            await uow.commit()
        return self._summary(order)

    async def refund_duplicates(self, order_id: str) -> None:
        """Give back each payment taken for the order after another had paid it; PaymentGatewayError
        leaves the rest due (the recovery loop tries again, under the same idempotency keys)."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        for payment in order.refunds_due:
            await self._gateway.refund(
                intent_id=payment.intent_id, idempotency_key=_refund_key(order.id, payment)
            )
            await self._note_duplicate_refunded(order_id, payment.intent_id, "system")

    async def resend(self, order_id: str, actor: str) -> None:
        """Queue the voucher message again (an admin's act; a new outbox key on purpose)."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            gift = await uow.gifts.for_order(order.id)
            suffix = f"resend:{self._ids.new_id('rs')}"
            if gift is None:
                await uow.outbox.add(self._message(order, MessageKind.VOUCHER_DELIVERY, suffix))
            else:  # a gift's voucher goes to its recipient again, never to the buyer
                message = self._message(order, MessageKind.GIFT_DELIVERY, suffix)
                await uow.outbox.add(replace(message, conversation=gift.recipient_conversation))
            uow.audit.record(AuditRecord(actor, "voucher.resend", order.id))
            await uow.commit()

    async def retry_issuance(self, order_id: str, actor: str) -> OrderSummary:
        """Ask the provider again for a paid order whose issuance failed (an admin's act, audited)."""
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if not issuance_can_be_retried(order.status, order.failure_reason):
                # A failed card payment is the buyer's to retry, and a payment of another amount is
                # refunded, not issued: only the full price already taken is issued here.
                raise InvalidTransition(order.id, order.status, OrderStatus.ISSUING)
            self._move(uow, order, OrderStatus.ISSUING, actor, note="issuance retried")
            order.failure_reason = ""
            order.reset_route()  # a failed order holds nothing anywhere: route it afresh
            await uow.orders.save(order)
            await uow.commit()
        await self._issue_soon(order_id)
        return await self.order_summary(order_id)

    async def handle_payment_event(self, event: PaymentEvent) -> None:
        """Apply a verified payment notification once, whatever order or number of times it arrives."""
        if event.kind is PaymentEventKind.IGNORED:
            return
        for _ in range(5):
            try:
                order_id, owing = await self._apply_payment_event(event)
                break
            except DuplicateRequest:
                log.info("payment event already applied", extra={"event_id": event.event_id})
                return
            except ConcurrentUpdate:
                continue
        else:
            raise ConcurrentUpdate(event.event_id)
        if owing is not None:
            await self._refund_duplicates_now(owing)
        if order_id is not None:
            await self._issue_soon(order_id)

    async def _refund_duplicates_now(self, order_id: str) -> None:
        try:
            await self.refund_duplicates(order_id)
        except PaymentGatewayError as exc:
            # The event is applied and stays so; the refund is still due and recover() asks again.
            log.warning("duplicate refund failed", extra={"order_id": order_id, "error": str(exc)})

    async def _issue_soon(self, order_id: str) -> None:
        if self._background is not None:
            # A provider may take minutes (Plum: up to 120 s); the payment notification must not wait.
            self._background(self.issue_voucher(order_id))
        else:
            await self.issue_voucher(order_id)

    async def issue_voucher(self, order_id: str) -> None:
        """Claim the paid order, route it, ask its provider for a voucher and store it with its message.

        A definite no from a provider (out of stock, no funds, brand unavailable) moves the order on to
        the next provider of its route; an uncertain answer (a timeout) never does until that provider,
        asked by the order's reference, says it holds no such order.
        """
        if self.absorb is not None and await self.absorb(order_id):
            return
        order = await self._claim_for_issuing(order_id)
        seen: set[str] = (
            set()
        )  # providers asked in this pass: an outage of all of them ends the pass
        while order is not None:
            if not order.provider:
                await self._issuance_failed(
                    order.id,
                    ProviderError(
                        "no provider offers this product at this amount", retryable=False
                    ),
                )
                return
            order = await self._attempt(order, seen)

    async def _attempt(self, order: Order, seen: set[str]) -> Order | None:
        """One provider call; returns the order when it was rerouted and should be tried again."""
        name = order.provider
        seen.add(name)
        try:
            product = self.router.offer(order.product_id, name)
            provider = self._providers[name]
        except (UnknownProduct, KeyError):
            return await self._offer_gone(order)
        today = self._clock.now().date()
        try:
            if order.route_uncertain:
                found = await provider.find(
                    order_id=order.id, product=product, amount=order.amount, today=today
                )
                if found is None:
                    return await self._after_lost_answer(order, seen)
                issued = found
            else:
                issued = await provider.issue(
                    order_id=order.id, product=product, amount=order.amount, today=today
                )
        except ProviderError as exc:
            self._record_outcome(name, ok=False)
            if exc.retryable and exc.nothing_placed:
                rerouted = await self._around_unreachable(order, exc, seen)
                if rerouted is None:
                    await self._issuance_failed(
                        order.id, exc
                    )  # no one else: recovery asks it again
                return rerouted
            if exc.retryable:
                await self._mark_uncertain(order)
                await self._issuance_failed(order.id, exc)
                return None
            rerouted = await self._reroute(order, f"{name} said no ({exc})")
            if rerouted is None and await self._still_routed_to(order.id, name):
                await self._issuance_failed(order.id, exc)
            return rerouted
        self._record_outcome(name, ok=True)
        await self._store_voucher(
            self._voucher_of(order, product, issued, await self._voucher_owner(order))
        )
        return None

    async def _offer_gone(self, order: Order) -> Order | None:
        """The routed provider's offer left its catalog (a sync) or the provider was unconfigured."""
        name = order.provider
        if order.route_uncertain:
            # The provider may hold the order; without its offer we cannot ask it, nor buy elsewhere safely.
            log.error(
                "a provider offer is gone while its order's fate is unknown; an operator must look",
                extra={"order_id": order.id, "provider": name},
            )
            return None
        rerouted = await self._reroute(order, f"{name} no longer offers this product")
        if rerouted is None and await self._still_routed_to(order.id, name):
            gone = ProviderError(f"{name} no longer offers this product", retryable=False)
            await self._issuance_failed(order.id, gone)
        return rerouted

    def _voucher_of(
        self, order: Order, product: Product, issued: IssuedVoucher, owner: ChatUser
    ) -> Voucher:
        return Voucher(
            id=self._ids.new_id("vch"),
            order_id=order.id,
            product_id=order.product_id,
            amount=order.amount,
            owner=owner,
            code=issued.code,
            pin=issued.pin,
            redeem_url=issued.redeem_url or product.redeem_url or None,
            expires_on=issued.expires_on,
            issued_at=self._clock.now(),
            provider=order.provider,
            provider_reference=issued.provider_reference,
        )

    async def _reroute(self, order: Order, why: str) -> Order | None:
        """Move the order to its next untried provider; None when none is left or another worker owns it."""
        tried = {*order.route_tried, order.provider}
        plan = self.router.plan(order.product_id, order.amount, exclude=tried)
        if not plan:
            log.warning(
                "no provider left for the order",
                extra={"order_id": order.id, "tried": sorted(tried)},
            )
            return None
        return await self._save_route(
            order, plan[0].provider, f"fallback after {why}: {plan[0].reason}"
        )

    async def _around_unreachable(
        self, order: Order, exc: ProviderError, seen: set[str]
    ) -> Order | None:
        """The provider was not reached, so it holds nothing: the next provider may serve the order now."""
        name = order.provider
        plan = self.router.plan(order.product_id, order.amount, exclude={*order.route_tried, *seen})
        if not plan:
            return None
        reason = f"fallback after {name} could not be reached ({exc}): {plan[0].reason}"
        return await self._save_route(order, plan[0].provider, reason, refused=False)

    async def _after_lost_answer(self, order: Order, seen: set[str]) -> Order | None:
        """The provider holds no order under our reference: another provider may try, else the same again."""
        name = order.provider
        plan = self.router.plan(order.product_id, order.amount, exclude={*order.route_tried, *seen})
        if plan:
            # Not a refusal: the provider may serve the order again if the next one says no.
            return await self._save_route(
                order,
                plan[0].provider,
                f"fallback after {name} gave no answer and holds no such order: {plan[0].reason}",
                refused=False,
            )
        return await self._save_route(order, name, order.route_reason, refused=False)

    async def _save_route(
        self, order: Order, provider: str, reason: str, *, refused: bool = True
    ) -> Order | None:
        try:
            async with self._uow() as uow:
                current = await uow.orders.get(order.id)
                if current.status is not OrderStatus.ISSUING or _route_of(current) != _route_of(
                    order
                ):
                    return None  # another worker rerouted the order since: it decides from here
                before = {"provider": current.provider}
                current.route_to(provider, reason, refused=refused)
                await uow.orders.save(current)
                uow.audit.record(
                    AuditRecord(
                        "system",
                        "order.routed",
                        current.id,
                        before,
                        {"provider": provider, "reason": reason},
                    )
                )
                await uow.commit()
                return current
        except ConcurrentUpdate:
            return None

    async def _mark_uncertain(self, order: Order) -> None:
        try:
            async with self._uow() as uow:
                current = await uow.orders.get(order.id)
                if _route_of(current) != _route_of(order):
                    return
                current.route_uncertain = True
                await uow.orders.save(current)
                await uow.commit()
        except ConcurrentUpdate:
            pass  # another worker claimed it and will look the order up itself

    async def _still_routed_to(self, order_id: str, provider: str) -> bool:
        async with self._uow() as uow:
            current = await uow.orders.get(order_id)
        return current.status is OrderStatus.ISSUING and current.provider == provider

    def _record_outcome(self, provider: str, *, ok: bool) -> None:
        if self.health is not None:
            self.health.record(provider, ok=ok, at=self._clock.now())

    @property
    def router(self) -> Router:
        """The configured router, or one that sends each product to the provider named on it."""
        if self.routing is not None:
            return self.routing
        if self._default_router is None or self._default_router[0] is not self.catalog:
            self._default_router = (
                self.catalog,
                Router(single_provider_offers(self.catalog), RoutingRules()),
            )
        return self._default_router[1]

    async def recover(self) -> int:
        """Finish what a crash interrupted and expire abandoned checkouts; returns orders touched."""
        before = self._clock.now() - self._stuck_after
        async with self._uow() as uow:
            stuck = await uow.orders.list_stuck(ISSUABLE, before, limit=100)
            waiting = await uow.orders.list_stuck(
                (OrderStatus.AWAITING_PAYMENT,), before, limit=100
            )
            owing = await uow.orders.list_refunds_due(limit=100)
        for order in stuck:
            await self.issue_voucher(order.id)
        expired = [
            o
            for o in waiting
            if o.checkout_expires_at and o.checkout_expires_at < self._clock.now()
        ]
        for order in expired:
            await self._expire(order.id)
        for order in owing:
            await self._refund_duplicates_now(order.id)
        return len(stuck) + len(expired) + len(owing)

    # --- steps ---------------------------------------------------------------------------

    async def _reward_quote(self, command: PlaceOrder) -> Quote | None:
        """The conversion to lock when a reward in another currency pays (None in the same currency)."""
        if not command.reward_id:
            return None
        async with self._uow() as uow:
            existing = await uow.orders.find_by_request_key(command.request_key)
            if existing is not None:
                return existing.fx  # a retried request: the order and its rate were locked already
            reward = await uow.rewards.get(command.reward_id)
            reward.check_spendable(command.buyer, self._clock.now())
            programme = await uow.programmes.get(reward.programme_id)
        if not (await self.curation(programme.id)).admits(self.catalog.get(command.product_id)):
            raise NotInProgrammeCatalog(command.product_id, programme.name)
        if reward.amount.currency == command.amount.currency:
            return None
        if self.rates is None:
            raise RateUnavailable(command.amount.currency, reward.amount.currency)
        return await self.rates.quote(
            command.amount, reward.amount.currency, programme.fx_margin_bps
        )

    async def _create_order(
        self, command: PlaceOrder, fx: Quote | None = None
    ) -> tuple[Order, bool]:
        """The order for this request key and whether this call created it: the stored one, or a new
        one (racing requests share one; only the winner created it)."""
        for _ in range(20):
            async with self._uow() as uow:
                existing = await uow.orders.find_by_request_key(command.request_key)
                if existing is not None:
                    return existing, False
                order = Order.create(
                    order_id=self._ids.new_id("ord"),
                    product_id=command.product_id,
                    amount=command.amount,
                    buyer=command.buyer,
                    conversation=command.conversation,
                    request_key=command.request_key,
                    at=self._clock.now(),
                    source=command.buyer.platform,
                )
                if command.reward_id:
                    await hold_reward(uow, order, command.reward_id, self._clock.now(), fx)
                await uow.orders.add(order)
                if command.gift is not None:
                    gift = Gift.for_order(
                        self._ids.new_id("gft"), order, command.gift, self._clock.now()
                    )
                    await uow.gifts.add(gift)
                uow.audit.record(
                    AuditRecord(
                        command.buyer.key, "order.created", order.id, None, _snapshot(order)
                    )
                )
                try:
                    await uow.commit()
                    return order, True
                except (DuplicateRequest, ConcurrentUpdate):
                    # The same request won elsewhere (found on the next read), or another order
                    # spent from the same reward meanwhile (its balance is read again).
                    continue
        raise ConcurrentUpdate(command.request_key)

    async def _start_payment(self, order_id: str, source: str) -> Order:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
        attempt = order.payment_attempts + 1
        try:
            intent = await self._gateway.create_intent(
                order_id=order.id,
                amount=order.card_amount,
                idempotency_key=f"{order.id}:pay:{attempt}",
            )
        except PaymentGatewayError as exc:
            return await self._payment_unavailable(order.id, source, exc)
        try:
            return await self._record_intent(order_id, intent, source)
        except ConcurrentUpdate:
            # A retried request raced this one to the same intent (same idempotency key): keep theirs.
            async with self._uow() as uow:
                return await uow.orders.get(order_id)

    async def _record_intent(self, order_id: str, intent: PaymentIntent, source: str) -> Order:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if (
                order.status is OrderStatus.AWAITING_PAYMENT
                and order.payment_intent_id == intent.id
            ):
                return order
            before = _snapshot(order)
            order.await_payment(
                intent_id=intent.id,
                client_secret=intent.client_secret,
                token=self._ids.new_token(),
                expires_at=self._clock.now() + self._checkout_ttl,
                at=self._clock.now(),
                source=source,
            )
            await uow.orders.save(order)
            uow.audit.record(
                AuditRecord(source, "order.awaiting_payment", order.id, before, _snapshot(order))
            )
            await uow.commit()
        return order

    async def _payment_unavailable(self, order_id: str, source: str, exc: Exception) -> Order:
        log.warning(
            "payment provider unavailable",
            extra={"order_id": order_id, "error": type(exc).__name__},
        )
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if order.can_move_to(OrderStatus.FAILED):
                before = _snapshot(order)
                order.fail(
                    "The payment service is unavailable. Please try again.",
                    at=self._clock.now(),
                    source=source,
                )
                await uow.orders.save(order)
                uow.audit.record(
                    AuditRecord(source, "order.failed", order.id, before, _snapshot(order))
                )
                await uow.commit()
        return order

    async def _apply_payment_event(self, event: PaymentEvent) -> tuple[str | None, str | None]:
        """Returns the id of an order that is now ready for issuing, and of one that owes a refund."""
        async with self._uow() as uow:
            await uow.events.add(event.event_id, event.provider_type or event.kind)
            order = await self._order_for_event(uow, event)
            ready = None
            if order is None:
                log.warning(
                    "payment event for an unknown order", extra={"event_id": event.event_id}
                )
            elif event.kind is PaymentEventKind.SUCCEEDED:
                ready = await self._mark_paid(uow, order, event)
            elif event.kind is PaymentEventKind.FAILED:
                await self._mark_payment_failed(uow, order, event)
            elif event.kind is PaymentEventKind.REFUNDED:
                await self._payment_refunded(uow, order, event)
            if order is not None:
                await uow.orders.save(order)
            await uow.commit()
        owing = order.id if order is not None and order.refunds_due else None
        return ready, owing

    async def _order_for_event(self, uow: UnitOfWork, event: PaymentEvent) -> Order | None:
        order = await uow.orders.find_by_intent(event.intent_id) if event.intent_id else None
        if order is None and event.order_id:
            try:
                order = await uow.orders.get(event.order_id)
            except OrderNotFound:
                return None
        return order

    async def _mark_paid(self, uow: UnitOfWork, order: Order, event: PaymentEvent) -> str | None:
        payment = order.take_payment(
            event.intent_id, event.amount or order.card_amount, self._clock.now()
        )
        if payment is not None and payment.duplicate:
            # The order was paid by another intent (a declined attempt that succeeded late, and its retry):
            # keep one payment, give this one back (after commit, see handle_payment_event).
            log.warning(
                "duplicate payment", extra={"order_id": order.id, "intent": payment.intent_id}
            )
            facts = _payment_facts(payment)
            uow.audit.record(AuditRecord("stripe", "payment.duplicate", order.id, None, facts))
            return None
        if payment is None or order.status in SETTLED:
            return order.id if order.status in ISSUABLE else None
        if event.amount is not None and event.amount != order.card_amount:
            self._move(
                uow,
                order,
                OrderStatus.FAILED,
                "stripe",
                note="issuance: paid amount differs from the order",
            )
            order.failure_reason = PAID_AMOUNT_DIFFERS
            return None
        self._move(uow, order, OrderStatus.PAID, "stripe")
        await settle_reward(uow, order, self._ids, self._clock.now())
        await self._queue_update(uow, order)
        return order.id

    async def _pay_with_reward(self, order_id: str) -> Order:
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            self._move(uow, order, OrderStatus.PAID, "reward")
            await settle_reward(uow, order, self._ids, self._clock.now())
            await uow.orders.save(order)
            await self._queue_update(uow, order)
            await uow.commit()
        await self._issue_soon(order.id)
        return order

    async def _mark_payment_failed(
        self, uow: UnitOfWork, order: Order, event: PaymentEvent
    ) -> None:
        if (
            order.status is not OrderStatus.AWAITING_PAYMENT
            or event.intent_id != order.payment_intent_id
        ):
            return  # a late failure after success, or for an intent this order replaced
        before = _snapshot(order)
        order.fail(
            event.failure_message or "The card was declined.", at=self._clock.now(), source="stripe"
        )
        uow.audit.record(AuditRecord("stripe", "order.failed", order.id, before, _snapshot(order)))
        await self._queue_update(uow, order)

    async def _payment_refunded(self, uow: UnitOfWork, order: Order, event: PaymentEvent) -> None:
        payment = order.payment(event.intent_id)
        if payment is not None and payment.duplicate:
            self._duplicate_refunded(uow, order, payment, "stripe")  # the order itself stays paid
        elif order.status is not OrderStatus.REFUNDED:
            order.payment_refunded(event.intent_id)
            await self._mark_refunded(uow, order, "stripe")

    async def _note_duplicate_refunded(self, order_id: str, intent_id: str, actor: str) -> None:
        for _ in range(5):
            try:
                async with self._uow() as uow:
                    order = await uow.orders.get(order_id)
                    payment = order.payment(intent_id)
                    if payment is None or not self._duplicate_refunded(uow, order, payment, actor):
                        return
                    await uow.orders.save(order)
                    await uow.commit()
                    return
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(order_id)

    def _duplicate_refunded(
        self, uow: UnitOfWork, order: Order, payment: CardPayment, actor: str
    ) -> bool:
        if not order.payment_refunded(payment.intent_id):
            return False
        facts = _payment_facts(payment)
        uow.audit.record(AuditRecord(actor, "payment.duplicate_refunded", order.id, None, facts))
        return True

    async def _mark_refunded(self, uow: UnitOfWork, order: Order, actor: str) -> None:
        self._move(uow, order, OrderStatus.REFUNDED, actor)
        await restore_reward(uow, order, self._ids, self._clock.now())
        voucher = await uow.vouchers.for_order(order.id)
        if voucher is not None and voucher.status is VoucherStatus.ACTIVE:
            voucher.void()
            await uow.vouchers.save(voucher)
            uow.audit.record(
                AuditRecord(actor, "voucher.voided", order.id, {"voucher": voucher.masked_code})
            )
        await uow.orders.save(order)
        await self._queue_update(uow, order)

    async def _claim_for_issuing(self, order_id: str) -> Order | None:
        """Take the order for issuing; the first claim also records its route, so replicas share one."""
        claimable = ISSUABLE
        for _ in range(5):
            try:
                async with self._uow() as uow:
                    order = await uow.orders.get(order_id)
                    if order.status not in claimable or self._being_issued(order):
                        return None
                    self._move(uow, order, OrderStatus.ISSUING, "system")
                    if not order.provider:
                        plan = self.router.plan(order.product_id, order.amount)
                        if plan:
                            order.route_to(plan[0].provider, plan[0].reason)
                            uow.audit.record(
                                AuditRecord(
                                    "system",
                                    "order.routed",
                                    order.id,
                                    None,
                                    {"provider": order.provider, "reason": order.route_reason},
                                )
                            )
                    await uow.orders.save(order)
                    await uow.commit()
                    return order
            except ConcurrentUpdate:
                # Another worker claimed it (it is ISSUING now), or a payment event touched the order
                # (a duplicate payment noted): only a still PAID order is claimed on the next try.
                claimable = (OrderStatus.PAID,)
        return None

    def _being_issued(self, order: Order) -> bool:
        """Another worker claimed the order moments ago and may be waiting on its provider: leave it.

        Only a claim older than `stuck_after` is taken over (recovery); an admin's retry is not a claim.
        """
        last = order.history[-1] if order.history else None
        return (
            order.status is OrderStatus.ISSUING
            and last is not None
            and last.source == "system"
            and last.after is OrderStatus.ISSUING
            and self._clock.now() - last.at < self._stuck_after
        )

    async def _store_voucher(self, voucher: Voucher) -> None:
        for _ in range(5):
            try:
                await self._try_store_voucher(voucher)
                return
            except DuplicateRequest:
                log.info("voucher already issued", extra={"order_id": voucher.order_id})
                return
            except ConcurrentUpdate:
                continue  # a payment event touched the order meanwhile (say, a duplicate payment noted)
        raise ConcurrentUpdate(voucher.order_id)

    async def _try_store_voucher(self, voucher: Voucher) -> None:
        async with self._uow() as uow:
            order = await uow.orders.get(voucher.order_id)
            if order.status is not OrderStatus.ISSUING:
                log.info("voucher already issued", extra={"order_id": voucher.order_id})
                return
            await uow.vouchers.add(voucher)
            self._move(uow, order, OrderStatus.ISSUED, "system")
            await uow.orders.save(order)
            uow.audit.record(
                AuditRecord(
                    "system", "voucher.issued", order.id, None, {"voucher": voucher.masked_code}
                )
            )
            await self._queue_voucher(uow, order)
            await self._queue_update(uow, order)
            await uow.commit()

    async def _issuance_failed(self, order_id: str, exc: ProviderError) -> None:
        log.warning(
            "voucher issuance failed", extra={"order_id": order_id, "retryable": exc.retryable}
        )
        async with self._uow() as uow:
            order = await uow.orders.get(order_id)
            if exc.retryable:
                uow.audit.record(
                    AuditRecord(
                        "system", "voucher.issue_retry", order.id, None, {"error": str(exc)}
                    )
                )
                await self._queue_update(uow, order)  # "on its way", once: the key repeats
                await uow.commit()
                return
            before = _snapshot(order)
            kind = f" ({exc.buyer_reason})" if exc.buyer_reason else ""
            order.fail(f"issuance{kind}: {exc}", at=self._clock.now(), source="system")
            await uow.orders.save(order)
            uow.audit.record(
                AuditRecord("system", "order.failed", order.id, before, _snapshot(order))
            )
            await self._queue_update(uow, order)
            await uow.commit()
        await self.refund(order_id, "system")

    async def _expire(self, order_id: str) -> None:
        try:
            async with self._uow() as uow:
                order = await uow.orders.get(order_id)
                if order.status is OrderStatus.AWAITING_PAYMENT:
                    self._move(uow, order, OrderStatus.EXPIRED, "system")
                    await release_reward(uow, order)
                    await uow.orders.save(order)
                    await self._queue_update(uow, order)
                    await uow.commit()
        except ConcurrentUpdate:
            pass

    # --- helpers -------------------------------------------------------------------------

    async def _voucher_owner(self, order: Order) -> ChatUser:
        """A gift's recipient owns its voucher; anyone else's order, its buyer."""
        async with self._uow() as uow:
            gift = await uow.gifts.for_order(order.id)
        return order.buyer if gift is None else gift.recipient

    async def _queue_voucher(self, uow: UnitOfWork, order: Order) -> None:
        gift = await uow.gifts.for_order(order.id)
        if gift is None:
            await uow.outbox.add(self._message(order, MessageKind.VOUCHER_DELIVERY, "voucher"))
            return
        now = self._clock.now()
        for message in gift_messages(
            gift, order, self._ids.new_id("msg"), self._ids.new_id("msg"), now
        ):
            await uow.outbox.add(message)

    def _move(
        self, uow: UnitOfWork, order: Order, target: OrderStatus, actor: str, note: str = ""
    ) -> None:
        before = _snapshot(order)
        order.move_to(target, at=self._clock.now(), source=actor, note=note)
        uow.audit.record(AuditRecord(actor, f"order.{target}", order.id, before, _snapshot(order)))

    async def _queue_update(self, uow: UnitOfWork, order: Order) -> None:
        # The key makes a repeated status a no-op; a retried payment is a new attempt.
        suffix = f"{order.status}:{order.payment_attempts}"
        update = self._message(order, MessageKind.ORDER_UPDATE, suffix, announces=str(order.status))
        await uow.outbox.add(update)

    def _message(
        self, order: Order, kind: MessageKind, suffix: str, announces: str = ""
    ) -> OutboxMessage:
        now = self._clock.now()
        return OutboxMessage(
            id=self._ids.new_id("msg"),
            key=f"{order.id}:{kind}:{suffix}",
            kind=kind,
            order_id=order.id,
            conversation=order.conversation,
            created_at=now,
            next_attempt_at=now,
            announces=announces,
        )

    def receipt(self, gift: Gift, order: Order) -> GiftReceipt:
        return receipt_of(gift, order, self.catalog.get(order.product_id))

    def checkout_url(self, order: Order) -> str | None:
        if order.checkout_token is None:
            return None
        return f"{self._base_url}/checkout/{order.checkout_token}"

    def _summary(self, order: Order) -> OrderSummary:
        url = self.checkout_url(order) if order.status is OrderStatus.AWAITING_PAYMENT else None
        return summary_of(order, self.catalog.get(order.product_id), url)

    def _wallet_entry(self, voucher: Voucher) -> WalletEntry:
        product: Product = self.catalog.get(voucher.product_id)
        expired = voucher.expires_on < self._clock.now().date()
        status = (
            "void" if voucher.status is VoucherStatus.VOID else "expired" if expired else "active"
        )
        return WalletEntry(
            order_id=voucher.order_id,
            brand=product.brand,
            product_name=product.name,
            amount=voucher.amount,
            status=status,
            issued_at=voucher.issued_at,
            expires_on=voucher.expires_on.isoformat(),
            code=voucher.code,
            pin=voucher.pin,
            redeem_url=voucher.redeem_url,
        )


def _refund_key(order_id: str, payment: CardPayment) -> str:
    # One key per intent, shared by the automatic and the admin refund, so Stripe refunds it once.
    return f"{order_id}:refund:{payment.intent_id}" if payment.duplicate else f"{order_id}:refund"


def _payment_facts(payment: CardPayment) -> dict[str, str]:
    return {"payment_intent": payment.intent_id, "amount": payment.amount.label()}


def _route_of(order: Order) -> tuple[str, tuple[str, ...], bool]:
    return order.provider, order.route_tried, order.route_uncertain


def _snapshot(order: Order) -> dict[str, str]:
    return {"status": str(order.status), "amount": order.amount.label()}
