// The checkout page: a Stripe Card Element, confirmCardPayment, then a status poll until the order is paid.
(function () {
  'use strict';

  var form = document.getElementById('payment-form');
  if (!form) {
    return;
  }
  var config = form.dataset;
  var button = document.getElementById('pay-button');
  var buttonLabel = button.querySelector('.pay-label');
  var spinner = button.querySelector('.spinner');
  var fieldError = document.getElementById('card-errors');
  var failedBox = document.getElementById('payment-failed');
  var failureReason = document.getElementById('failure-reason');
  var POLL_EVERY_MS = 1500;
  var POLL_FOR_MS = 180000;
  var PAID_STATES = ['paid'];

  function show(id, visible) {
    document.getElementById(id).hidden = !visible;
  }

  function setBusy(busy) {
    button.disabled = busy;
    button.setAttribute('aria-busy', busy ? 'true' : 'false');
    spinner.hidden = !busy;
  }

  function showFailure(message) {
    failureReason.textContent = message || config.notCharged;
    failedBox.hidden = false;
    buttonLabel.textContent = config.retryLabel;
    form.hidden = false;
    show('state-waiting', false);
    setBusy(false);
    failedBox.scrollIntoView({block: 'nearest'});
  }

  function showPaid(label) {
    if (label) {
      document.getElementById('paid-label').textContent = label;
    }
    form.hidden = true;
    show('state-waiting', false);
    show('state-paid', true);
  }

  function showWaiting() {
    form.hidden = true;
    show('state-waiting', true);
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function readStatus() {
    var response = await fetch(config.statusUrl, {cache: 'no-store', headers: {Accept: 'application/json'}});
    return response.json();
  }

  // The order turns paid when Stripe's webhook reaches the server, a moment after the card is charged.
  async function pollUntilSettled() {
    var deadline = Date.now() + POLL_FOR_MS;
    while (Date.now() < deadline) {
      try {
        var status = await readStatus();
        if (PAID_STATES.indexOf(status.state) >= 0) {
          showPaid(status.label);
          return;
        }
        if (status.state === 'failed' || status.state === 'problem') {
          showFailure(status.reason);
          return;
        }
        if (status.state === 'expired' || status.status === 'expired' || status.status === 'unknown') {
          window.location.reload();
          return;
        }
      } catch (err) {
        // A dropped connection while polling is not a failed payment: keep asking.
      }
      await wait(POLL_EVERY_MS);
    }
    showPaid('Your payment is being confirmed; the chat will tell you when the voucher is ready.');
  }

  if (typeof window.Stripe !== 'function') {
    fieldError.textContent = 'The payment form could not load. Check your connection and reload the page.';
    return;
  }

  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var stripe = window.Stripe(config.publishableKey);
  var card = stripe.elements().create('card', {
    style: {
      base: {
        fontSize: '16px',
        color: dark ? '#f3f4f6' : '#1f2430',
        fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
        '::placeholder': {color: dark ? '#9aa3b2' : '#6b7385'}
      },
      invalid: {color: dark ? '#ff8a80' : '#b3261e'}
    }
  });
  card.mount('#card-element');
  card.on('change', function (event) {
    fieldError.textContent = event && event.error ? event.error.message : '';
  });
  button.disabled = false;

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    setBusy(true);
    fieldError.textContent = '';
    var result;
    try {
      var payment = {payment_method: {card: card}};
      var email = document.getElementById('receipt-email').value.trim();
      if (email) {
        payment.receipt_email = email;  // Stripe then emails its own receipt (a gift's buyer asked for one)
      }
      result = await stripe.confirmCardPayment(config.clientSecret, payment);
    } catch (err) {
      result = {error: {message: 'Could not reach the payment service. Please try again.'}};
    }
    if (result.error) {
      showFailure(result.error.message);
      return;
    }
    var status = result.paymentIntent && result.paymentIntent.status;
    if (status === 'succeeded' || status === 'processing' || status === 'requires_capture') {
      failedBox.hidden = true;
      showWaiting();
      pollUntilSettled();
      return;
    }
    showFailure('The payment was not completed. Please try again.');
  });
}());
