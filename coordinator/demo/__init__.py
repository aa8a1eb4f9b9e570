"""The fictional demo municipality: its data (data.py), loading it (loader.py) with the history of its
districts (history.py, meetings.py, habits.py), and `coordinator demo` (cli.py)."""
from coordinator.demo.loader import load_demo

__all__ = ["load_demo"]
