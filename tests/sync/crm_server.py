"""A real threaded HTTP CRM on 127.0.0.1 for the sync tests and the sync benchmark.

It stores what it receives, upserts by external id, replays the answer of an
``Idempotency-Key`` it has already committed (as Stripe-style APIs do), counts any
record-version applied twice by distinct requests (``duplicates``), and injects faults
on command: 500s, 429 with Retry-After, slow answers past the client's timeout, the
connection dropped after the server committed, and 400s for bad records in a batch.
It speaks the shelfscan webhook (``POST /hook``), OAuth2 client credentials
(``POST /oauth/token``) and the Salesforce sObject Collections upsert
(``PATCH /services/data/vXX.X/composite/sobjects/{Object}/{Field}``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote

FAULTS = ("500", "429", "slow", "drop")


@dataclass
class CrmState:
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook store
    sobjects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # Salesforce
    applied: Counter[tuple[str, int]] = field(default_factory=Counter)
    idem: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: deque[str] = field(default_factory=deque)  # scripted, consumed in order
    fault_rate: float = 0.0  # random faults among FAULTS on data requests
    fault_kinds: tuple[str, ...] = FAULTS
    slow_s: float = 0.5
    retry_after: str = "0"
    detail: str = (
        "named"  # 400s name the bad records ("named"), say nothing ("none"), or lie ("wrong")
    )
    echo_auth: bool = False  # careless API: error texts quote the Authorization header
    token: str | None = None  # bearer token the data endpoints require
    client_secret: str | None = None  # OAuth2: the secret the token endpoint requires
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    expires_in: int = 3600
    injected: Counter[str] = field(default_factory=Counter)
    replays: int = 0  # requests answered from the idempotency cache
    redirect: int | None = None  # answer data requests with this 3xx to an HTML page
    html_ok: bool = False  # answer data requests 200 with an HTML page (a wrong URL)
    poison: set[str] = field(default_factory=set)  # external ids whose batch always gets a 500
    conflict_in_flight: bool = False  # 409 "request in progress" for a key being processed
    in_flight: set[str] = field(default_factory=set)
    lenient: bool = False  # a fixed server: accepts what it refused before (cache aside)
    retracted: set[str] = field(default_factory=set)  # external ids deleted by a retraction
    token_extra: str = ""  # appended to issued access tokens (e.g. "/x+y=" to test escaping)
    echo_forms: bool = False  # error texts echo the token JSON-escaped, URL-encoded, base64

    @property
    def duplicates(self) -> int:
        return sum(c - 1 for c in self.applied.values() if c > 1)


class CrmServer:
    """``with CrmServer() as crm: ... crm.url ...``"""

    def __init__(self, seed: int = 0) -> None:
        self.state = CrmState()
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        handler = type("Handler", (_Handler,), {"crm": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> CrmServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def next_fault(self) -> str | None:
        with self.lock:
            if self.state.faults:
                fault: str | None = self.state.faults.popleft()
            elif self.state.fault_rate and self.rng.random() < self.state.fault_rate:
                fault = self.rng.choice(self.state.fault_kinds)
            else:
                fault = None
            if fault == "none":  # a scripted pass: lets a fault land on a later request
                return None
            if fault:
                self.state.injected[fault] += 1
            return fault


def validate_record(rec: dict[str, Any], lenient: bool = False) -> str | None:
    data = rec.get("data")
    if isinstance(data, dict) and data.get("retracted") and data.get("value") is None:
        return None
    if lenient:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("value"), int | float):
        return "data.value must be a number"
    if not rec.get("external_id") or not isinstance(rec.get("version"), int):
        return "external_id and version are required"
    return None


class _Handler(BaseHTTPRequestHandler):
    crm: CrmServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> bytes:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        return data

    def _html(self, status: int) -> None:
        data = b"<!doctype html><html><body>Welcome to our new site</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_GET(self) -> None:
        self._handle("GET")

    def _handle(self, method: str) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        st = self.crm.state
        with self.crm.lock:
            st.requests.append(
                {
                    "method": method,
                    "path": self.path,
                    "key": self.headers.get("Idempotency-Key"),
                    "auth": self.headers.get("Authorization"),
                }
            )
        if self.path == "/oauth/token":
            self._token(raw)
            return
        if self.path == "/landing":
            self._html(200)
            return
        if st.redirect and method != "GET":
            self.send_response(st.redirect)
            self.send_header("Location", f"{self.crm.url}/landing")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if st.html_ok:
            self._html(200)
            return
        if st.token is not None or st.issued:
            auth = self.headers.get("Authorization", "")
            tokens = ([st.token] if st.token else []) + [
                t for t in st.issued if t not in st.revoked
            ]
            valid = {f"Bearer {t}" for t in tokens}
            if auth not in valid:
                self._reply(401, [{"errorCode": "INVALID_SESSION_ID"}])
                return
        fault = self.crm.next_fault()
        if fault == "500":
            self._reply(500, {"error": "internal error"})
            return
        if fault == "503":
            self._reply(503, {"error": "service unavailable"})
            return
        if fault == "429":
            self._reply(429, {"error": "slow down"}, {"Retry-After": st.retry_after})
            return
        key = self.headers.get("Idempotency-Key") or ""
        with self.crm.lock:
            busy = st.conflict_in_flight and key in st.in_flight
            if not busy and key:
                st.in_flight.add(key)
        if busy:
            self._reply(409, {"error": "a request with this Idempotency-Key is in progress"})
            return
        try:
            if fault == "slow":
                time.sleep(st.slow_s)  # the client gives up; the server still commits
            status, body = self._commit(method, raw)
        finally:
            with self.crm.lock:
                st.in_flight.discard(key)
        if fault == "drop":
            self.close_connection = True  # committed, but the answer never leaves
            return
        with contextlib.suppress(OSError):
            self._reply(status, body)

    def _commit(self, method: str, raw: bytes) -> tuple[int, Any]:
        if method == "GET" and "/query?q=" in self.path:
            return self._query()
        key = self.headers.get("Idempotency-Key")
        digest = hashlib.sha256(raw).hexdigest()
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"error": "malformed JSON"}
        with self.crm.lock:
            # Salesforce ignores Idempotency-Key: a ContentVersion POST is always a create.
            cacheable = not self.path.endswith("/sobjects/ContentVersion")
            if key and cacheable and key in self.crm.state.idem:
                seen, first_status, first_answer = self.crm.state.idem[key]
                if seen != digest:
                    return 422, {"error": "Idempotency-Key reused with another body"}
                self.crm.state.replays += 1
                return first_status, json.loads(first_answer)
            if self.path == "/hook" and method == "POST":
                status, answer = self._hook(body)
            elif "/composite/sobjects/" in self.path and method == "PATCH":
                status, answer = self._collection(body)
            elif self.path.endswith("/sobjects/ContentVersion") and method == "POST":
                status, answer = self._content(body)
            else:
                status, answer = 404, {"error": f"no route {method} {self.path}"}
            if key and cacheable and status < 500:
                self.crm.state.idem[key] = (digest, status, json.dumps(answer).encode())
            return status, answer

    def _hook(self, body: dict[str, Any]) -> tuple[int, Any]:
        st = self.crm.state
        if body.get("schema") != "shelfscan.webhook/v1":
            return 400, {"error": "unknown schema"}
        records = body.get("records", [])
        if st.poison & {r.get("external_id") for r in records}:
            return 500, {"error": "internal error: cannot apply record"}
        bad = {r.get("external_id"): validate_record(r, st.lenient) for r in records}
        bad = {k: v for k, v in bad.items() if v}
        if st.echo_auth:
            bad = {k: f"{v} (request {self.headers.get('Authorization')})" for k, v in bad.items()}
        if st.echo_forms:
            header = self.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ")
            forms = (
                json.dumps({"t": token}).replace("/", "\\/")  # as PHP's json_encode writes it
                + " "
                + quote(token, safe="")
                + " "
                + base64.b64encode(header.encode()).decode()
            )
            bad = {k: f"{v} (echo {forms})" for k, v in bad.items()}
        if bad:  # the whole batch is refused, naming the bad records (or not)
            results = [{"external_id": k, "status": "error", "error": v} for k, v in bad.items()]
            if st.detail == "wrong":
                results = [{"external_id": "not-in-this-batch", "status": "error", "error": "?"}]
            return 400, {"results": results} if st.detail != "none" else {"error": "invalid batch"}
        for r in records:
            if r["data"].get("retracted") and r["data"].get("value") is None:
                st.records.pop(r["external_id"], None)
                st.retracted.add(r["external_id"])
                st.applied[(r["external_id"], r["version"])] += 1
                continue
            old = st.records.get(r["external_id"])
            if old is None or old["version"] <= r["version"]:
                st.records[r["external_id"]] = r
            st.applied[(r["external_id"], r["version"])] += 1
        return 200, {
            "results": [
                {
                    "external_id": r["external_id"],
                    "status": "ok",
                    "id": "crm-" + r["external_id"][-12:],
                }
                for r in records
            ]
        }

    def _collection(self, body: dict[str, Any]) -> tuple[int, Any]:
        parts = self.path.split("/")
        sobject, ext_field = parts[-2], parts[-1]
        records = body.get("records", [])
        if len(records) > 200:
            return 400, [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "more than 200 records"}]
        table = self.crm.state.sobjects.setdefault(sobject, {})
        out = []
        for rec in records:
            ext = rec.get(ext_field)
            error = self._sf_invalid(sobject, rec, ext_field)
            if error:
                out.append(
                    {
                        "success": False,
                        "errors": [
                            {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": error}
                        ],
                    }
                )
                continue
            created = ext not in table
            ident = table[ext]["Id"] if not created else f"{sobject[:3]}{len(table):012d}"
            table[ext] = {**rec, "Id": ident}
            out.append({"id": ident, "success": True, "errors": [], "created": created})
        return 200, out

    def _content(self, body: dict[str, Any]) -> tuple[int, Any]:
        table = self.crm.state.sobjects.setdefault("ContentVersion", {})
        ident = f"068{len(table):012d}"
        table[ident] = {**body, "Id": ident}  # a plain create: uploading twice makes two
        return 201, {"id": ident, "success": True, "errors": []}

    def _query(self) -> tuple[int, Any]:
        """The one SOQL shape the adapter uses: SELECT Id FROM X WHERE Field = 'value'."""
        soql = parse_qs(self.path.split("?", 1)[1])["q"][0]
        words = soql.split()
        sobject, fld, value = words[3], words[5], words[7].strip("'")
        with self.crm.lock:
            rows = self.crm.state.sobjects.get(sobject, {}).values()
            found = [{"Id": r["Id"]} for r in rows if r.get(fld) == value]
        return 200, {"totalSize": len(found), "done": True, "records": found}

    def _sf_invalid(self, sobject: str, rec: dict[str, Any], ext_field: str) -> str | None:
        if not rec.get(ext_field):
            return f"{ext_field} is required"
        if sobject == "RetailVisitKpi":
            value = rec.get("ActualDecimalValue")
            if value is not None and not isinstance(value, int | float):
                return "ActualDecimalValue must be a number"
            visit = rec.get("Visit", {}).get(ext_field)
            if visit not in self.crm.state.sobjects.get("Visit", {}):
                return f"no Visit with {ext_field} {visit}"
        return None

    def _token(self, raw: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        st = self.crm.state
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_secret") != st.client_secret
        ):
            self._reply(401, {"error": "invalid_client"})
            return
        token = f"tok{len(st.issued)}-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
        token += st.token_extra
        with self.crm.lock:
            st.issued.append(token)
        self._reply(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": st.expires_in,
                "instance_url": self.crm.url,
            },
        )
