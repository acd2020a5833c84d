"""Widgets of the dashboard: status line, summary cards, chart panes, runs table."""
