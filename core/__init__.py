"""voucherbot's channel-agnostic checkout core: standard library only."""
