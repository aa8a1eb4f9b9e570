"""Minutes (protokoll): life cycle, attendance, action items, the identity-number guard, attachments."""
