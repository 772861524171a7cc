"""Fixtures shared by every test directory (each directory keeps its own in
its own conftest.py)."""
