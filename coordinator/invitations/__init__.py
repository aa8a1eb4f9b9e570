"""Invitations: the calendar messages, RSVP, deputies, calendar replies and subscription feeds."""
