"""Shared UI building blocks reused by every page (export, and later KPI cards, filter bar …)."""
