"""The HTTP API, against the real server (`asanimza-policy serve`) on loopback."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from urllib.parse import quote

import jsonschema
import pytest

import asanimza_policy as ap
from asanimza_policy import registry

from .conftest import ROOT
from .serving import call, running_server

FIXTURES = Path(__file__).parent / "fixtures" / "policies"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AS_OF = "2026-11-24"
EVALUATE = "/v1/policies/asan-imza-renewal/evaluate"


@pytest.fixture(scope="module")
def base():
    with running_server({"ASANIMZA_POLICY_PATH": str(FIXTURES)}) as url:
        yield url


def get_json(url: str):
    status, headers, body = call(url)
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(body)


def post(base: str, body, path: str = EVALUATE):
    status, headers, raw = call(base + path, body)
    return status, {k.lower(): v for k, v in headers.items()}, json.loads(raw)


def _yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_lists_policies_with_versions_and_the_one_in_effect(base):
    status, headers, body = get_json(base + "/v1/policies")
    assert status == 200 and headers["content-type"].startswith("application/json")
    by_id = {p["id"]: p for p in body}
    assert by_id["asan-imza-renewal"]["versions"] == ["1.0.0", "1.1.0"]
    assert by_id["asan-imza-renewal"]["in_effect"] == "1.1.0"      # from 2026-11-25 on
    assert by_id["library-card"]["versions"] == ["1.0.0", "1.1.0"]
    assert [(v["effective_from"], v["effective_until"]) for v in by_id["library-card"]["history"]] == [
        ("2026-01-01", "2026-06-30"), ("2026-07-01", None)]


def test_policy_inputs_with_types_choices_and_questions(base):
    status, _, body = get_json(base + "/v1/policies/asan-imza-renewal")
    assert status == 200
    inputs = {i["field"]: i for i in body["inputs"]}
    assert list(inputs)[0] == "channel"
    assert inputs["channel"]["type"] == "enum"
    assert inputs["channel"]["choices"][0] == {"value": "office", "label": "At an Azercell Exclusive office"}
    assert inputs["certificate_expires_on"]["type"] == "date" and inputs["certificate_expires_on"]["choices"] is None
    assert inputs["appears_in_person"]["question"] == "Can you come to the office in person?"
    # a question that names the policy's dates reads, before anything is known, without them
    assert inputs["online_renewal_submitted"]["question"] == (
        "Have you already filled out, signed and sent the extension application on e-taxes.gov.az?")
    assert inputs["sms_sent_on"]["optional"] is True and inputs["channel"]["optional"] is False
    lib = get_json(base + "/v1/policies/library-card?version=1.0.0")[2]
    assert lib["version"] == "1.0.0" and {i["type"] for i in lib["inputs"]} >= {"integer", "date", "boolean"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_evaluate_returns_exactly_the_python_decision(base, example):
    context = _yaml(example)
    status, headers, body = post(base, {"context": json.loads(json.dumps(context, default=str)), "as_of": AS_OF})
    assert status == 200
    assert body == ap.evaluate("asan-imza-renewal", context, as_of=date(2026, 11, 24)).to_dict()


def test_etag_follows_the_version_and_the_inputs(base):
    policy = registry.versions("asan-imza-renewal")[0]
    _, h1, _ = post(base, {"context": {"channel": "office"}, "as_of": AS_OF})
    _, h2, _ = post(base, {"context": {"channel": "office"}, "as_of": AS_OF, "version": "1.0.0"})
    _, h3, _ = post(base, {"context": {"channel": "sms"}, "as_of": AS_OF})
    _, h4, _ = post(base, {"context": {"channel": "office"}, "as_of": "2026-11-25"})
    assert h1["etag"].startswith('"' + policy.sha256[:32])
    assert h1["etag"] == h2["etag"]
    assert len({h1["etag"], h3["etag"], h4["etag"]}) == 3


@pytest.mark.parametrize("body, field, words", [
    ({"context": {"channel": "fax"}}, "channel", "expected one of office, sms; got 'fax'"),
    ({"context": {"chanel": "sms"}}, "chanel", "did you mean 'channel'?"),
    ({"context": {"certificate_expires_on": "2026-02-30"}}, "certificate_expires_on", "not a real date"),
    ({"context": {}, "as_of": "24.11.2026"}, "as_of", "expected a date YYYY-MM-DD"),
    ({"context": ["channel"]}, None, "context must be a mapping"),
    ({"context": {}, "when": AS_OF}, "when", "not a field of the request"),
    ({"context": {}, "version": 1}, "version", "expected text"),
    (["channel"], "body", "expected a JSON object"),
])
def test_bad_input_is_422_naming_the_field(base, body, field, words):
    status, _, err = post(base, body)
    assert status == 422
    assert err["error"] == "invalid_input" and err["field"] == field and words in err["message"]


@pytest.mark.parametrize("path, body, field", [
    ("/v1/policies/no-such-policy/evaluate", {"context": {}}, "id"),
    (EVALUATE, {"context": {}, "version": "9.9.9"}, "version"),
    (EVALUATE, {"context": {}, "as_of": "2020-01-01"}, "as_of"),
])
def test_unknown_policy_version_or_date_is_404(base, path, body, field):
    status, _, err = post(base, body, path)
    assert (status, err["error"], err["field"]) == (404, "not_found", field)


def test_malformed_requests_get_json_errors(base):
    assert call(base + EVALUATE, '{"context": {')[0] == 400
    status, _, raw = call(base + EVALUATE, '{"context": {}, "context": {"channel": "sms"}}')
    assert status == 400 and "duplicate key 'context'" in json.loads(raw)["message"]
    status, _, raw = call(base + EVALUATE, b"{" + b" " * 70_000 + b"}")
    assert status == 413 and json.loads(raw)["field"] == "body"
    status, _, raw = call(base + EVALUATE, method="GET")
    assert status == 405 and json.loads(raw)["error"] == "method_not_allowed"
    status, _, raw = call(base + "/v2/nothing")
    assert status == 404 and json.loads(raw)["error"] == "not_found"
    status, _, raw = call(base + "/v1/policies/no-such-policy")
    assert status == 404 and json.loads(raw)["field"] == "id"


def test_context_schema_is_the_contract_of_the_context(base):
    status, _, schema = get_json(base + "/v1/policies/asan-imza-renewal/context.schema.json")
    assert status == 200
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    for example in EXAMPLES:
        ctx = json.loads(json.dumps(_yaml(example), default=str))
        assert not list(v.iter_errors(ctx)), example.name
    assert not list(v.iter_errors({"channel": None}))           # null is the same as absent
    for bad in ({"channel": "fax"}, {"chanel": "sms"}, {"appears_in_person": "yes"},
                {"certificate_expires_on": "1 Dec 2026"}):
        assert list(v.iter_errors(bad)), bad
        with pytest.raises(ap.InvalidContext):
            ap.evaluate("asan-imza-renewal", bad, as_of=date(2026, 11, 24))
    cli = subprocess.run([sys.executable, "-m", "asanimza_policy", "context-schema", "asan-imza-renewal"],
                         capture_output=True, text=True, cwd=ROOT)
    assert cli.returncode == 0 and json.loads(cli.stdout) == schema


def test_context_schema_of_a_chosen_version(base):
    _, _, old = get_json(base + "/v1/policies/library-card/context.schema.json?version=1.0.0")
    _, _, dated = get_json(base + "/v1/policies/library-card/context.schema.json?as_of=2026-03-01")
    assert old == dated and old["$id"].endswith(":1.0.0:context")
    cli = subprocess.run([sys.executable, "-m", "asanimza_policy", "context-schema", "library-card", "--version",
                          "1.0.0"], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "ASANIMZA_POLICY_PATH": str(FIXTURES)})
    assert cli.returncode == 0 and json.loads(cli.stdout) == old
    ages = old["properties"]["age"]
    assert ages["type"] == ["integer", "null"] and ages["title"] == "How old are you?"
    assert get_json(base + "/v1/policies/library-card/context.schema.json?version=7.0.0")[0] == 404


def test_openapi_lists_every_endpoint_and_uses_the_decision_schema_file(base):
    status, _, doc = get_json(base + "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    assert {"/v1/policies", "/v1/policies/{id}", "/v1/policies/{id}/evaluate", "/v1/policies/{id}/diagram.svg",
            "/v1/policies/{id}/context.schema.json", "/openapi.json", "/"} <= set(doc["paths"])
    on_disk = json.loads((ROOT / "schema" / "decision.schema.json").read_text(encoding="utf-8"))
    assert doc["components"]["schemas"]["Decision"] == on_disk
    ok = doc["paths"]["/v1/policies/{id}/evaluate"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Decision"}


def test_calendar_matches_evaluate_format_ics(base, tmp_path):
    ctx = {"channel": "sms", "certificate_expires_on": "2026-12-01", "online_renewal_submitted": False,
           "service_type": "business", "current_service_type": "citizen", "balance_covers_tariff": False}
    status, headers, body = call(base + f"/v1/policies/asan-imza-renewal/plan.ics?as_of={AS_OF}"
                                        f"&context={quote(json.dumps(ctx))}")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    assert "attachment" in headers["content-disposition"]
    f = tmp_path / "ctx.json"
    f.write_text(json.dumps(ctx), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", "asan-imza-renewal", "--context",
                          str(f), "--as-of", AS_OF, "--format", "ics"], capture_output=True, cwd=ROOT)
    assert cli.returncode == 0 and cli.stdout == body
    text = body.decode()
    # the day the online window opens, and the first day for the SMS
    assert "DTSTART;VALUE=DATE:20261102" in text and "DTSTART;VALUE=DATE:20261202" in text


def test_diagram_highlights_the_walked_path(base):
    pytest.importorskip("asanimza_policy.render")
    plain = call(base + "/v1/policies/asan-imza-renewal/diagram.svg")
    ctx = quote(json.dumps({"channel": "office", "subscriber_type": "individual"}))
    walked = call(base + f"/v1/policies/asan-imza-renewal/diagram.svg?as_of={AS_OF}&context={ctx}")
    assert plain[0] == walked[0] == 200
    assert {k.lower(): v for k, v in walked[1].items()}["content-type"].startswith("image/svg+xml")
    assert b"<svg" in walked[2] and walked[2] != plain[2]
    bad = call(base + f"/v1/policies/asan-imza-renewal/diagram.svg?context={quote(json.dumps({'channel': 'x'}))}")
    assert bad[0] == 422 and json.loads(bad[2])["field"] == "channel"


def test_page_and_its_files_come_from_the_server_only(base):
    status, headers, body = call(base + "/")
    headers = {k.lower(): v for k, v in headers.items()}
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in headers["content-security-policy"]
    assert b"http://" not in body and b"https://" not in body
    for name in ("app.js", "style.css"):
        status, _, text = call(base + f"/static/{name}")
        assert status == 200 and b"http://" not in text and b"https://" not in text
    assert call(base + "/static/../server.py")[0] == 404


def test_serve_binds_to_loopback_by_default():
    from asanimza_policy.cli import _parser

    assert _parser().parse_args(["serve"]).host == "127.0.0.1"


def test_port_in_use_exits_2_with_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "asanimza_policy", "serve", "--port", str(port)],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 2
    assert r.stderr.startswith(f"asanimza-policy: cannot listen on 127.0.0.1:{port}:")
    assert len(r.stderr.strip().splitlines()) == 1


def test_serve_without_the_server_extra_says_how_to_get_it(tmp_path):
    fake = tmp_path / "starlette"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "asanimza_policy", "serve", "--port", "0"], capture_output=True,
                       text=True, cwd=ROOT, env=env, timeout=60)
    assert r.returncode == 2 and "pip install 'asanimza-policy[server]'" in r.stderr


def test_evaluate_never_imports_the_server_stack():
    code = textwrap.dedent("""
        import sys
        from asanimza_policy.cli import main
        main(["evaluate", "asan-imza-renewal", "--as-of", "2026-11-24", "--format", "json"])
        import asanimza_policy as ap
        ap.evaluate("asan-imza-renewal", {"channel": "office"})
        loaded = [m for m in ("starlette", "uvicorn", "fastapi", "anyio", "jsonschema") if m in sys.modules]
        print(loaded, file=sys.stderr)
        sys.exit(1 if loaded else 0)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr


