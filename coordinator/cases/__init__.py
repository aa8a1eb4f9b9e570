"""Case-level meetings booked one at a time: report meetings (anmälningsmöten) after a school's report of concern.

`models.py` the report table, `deadlines.py` and `proposals.py` the pure rules of the legal clock
and of free times, `services.py` the use cases, `sweeps.py` the intake group's reminders and
`erasure.py` the erasure of external reporters, `views.py` the intake officer's pages.
"""
