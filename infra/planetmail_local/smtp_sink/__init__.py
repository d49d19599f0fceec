"""Local SMTP sink: aiosmtpd keeps every message as .eml; a small web viewer and JSON API show them."""
