"""Follow-up (uppföljning): is each district keeping its agreement, who came, are independent schools
reached, and how do the districts compare.

`indicators.py` defines every indicator once (pure); `queries.py` computes the facts behind them
as set-based SQL aggregates per district, term and meeting form; `services.py` puts the two
together for the district, city and school views, the trend and the drill-downs; `report.py`
writes the committee report (page, PDF, CSV, XLSX).
"""
