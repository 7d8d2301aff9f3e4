"""Deterministic generator of Salesforce-shaped demo data for the revenue_funnel project.

The raw-table contract (table and column names, order and abstract types) is read at run
time from ``models/staging/salesforce/_salesforce__sources.yml``; the business simulation
lives in :mod:`demo_data.model`, the injected data-quality problems in :mod:`demo_data.dirt`
and the output sinks (DuckDB, Parquet, CSV) in :mod:`demo_data.writer`.
"""

__all__ = ["__version__"]

__version__ = "1.0.0"
