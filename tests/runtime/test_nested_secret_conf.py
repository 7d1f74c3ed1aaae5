"""issue 22: a nested child's run conf (its ``dag_run.conf``: the UI's Dag Run Conf view, the REST
API) never holds a secret of the parent in clear; the child still receives the real values."""

from __future__ import annotations

import json
from types import SimpleNamespace

from attune_provider.actions.masking import contains_secret, remember_secret
from attune_provider.runtime.context import unsealed_parameters
from attune_provider.runtime.secret_values import sealed_child_conf
from attune_provider.store.sealed import is_sealed_text

PASSWORD = "pw-ch1ld-5ecret-41"


def test_fields_made_from_a_secret_are_sealed_and_the_child_unseals_them() -> None:
    raw = {
        "token": "{{ parameters.password }}",
        "header": "Bearer {{ parameters.password | upper }}",  # transformed beyond recognition
        "user": "{{ parameters.user }}",
        "greeting": "hello",
    }
    conf = {"token": PASSWORD, "header": f"Bearer {PASSWORD.upper()}", "user": "eve", "greeting": "hello"}
    sealed = sealed_child_conf(raw, conf, {"password"}, set())
    assert is_sealed_text(sealed["token"]) and is_sealed_text(sealed["header"])
    assert sealed["user"] == "eve" and sealed["greeting"] == "hello"
    assert PASSWORD not in json.dumps(sealed) and PASSWORD.upper() not in json.dumps(sealed)
    # the child declares no secret parameter: it still gets the real values, now known as secrets
    child = SimpleNamespace(workflow=SimpleNamespace(parameters={}))
    assert unsealed_parameters(child, dict(sealed)) == conf
    assert contains_secret(f"Bearer {PASSWORD.upper()}")


def test_a_known_secret_passed_without_a_template_naming_it_is_sealed_too() -> None:
    """No ``input``: the child receives the parent's parameters, secret values among them."""
    remember_secret("kn0wn-5ecret-value-77")
    sealed = sealed_child_conf(None, {"api_key": "kn0wn-5ecret-value-77", "region": "eu"}, set(), set())
    assert is_sealed_text(sealed["api_key"]) and sealed["region"] == "eu"
