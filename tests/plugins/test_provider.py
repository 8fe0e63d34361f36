"""The project is an Airflow provider: `make setup` installs it, Airflow lists its connection types,
draws their forms and wires their Test button to the hooks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import airflow
import jsonschema
import pytest

from include.paths import PROJECT_ROOT
from plugins.netsuite_spp import hooks, provider
from plugins.netsuite_spp.provider import get_provider_info

CONNECTION_TYPES = {
    "netsuite": "plugins.netsuite_spp.hooks.NetSuiteHook",
    "suiteprojects_pro": "plugins.netsuite_spp.hooks.SppHook",
    "spp_odata": "plugins.netsuite_spp.hooks.SppODataHook",
}
AIRFLOW_PACKAGE = Path(airflow.__file__).parent


def _schema(name: str) -> dict[str, Any]:
    return json.loads((AIRFLOW_PACKAGE / name).read_text())


def test_the_provider_info_is_valid_for_airflow() -> None:
    info = get_provider_info()
    jsonschema.validate(info, _schema("provider_info.schema.json"))  # what ProvidersManager checks
    # the stricter development schema of provider.yaml, for the declarative forms
    item = _schema("provider.yaml.schema.json")["properties"]["connection-types"]["items"]
    for conn in info["connection-types"]:
        jsonschema.validate(conn, item)
    assert info["package-name"] == "netsuite-spp-airflow"
    assert {c["connection-type"]: c["hook-class-name"] for c in info["connection-types"]} == CONNECTION_TYPES


def test_each_hook_declares_the_connection_type_it_is_registered_for() -> None:
    for conn_type, class_path in CONNECTION_TYPES.items():
        hook = getattr(hooks, class_path.rsplit(".", 1)[1])
        assert hook.conn_type == conn_type
        assert hook.hook_name == provider.CONNECTION_TYPES[conn_type]["hook-name"]
        # Airflow builds it as hook(**{conn_name_attr: conn_id}); nothing is read before first use
        assert getattr(hook(**{hook.conn_name_attr: "some_conn"}), hook.conn_name_attr) == "some_conn"
        assert getattr(hook(), hook.conn_name_attr) == hook.default_conn_name
        # every required field is a field of the form (or a standard one), so errors name what to fill
        fields = set(provider.CONNECTION_TYPES[conn_type]["conn-fields"]) | {"host", "login", "password"}
        assert set(hook.required_fields) <= fields


def test_make_setup_installed_the_project_in_editable_mode_without_shadowing_it() -> None:
    dist = metadata.distribution("netsuite-spp-airflow")
    (entry_point,) = [e for e in dist.entry_points if e.group == "apache_airflow_provider"]
    assert entry_point.load() is get_provider_info
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    assert direct_url["dir_info"] == {"editable": True}
    assert Path(direct_url["url"].removeprefix("file://")).resolve() == PROJECT_ROOT.resolve()
    # without PYTHONPATH (the .pth of the editable install) the same working-tree files are imported
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "import include, operators, plugins.netsuite_spp.provider as p, dags, json; "
        "print(json.dumps([include.__file__, operators.__file__, p.__file__, dags.__file__]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for path in json.loads(out.stdout):
        assert Path(path).resolve().is_relative_to(PROJECT_ROOT.resolve()), path


def test_airflow_providers_hooks_lists_the_three_connection_types(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("AIRFLOW")}
    env |= {"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow_cli = Path(sys.executable).parent / "airflow"
    proc = subprocess.run(
        [str(airflow_cli), "providers", "hooks", "--output", "json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    listed = {h["connection_type"]: h for h in json.loads(proc.stdout)}
    for conn_type, class_path in CONNECTION_TYPES.items():
        assert listed[conn_type]["class"] == class_path
        assert listed[conn_type]["package_name"] == "netsuite-spp-airflow"
    assert listed["netsuite"]["hook_name"] == "NetSuite SuiteTalk (TBA)"
    assert listed["suiteprojects_pro"]["hook_name"] == "SuiteProjects Pro XML API"
    assert listed["spp_odata"]["hook_name"] == "SuiteProjects Pro OData (published reports)"


@pytest.fixture(scope="module")
def hook_meta() -> dict[str, Any]:
    """What the UI's connection form reads (GET /ui/connections/hook_meta), by connection type."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    return {m.connection_type: m.model_dump() for m in HookMetaService.hook_meta_data()}


