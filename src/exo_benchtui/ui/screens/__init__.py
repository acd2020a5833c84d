"""Screens of the app: main, run detail, help, series picker, problems, kiosk."""
