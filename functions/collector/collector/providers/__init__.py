"""One adapter per mail provider: pure conversions from the provider's payload to a Delivery."""