def test_the_netsuite_form_has_typed_fields_and_defaults_to_wsdl_2025_2(hook_meta: dict[str, Any]) -> None:
    form = hook_meta["netsuite"]
    extra = form["extra_fields"]
    assert list(extra) == [
        "account",
        "consumer_key",
        "consumer_secret",
        "token_id",
        "token_secret",
        "wsdl_version",
        "endpoint",
        "wsdl_url",
    ]
    assert extra["wsdl_version"]["value"] == "2025_2"
    assert extra["wsdl_version"]["schema"]["enum"] == ["2025_2", "2023_2"]
    for secret in ("consumer_secret", "token_secret"):
        assert extra[secret]["schema"]["format"] == "password"
    assert extra["account"]["schema"]["title"] == "Account ID"
    standard = form["standard_fields"]
    for name in ("host", "port", "login", "password", "url_schema"):
        assert standard[name]["hidden"], name


def test_the_spp_forms_relabel_the_standard_fields(hook_meta: dict[str, Any]) -> None:
    spp = hook_meta["suiteprojects_pro"]
    assert spp["standard_fields"]["host"]["title"] == "Base URL"
    assert spp["standard_fields"]["host"]["placeholder"].startswith("https://")
    assert spp["standard_fields"]["login"]["title"] == "User ID"
    assert spp["standard_fields"]["port"]["hidden"]
    assert spp["extra_fields"]["api_key"]["schema"]["format"] == "password"
    assert list(spp["extra_fields"]) == ["company", "api_namespace", "api_key"]
    odata = hook_meta["spp_odata"]
    assert odata["standard_fields"]["login"]["title"] == "Company\\User"
    assert odata["standard_fields"]["login"]["placeholder"] == "YourCompany\\integration.user"
    assert odata["extra_fields"]["collection"]["schema"]["enum"] == ["reports", "listviews"]


def test_the_test_button_reaches_the_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow's connection test (UI/API) builds the hook of the connection's type and calls it."""
    from airflow.models.connection import Connection
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    for conn_type in CONNECTION_TYPES:
        assert ProvidersManagerTaskRuntime().hooks[conn_type].connection_testable, conn_type
    conn = Connection(
        conn_id="button_test", conn_type="netsuite", extra=json.dumps({"account": "1", "token_id": "t"})
    )
    # as POST /api/v2/connections/test does: the connection to test is put in the environment
    monkeypatch.setenv("AIRFLOW_CONN_BUTTON_TEST", conn.get_uri())
    assert isinstance(conn.get_hook(), hooks.NetSuiteHook)
    ok, message = conn.test_connection()
    assert not ok
    assert "'button_test'" in message and "(consumer_key)" in message and "(token_secret)" in message


def test_the_plugin_loader_skips_the_package_but_would_load_a_plugin_file(tmp_path: Path) -> None:
    """Airflow's plugin loader would import each module here again under a bare name (`hooks`)."""
    from airflow import plugins_manager

    before = set(sys.modules)
    plugins, errors = plugins_manager._load_plugins_from_plugin_directory(str(PROJECT_ROOT / "plugins"))
    assert (plugins, errors) == ([], {})
    assert not {"hooks", "provider", "notifications", "__init__"} & (set(sys.modules) - before)

    folder = tmp_path / "plugins"
    shutil.copytree(PROJECT_ROOT / "plugins", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "sync_console.py").write_text(
        "from airflow.plugins_manager import AirflowPlugin\n\n\n"
        "class SyncConsole(AirflowPlugin):\n    name = 'sync_console'\n"
    )
    plugins, errors = plugins_manager._load_plugins_from_plugin_directory(str(folder))
    assert [p.name for p in plugins] == ["sync_console"] and errors == {}
    sys.modules.pop("sync_console", None)
