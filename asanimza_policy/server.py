"""The HTTP API and the assistant page (``asanimza-policy serve``).

Starlette on uvicorn, from the optional extra ``asanimza-policy[server]``;
they are imported when the app is built, never on the evaluate path.  Every
answer is JSON except the page, its static files, the diagram (SVG) and the
calendar (iCalendar).  Errors are ``{"error", "field", "message"}`` with the
status that :mod:`asanimza_policy.status` gives the exception, so the HTTP
status and the command line's exit code of a failure always agree.
"""
from __future__ import annotations

import hashlib
import json
import logging
import socket
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from .catalog import context_schema, describe, summaries
from .context import parse_date
from .decision import Decision
from .engine import run
from .errors import InvalidContext, PolicyNotFound
from .model import Policy
from .registry import resolve, versions
from .status import HANDLED, status_of

MAX_BODY_BYTES = 64 * 1024
MAX_QUERY_CONTEXT = 8 * 1024
WEB = Path(__file__).resolve().parent / "web"
STATIC = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
# the page and its files come from this server only: nothing from the network
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
EVALUATE_KEYS = ("context", "as_of", "version")
log = logging.getLogger("asanimza_policy.server")


class ServerMissing(RuntimeError):
    """The optional server packages are not installed."""


class NotFound(PolicyNotFound):
    """PolicyNotFound naming what was not found: the id, the version, or a version on that date."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class HTTPError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.field = status, code, field


# -- reading requests ----------------------------------------------------------

def _strict_json(raw: bytes, what: str) -> Any:
    def pairs(items):
        out = {}
        for k, v in items:
            if k in out:
                raise HTTPError(400, "bad_request", f"{what}: duplicate key {k!r}", what)
            out[k] = v
        return out

    def constant(c):
        raise HTTPError(400, "bad_request", f"{what}: {c} is not JSON", what)

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
    except UnicodeDecodeError:
        raise HTTPError(400, "bad_request", f"{what}: not UTF-8 text", what) from None
    except (ValueError, RecursionError) as e:
        raise HTTPError(400, "bad_request", f"{what}: not valid JSON ({e})", what) from None


def _as_of(value: Any) -> date | None:
    return None if value is None or value == "" else parse_date(value, "as_of")


def _version(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidContext(f"version: expected text such as \"1.0.0\"; got {value!r}", "version")
    return value


def _policy(policy_id: str, as_of: Any = None, version: Any = None) -> tuple[Policy, date]:
    """The version to use; ``PolicyNotFound`` names what was not found as its field."""
    try:
        versions(policy_id)
    except PolicyNotFound as e:
        raise NotFound(str(e), "id") from None
    day, ver = _as_of(as_of), _version(version)
    try:
        return resolve(policy_id, day, ver)
    except PolicyNotFound as e:
        raise NotFound(str(e), "version" if ver is not None else "as_of") from None


def _query_context(text: str | None) -> dict:
    if not text:
        return {}
    if len(text) > MAX_QUERY_CONTEXT:
        raise HTTPError(413, "too_large", f"context: longer than {MAX_QUERY_CONTEXT} characters", "context")
    return _strict_json(text.encode("utf-8"), "context")


def etag(policy: Policy, context: Any, as_of: date) -> str:
    """The version's content hash, then a hash of the request's inputs: equal
    tags mean the same version, context and day, so the same decision."""
    inputs = json.dumps([as_of.isoformat(), context], sort_keys=True, ensure_ascii=False, default=str)
    return f'"{policy.sha256[:32]}-{hashlib.sha256(inputs.encode()).hexdigest()[:16]}"'


def evaluate_body(policy_id: str, body: Any) -> tuple[Decision, Policy, str]:
    """Decide what a POST evaluate body asks for."""
    if not isinstance(body, dict):
        raise InvalidContext("body: expected a JSON object {\"context\": {...}, \"as_of\": ..., \"version\": ...}",
                             "body")
    for key in body:
        if key not in EVALUATE_KEYS:
            raise InvalidContext(f"{key}: not a field of the request; expected {', '.join(EVALUATE_KEYS)}", key)
    policy, day = _policy(policy_id, body.get("as_of"), body.get("version"))
    context = body.get("context")
    context = {} if context is None else context
    decision = run(policy, context, day)
    return decision, policy, etag(policy, context, day)


# -- the app ---------------------------------------------------------------------

def create_app(max_body: int = MAX_BODY_BYTES):
    """The ASGI application (Starlette)."""
    try:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route
    except ImportError:
        raise ServerMissing("the server needs its optional packages: pip install 'asanimza-policy[server]'") \
            from None

    def json_response(data: Any, status: int = 200, headers: dict | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return Response(body, status, headers=headers, media_type="application/json")

    def error(status: int, code: str, message: str, field: str | None) -> Response:
        return json_response({"error": code, "field": field, "message": message}, status)

    def guarded(handler: Callable):
        async def endpoint(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPError as e:
                response = error(e.status, e.code, str(e), e.field)
            except HANDLED as e:
                st = status_of(e)
                assert st is not None          # HANDLED lists exactly the exceptions it maps
                message = str(e) if st.http < 500 else "the policy file is broken: " + str(e)
                response = error(st.http, st.code, message, getattr(e, "field", None))
            except Exception:      # a bug of ours: logged for the operator, JSON for the caller
                log.exception("%s %s failed", request.method, request.url.path)
                response = error(500, "internal_error", "the server failed to answer; see its log", None)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            return response
        return endpoint

    async def read_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body:
            raise HTTPError(413, "too_large", f"body: larger than {max_body} bytes", "body")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > max_body:
                raise HTTPError(413, "too_large", f"body: larger than {max_body} bytes", "body")
        return raw

    async def list_policies(request: Request) -> Response:
        return json_response(summaries())

    async def policy_info(request: Request) -> Response:
        q = request.query_params
        policy, _ = _policy(request.path_params["id"], q.get("as_of"), q.get("version"))
        return json_response(describe(policy))

    async def schema_of_context(request: Request) -> Response:
        q = request.query_params
        policy, _ = _policy(request.path_params["id"], q.get("as_of"), q.get("version"))
        return json_response(context_schema(policy), headers={"ETag": f'"{policy.sha256[:32]}"'})

    async def evaluate(request: Request) -> Response:
        raw = await read_body(request)
        if not raw.strip():
            raise HTTPError(400, "bad_request", "body: empty; send {\"context\": {...}}", "body")
        decision, _, tag = evaluate_body(request.path_params["id"], _strict_json(raw, "body"))
        return json_response(decision.to_dict(), headers={"ETag": tag, "Cache-Control": "no-cache"})

    def _from_query(request: Request) -> tuple[Policy, dict, date]:
        q = request.query_params
        policy, day = _policy(request.path_params["id"], q.get("as_of"), q.get("version"))
        return policy, _query_context(q.get("context")), day

    async def diagram(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from . import render

        policy, context, day = _from_query(request)
        walk = render.walk(policy, context, day) if request.query_params.get("context") else None
        try:
            svg = await run_in_threadpool(render.render, policy, "svg", walk)
        except render.DotMissing as e:
            raise HTTPError(503, "unavailable", str(e), None) from None
        return Response(svg, media_type="image/svg+xml", headers={"ETag": etag(policy, context, day)})

    async def calendar(request: Request) -> Response:
        from .ics import to_ics

        policy, context, day = _from_query(request)
        decision = run(policy, context, day)
        name = f"{policy.id}-{day.isoformat()}.ics"
        return Response(to_ics(decision, policy), media_type="text/calendar; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "ETag": etag(policy, context, day)})

    async def openapi(request: Request) -> Response:
        from .openapi import document

        return json_response(document())

    async def page(request: Request) -> Response:
        return Response((WEB / "index.html").read_bytes(), media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            raise HTTPError(404, "not_found", f"no file {name!r}", None)
        return Response((WEB / name).read_bytes(), media_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "not_found", f"no such resource: {request.url.path}", None)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 405)
        return error(status, "method_not_allowed" if status == 405 else "error",
                     f"{request.method} is not allowed on {request.url.path}", None)

    routes = [
        Route("/", guarded(page)),
        Route("/static/{name}", guarded(static)),
        Route("/openapi.json", guarded(openapi)),
        Route("/v1/policies", guarded(list_policies)),
        Route("/v1/policies/{id}", guarded(policy_info)),
        Route("/v1/policies/{id}/context.schema.json", guarded(schema_of_context)),
        Route("/v1/policies/{id}/evaluate", guarded(evaluate), methods=["POST"]),
        Route("/v1/policies/{id}/diagram.svg", guarded(diagram)),
        Route("/v1/policies/{id}/plan.ics", guarded(calendar)),
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_allowed})


def serve(host: str = "127.0.0.1", port: int = 8000, announce: Callable[[str], None] = print) -> None:
    """Serve until interrupted.  The socket is bound here, so a port in use is
    an ``OSError`` for the caller, and port 0 picks a free one (announced)."""
    app = create_app()
    try:
        import uvicorn
    except ImportError:
        raise ServerMissing("the server needs its optional packages: pip install 'asanimza-policy[server]'") \
            from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given explicitly: asyncio turns Nagle off only on sockets that say
    # they are TCP, and with it on every keep-alive answer waits 40 ms for an ACK
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    announce(f"Serving the assistant on http://{shown}:{bound}/ and the API on http://{shown}:{bound}/v1/policies "
             "(Ctrl-C to stop)\n")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])