def test_served_connections_turn_nagle_off(monkeypatch):
    """asyncio sets TCP_NODELAY only on sockets created as TCP; without it every
    keep-alive answer (headers, then body) waited 40 ms for a delayed ACK."""
    import uvicorn

    from asanimza_policy import server

    seen = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.extend(sockets))
    server.serve("127.0.0.1", 0, announce=lambda line: None)
    [sock] = seen
    try:
        assert sock.proto == socket.IPPROTO_TCP
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.proto == socket.IPPROTO_TCP
        accepted.close()
        client.close()
    finally:
        sock.close()


def test_one_table_gives_the_http_status_and_the_exit_code(policy_copy, tmp_path):
    """A broken policy file: 500 over HTTP, exit 1 on the command line; bad input: 422 and 2; unknown: 404 and 2."""
    from asanimza_policy.status import status_of

    policy_copy(("start: channel", "start: nowhere"))
    env = {"ASANIMZA_POLICY_PATH": str(tmp_path)}
    with running_server(env) as url:
        status, _, raw = call(url + EVALUATE, {"context": {}})
        listed = {p["id"]: p for p in json.loads(call(url + "/v1/policies")[2])}
    assert listed["asan-imza-renewal"]["versions"] == [] and "nowhere" in listed["asan-imza-renewal"]["error"]
    err = json.loads(raw)
    assert (status, err["error"]) == (500, "policy_error") and "nowhere" in err["message"]
    cli = subprocess.run([sys.executable, "-m", "asanimza_policy", "evaluate", "asan-imza-renewal"],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env})
    assert cli.returncode == 1 and "nowhere" in cli.stderr
    assert (status_of(ap.InvalidContext("x")).http, status_of(ap.InvalidContext("x")).exit) == (422, 2)
    assert (status_of(ap.PolicyNotFound("x")).http, status_of(ap.PolicyNotFound("x")).exit) == (404, 2)
    assert status_of(ValueError("x")) is None
