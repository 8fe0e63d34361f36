"""The project as an Airflow provider: its connection types and their forms.

Airflow's ProvidersManager finds :func:`get_provider_info` through the ``apache_airflow_provider``
entry point of the installed distribution ``netsuite-spp-airflow`` (``make setup`` installs the
project in editable mode; the entry point is declared in ``pyproject.toml``). From it Airflow knows
the three connection types, which hook serves each (``airflow providers hooks``), and how to draw
their forms in Admin → Connections.

Airflow 3.2+ draws connection forms from this declaration (``conn-fields``, ``ui-field-behaviour``),
without importing the hooks; the hooks' ``get_connection_form_widgets()`` /
``get_ui_field_behaviour()`` methods are deprecated since 3.2 and need wtforms, which Airflow 3
without the FAB provider does not install. So the forms are declared here only, once, and the hooks
read the same table for the fields they require.

Every ``conn-fields`` entry is stored in the connection's *Extra* under its own key (``account``,
``api_key``...), the keys ``include/config/connections.json`` has always used. Placeholders apply to
the standard fields only: Airflow 3's form draws the extra fields from their JSON schema, so their
examples are in their descriptions.

This module is imported by Airflow at start-up in every component: standard library only, no
import that could fail.
"""

from __future__ import annotations

import copy
from typing import Any

PACKAGE_NAME = "netsuite-spp-airflow"
HOOKS_MODULE = "plugins.netsuite_spp.hooks"

NETSUITE = "netsuite"
SUITEPROJECTS_PRO = "suiteprojects_pro"
SPP_ODATA = "spp_odata"

NETSUITE_WSDL_VERSIONS = ("2025_2", "2023_2")
NETSUITE_DEFAULT_WSDL_VERSION = NETSUITE_WSDL_VERSIONS[0]
ODATA_COLLECTIONS = ("reports", "listviews")


def _text(label: str, description: str | None = None, *, secret: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"]}
    if secret:
        schema["format"] = "password"
    field: dict[str, Any] = {"label": label, "schema": schema}
    if description:
        field["description"] = description
    return field


def _choice(label: str, values: tuple[str, ...], description: str) -> dict[str, Any]:
    return {
        "label": label,
        "schema": {"type": ["string", "null"], "enum": list(values), "default": values[0]},
        "description": description,
    }


CONNECTION_TYPES: dict[str, dict[str, Any]] = {
    NETSUITE: {
        "hook-class-name": f"{HOOKS_MODULE}.NetSuiteHook",
        "hook-name": "NetSuite SuiteTalk (TBA)",
        "connection-type": NETSUITE,
        "conn-fields": {
            "account": _text("Account ID", "As NetSuite shows it: 1234567, or 1234567_SB1 for a sandbox."),
            "consumer_key": _text("Consumer key", "Of the integration record (token-based authentication)."),
            "consumer_secret": _text("Consumer secret", secret=True),
            "token_id": _text("Token ID", "Of the access token of the integration user and role."),
            "token_secret": _text("Token secret", secret=True),
            "wsdl_version": _choice(
                "WSDL version",
                NETSUITE_WSDL_VERSIONS,
                "SuiteTalk SOAP version; the endpoint's NetSuitePort_<version> must match it.",
            ),
            "endpoint": _text(
                "SOAP endpoint (optional)",
                "Default: https://<account>.suitetalk.api.netsuite.com/services/NetSuitePort_<version>. "
                "A URL without a path (a proxy, the local service http://127.0.0.1:8701) gets "
                "/services/NetSuitePort_<version> appended.",
            ),
            "wsdl_url": _text(
                "WSDL URL (optional)", "Default: /wsdl/v<version>_0/netsuite.wsdl on the endpoint's host."
            ),
        },
        "ui-field-behaviour": {
            # every value has its own typed field below; the standard ones would only mislead
            "hidden-fields": ["host", "schema", "port", "login", "password", "extra"],
            "relabeling": {},
            "placeholders": {},
        },
    },
    SUITEPROJECTS_PRO: {
        "hook-class-name": f"{HOOKS_MODULE}.SppHook",
        "hook-name": "SuiteProjects Pro XML API",
        "connection-type": SUITEPROJECTS_PRO,
        "conn-fields": {
            "company": _text("Company ID", "The company id entered at SuiteProjects Pro's login."),
            "api_namespace": _text(
                "API namespace", "Issued by SuiteProjects Pro Support with the API key (often: default)."
            ),
            "api_key": _text("API key", secret=True),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "extra"],
            "relabeling": {"host": "Base URL", "login": "User ID", "password": "Password"},
            "placeholders": {
                "host": "https://yourcompany.app.netsuitesuiteprojectspro.com",
                "login": "the integration user's login name",
            },
        },
    },
    SPP_ODATA: {
        "hook-class-name": f"{HOOKS_MODULE}.SppODataHook",
        "hook-name": "SuiteProjects Pro OData (published reports)",
        "connection-type": SPP_ODATA,
        "conn-fields": {
            "collection": _choice(
                "Collection",
                ODATA_COLLECTIONS,
                "Published reports or published list views: the service root is "
                "<base URL>/odata/v4/<collection>.",
            ),
        },
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "extra"],
            "relabeling": {"host": "Base URL", "login": "Company\\User", "password": "Password"},
            "placeholders": {
                "host": "https://yourcompany.app.netsuitesuiteprojectspro.com",
                "login": "YourCompany\\integration.user",
            },
        },
    },
}


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads (``apache_airflow_provider`` entry point)."""
    return {
        "package-name": PACKAGE_NAME,
        "name": "NetSuite <> SuiteProjects Pro",
        "description": "Hooks and connection types of the NetSuite <> SuiteProjects Pro integration.",
        "integrations": [
            {
                "integration-name": "NetSuite",
                "external-doc-url": "https://docs.oracle.com/en/cloud/saas/netsuite/",
            },
            {
                "integration-name": "SuiteProjects Pro",
                "external-doc-url": "https://docs.oracle.com/en/cloud/saas/netsuite-suiteprojects-pro/",
            },
        ],
        "hooks": [
            {"integration-name": "NetSuite", "python-modules": [HOOKS_MODULE]},
            {"integration-name": "SuiteProjects Pro", "python-modules": [HOOKS_MODULE]},
        ],
        "connection-types": copy.deepcopy(list(CONNECTION_TYPES.values())),
    }
