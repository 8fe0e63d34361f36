"""Airflow-facing parts of the integration: hooks (connections → clients) and the plugin."""
