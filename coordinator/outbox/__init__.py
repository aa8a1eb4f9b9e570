"""The outbox: mail that must leave, and the transports that carry it."""
