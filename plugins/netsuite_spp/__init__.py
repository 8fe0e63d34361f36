"""Airflow-facing parts of the integration: the hooks (connections → clients), the provider
declaration of their connection types and forms, and the failure notifications."""
