"""Consultation hours (konsultationstider): the intake group publishes hours, schools book slots from a signed link."""
