"""Reminders: pure rules for what is due at a moment, and queueing them into the outbox."""
