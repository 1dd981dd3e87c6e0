"""Web pages served beside the bots: the card checkout (and its Stripe webhook)."""
