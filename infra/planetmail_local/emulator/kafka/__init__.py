"""Kafka event-source mappings with AWS Lambda's rules (MSK and self-managed Kafka)."""
