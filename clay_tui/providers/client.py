"""One HTTP client per provider: limits, retries and throttling in one place.

Adapters only build a request and map the final answer; everything about *when*
a call may go out (rate limits, concurrency, a provider-wide pause after a
throttle) and *whether to try again* lives here, so every adapter behaves the
same way under load and under faults.
"""

from __future__ import annotations

import asyncio
import random
import re
from typing import TYPE_CHECKING, Any

from clay_tui.config import ProviderSettings
from clay_tui.manifests import Manifest, classify, find_manifest
from clay_tui.providers.answers import (  # re-exported: the adapters import them from here
    OFF_API_LIMIT,
    QUOTA_IDS,
    auth_parts,
    display_name,
    error_detail_of,
    error_id_of,
    is_secret_header,
    parse_json,
    rate_window_reset,
    retry_after_seconds,
)
from clay_tui.providers.base import (
    Outcome,
    ProviderResult,
    Redactor,
    error_result,
    register_secret,
    secrets_version,
)
from clay_tui.providers.pacing import Pacer

if TYPE_CHECKING:
    import httpx

__all__ = [
    "OFF_API_LIMIT",
    "QUOTA_IDS",
    "ProviderClient",
    "display_name",
    "error_detail_of",
    "error_id_of",
    "is_secret_header",
    "parse_json",
    "rate_window_reset",
    "retry_after_seconds",
]

MAX_ANSWER_BYTES = 10_000_000  # a bigger answer is an error, never parsed or stored


class _TooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class ProviderClient:
    """httpx.AsyncClient + per-second/per-minute limiter + semaphore + retries for one provider."""

    def __init__(
        self,
        settings: ProviderSettings,
        base_url: str,
        *,
        api_key: str | None,
        sandbox: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        max_wait_s: float = 60.0,
        headers: dict[str, str] | None = None,
        manifest: Manifest | None = None,
    ) -> None:
        # imported when first needed: start-up (the first screen loads no HTTP client)
        import httpx
        from aiolimiter import AsyncLimiter

        self.settings = settings
        self.name = settings.name
        self.base_url = base_url.rstrip("/")
        self.sandbox = sandbox
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.max_wait_s = max_wait_s  # a Retry-After longer than this is an error, not a wait
        # No env var named (a local model server, say): calls go out without a key.
        self._has_key = bool(api_key) or not settings.api_key_env
        self.api_key = api_key or ""  # for a bulk endpoint that wants it in the JSON body
        # who the provider is, how it wants its key, when it throttles: its manifest
        self.manifest = manifest or find_manifest(self.name)
        default_headers = {"User-Agent": "clay-tui/0.1", "Accept": "application/json"}
        params = auth_parts(self.manifest, api_key, default_headers)
        default_headers.update(headers or {})  # extra headers win (tests send a wrong key)
        # Every key and secret header value sent: removed from whatever comes back.
        self._secrets = tuple(v for k, v in default_headers.items() if is_secret_header(k))
        self._secrets += tuple(params.values())
        if api_key and not sandbox:
            self._secrets += (api_key,)
            register_secret(api_key)
        self._redactor_for = -1
        self._redactor = Redactor((), known=False)
        conc = max(1, settings.concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=default_headers,
            params=params,
            timeout=httpx.Timeout(settings.timeout_s),
            limits=httpx.Limits(max_connections=conc, max_keepalive_connections=conc),
            transport=transport,
        )
        self._sem = asyncio.Semaphore(conc)
        rps, rpm = settings.rate_per_second, settings.rate_per_minute
        # Evenly spaced at rps, no burst, never more than rps in a second (pacing.Pacer).
        self._per_second = Pacer(rps) if rps > 0 else None
        self._per_minute = AsyncLimiter(rpm, 60.0) if rpm > 0 else None
        # Endpoints with limits of their own (Hunter's verifier): their own pair of limiters.
        self._groups: dict[str, tuple[Pacer | None, AsyncLimiter | None]] = {}
        self._resume_at = 0.0  # loop time before which nobody may call (provider throttled)
        self.stopped: ProviderResult | None = None  # set once the key is bad or quota is used up
        self.calls = 0  # HTTP requests actually sent (retries included)
        self._off_api = 0  # answers in a row that were not the API (see OFF_API_LIMIT)
        self.throttled = 0  # throttling answers seen

    # ------------------------------------------------------------ results

    @property
    def display(self) -> str:
        """The provider's name for messages (its manifest's display_name)."""
        return self.manifest.display_name if self.manifest else display_name(self.name)

    @property
    def redactor(self) -> Redactor:
        """The keys this client sends plus every key the process knows (rebuilt as it learns)."""
        version = secrets_version()
        if version != self._redactor_for:
            self._redactor = Redactor(self._secrets)
            self._redactor_for = version
        return self._redactor

    def redact(self, res: ProviderResult) -> ProviderResult:
        return self.redactor.result(res)

    def redact_text(self, text: str) -> str:
        return self.redactor.text(text)

    def result(
        self, outcome: Outcome, action: str, data: dict[str, Any] | None = None, **fields: Any
    ) -> ProviderResult:
        """A result stamped with this provider's name and sandbox flag."""
        res = self.redact(
            ProviderResult(
                outcome=outcome,
                provider=self.name,
                action=action,
                data=data or {},
                sandbox=self.sandbox,
                **fields,
            )
        )
        if res.stop_provider and self.stopped is None:
            self.stopped = res
        return res

    def error(self, action: str, error_id: str, message: str, **fields: Any) -> ProviderResult:
        res = self.redact(
            error_result(self.name, action, error_id, message, sandbox=self.sandbox, **fields)
        )
        if res.stop_provider and self.stopped is None:
            self.stopped = res
        return res

    def bad_key(self, action: str, error_id: str, raw: Any = None) -> ProviderResult:
        """401: stop calling this provider; say which env var to set, never the key."""
        env = self.settings.api_key_env or f"{self.name.upper()}_API_KEY"
        where = "The sandbox" if self.sandbox else self.display
        # raw is dropped: some providers echo a masked form of the key in their 401 message.
        return self.error(
            action,
            error_id,
            f"{where} rejected the API key: set {env} to a valid {self.display} key.",
            stop_provider=True,
        )

    def out_of_quota(self, action: str, error_id: str, raw: Any = None) -> ProviderResult:
        return self.error(
            action,
            error_id,
            f"The {self.display} account has no quota left; no more {self.display} calls this run.",
            stop_provider=True,
            raw=raw if isinstance(raw, dict) else None,
        )

    def malformed(self, action: str) -> ProviderResult:
        return self.error(
            action,
            "malformed_json",
            f"{self.display} answered with something that is not valid JSON.",
        )

    def http_error(self, action: str, response: httpx.Response, body: Any) -> ProviderResult:
        """Any non-success answer the adapter has no special meaning for."""
        status = response.status_code
        eid = error_id_of(body) or f"http_{status}"
        if status == 401:
            return self.bad_key(action, eid, body)
        if eid in QUOTA_IDS:
            return self.out_of_quota(action, eid, body)
        detail = error_detail_of(body)
        name = self.display
        if status == 429 or self._rule_outcome(response, action) == "retry":
            msg = f"{name} kept throttling the calls (HTTP {status}) after all retries."
        elif status >= 500:
            msg = f"{name} had a server error (HTTP {status}) after all retries."
        else:
            msg = f"{name} refused the call (HTTP {status}, {eid})" + (
                f": {detail.rstrip('.')}." if detail else "."
            )
        return self.error(action, eid, msg, raw=body if isinstance(body, dict) else None)

    # ------------------------------------------------------------ calling

    def limit_group(self, name: str, per_second: float, per_minute: float, binding=False) -> str:
        """Limiters of their own for the endpoints called with ``limit=name``: the documented
        rates, never above the configured ones (0: none; ``binding``: the documented ones)."""
        if name not in self._groups:
            from aiolimiter import AsyncLimiter  # imported when first needed: start-up

            rps, rpm = self.settings.rate_per_second, self.settings.rate_per_minute
            rps, rpm = (rps or per_second, rpm or per_minute) if binding else (rps, rpm)
            rps = min(rps, per_second) if rps > 0 and per_second > 0 else rps
            rpm = min(rpm, per_minute) if rpm > 0 and per_minute > 0 else rpm
            self._groups[name] = (
                Pacer(rps) if rps > 0 else None,
                AsyncLimiter(rpm, 60.0) if rpm > 0 else None,
            )
        return name

    def can_send_now(self, name: str) -> bool:  # limit group name's per-minute limiter has room
        return (m := self._groups.get(name, (None, None))[1]) is None or m.has_capacity()

    def _rule_outcome(self, response: httpx.Response, action: str) -> str | None:
        """What the manifest's rules (provider-wide, then the endpoint's) call this answer."""
        rules = self.manifest.rules_for(action) if self.manifest is not None else ()
        if not rules:
            return None
        rule = classify(rules, response.status_code, parse_json(response))
        return rule.outcome if rule is not None else None

    def _documented_404(self, body: Any) -> bool:
        """A JSON 404 that one of the manifest's rules names (with an explicit 404)."""
        if self.manifest is None or body is None:
            return False
        rules = [r for op in self.manifest.operations for r in self.manifest.rules_for(op)]
        return any(404 in r.status and classify((r,), 404, body) for r in rules)

    def _retry_kind(self, response: httpx.Response, action: str) -> str | None:
        """ "throttle" (pause the provider, ask again), "server" (ask again) or None (final).
        The manifest's rules come first: Hunter's 403 is its rate limit, its 429 the plan's
        usage limit (stop) unless the id is a burst's too_many_requests."""
        status = response.status_code
        outcome = self._rule_outcome(response, action)
        if outcome == "retry":
            return "throttle"
        if outcome is not None:
            return None
        if status >= 500:
            return "server"
        if status == 429:
            return None if error_id_of(parse_json(response)) in QUOTA_IDS else "throttle"
        return None

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.backoff_s * (2**attempt))
        return base + random.uniform(0, base)  # full jitter on top of the exponential step

    async def _wait_resume(self) -> float:
        """Sleep while the whole provider is paused; returns how long we would still wait."""
        loop = asyncio.get_running_loop()
        while True:
            left = self._resume_at - loop.time()
            if left <= 0:
                return 0.0
            if left > self.max_wait_s:
                return left
            await asyncio.sleep(left)

    def _still_stopped(self, action: str) -> ProviderResult:
        assert self.stopped is not None
        return self.error(
            action, self.stopped.error_id or "stopped", self.stopped.message, stop_provider=True
        )

    def _waited_too_long(self, action: str) -> ProviderResult:
        return self.error(
            action,
            "rate_limit_wait_exceeded",
            f"{self.display} asked us to wait longer than {self.max_wait_s:g} s.",
        )

    def pause(self, seconds: float) -> None:
        """Pause every caller of this provider for ``seconds`` (a throttle answer)."""
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)

    async def request(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        paid_post: bool = False,
        limit: str | None = None,
    ) -> httpx.Response | ProviderResult:
        """Send one logical call; a final httpx.Response for the adapter to map, or an ERROR.

        Retries network errors, 5xx and throttling with exponential backoff + jitter
        (honouring Retry-After); other 4xx come straight back. A paid POST whose
        answer never arrived is an unknown outcome: not retried, not charged.
        """
        import httpx  # imported when first needed: start-up (loaded by __init__ already)

        if self.stopped is not None:
            return self._still_stopped(action)
        if not self._has_key:
            env = self.settings.api_key_env or f"{self.name.upper()}_API_KEY"
            return self.error(
                action,
                "missing_api_key",
                f"Set {env} to your {self.display} API key "
                f'(or set providers.{self.name}.mode = "sandbox").',
                stop_provider=True,
            )
        name = self.display
        attempt = 0
        while True:
            if await self._wait_resume() > 0:
                return self._waited_too_long(action)
            async with self._sem:
                if await self._wait_resume() > 0:
                    return self._waited_too_long(action)
                per_second, per_minute = (
                    self._groups[limit]
                    if limit in self._groups
                    else (self._per_second, self._per_minute)
                )
                if per_minute is not None:
                    await per_minute.acquire()
                if per_second is not None:
                    await per_second.acquire()
                if self.stopped is not None:  # another caller found a bad key meanwhile
                    return self._still_stopped(action)
                self.calls += 1
                failure: str | None = None
                try:
                    # timeout_s bounds the whole call, not each read: a server that drips
                    # one byte at a time must not hold a worker (and its hold) forever.
                    async with asyncio.timeout(self.settings.timeout_s):
                        response = await self._http.request(
                            method, path, params=params, json=json, headers=headers
                        )
                        await response.aread()
                        if len(response.content) > MAX_ANSWER_BYTES:
                            raise _TooBig(len(response.content))
                except _TooBig as exc:
                    return self.error(
                        action,
                        "answer_too_big",
                        f"{name} answered with {exc.size / 1e6:.1f} MB, more "
                        f"than the {MAX_ANSWER_BYTES / 1e6:g} MB an answer may "
                        f"be; it was not used.",
                        unknown_outcome=paid_post,
                    )
                except httpx.DecodingError:
                    return self.error(
                        action,
                        "malformed_answer",
                        f"{name} answered with a body that cannot be decoded.",
                        unknown_outcome=paid_post,
                    )
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                    failure = f"network: {type(exc).__name__}"  # never sent: safe to retry
                    response = None
                except (httpx.TimeoutException, TimeoutError):
                    if paid_post:
                        return self.error(
                            action,
                            "timeout",
                            f"{name} did not answer within "
                            f"{self.settings.timeout_s:g} s; the call may have "
                            f"been charged on their side, so it is not retried.",
                            unknown_outcome=True,
                        )
                    failure = "timeout"
                    response = None
                except httpx.TransportError as exc:
                    if paid_post:
                        return self.error(
                            action,
                            "network_error",
                            f"The connection to {name} broke after the call was "
                            f"sent ({type(exc).__name__}); not retried.",
                            unknown_outcome=True,
                        )
                    failure = f"network: {type(exc).__name__}"
                    response = None
            delay: float
            if response is not None:
                kind = self._retry_kind(response, action)
                if kind is None:
                    return self._check_api(action, response)
                if kind == "throttle":
                    # Every throttle pauses the whole provider, even on our last try.
                    self.throttled += 1
                    wait = retry_after_seconds(response)
                    if wait is None:
                        wait = rate_window_reset(response)
                    delay = self._backoff(attempt) if wait is None else wait
                    self.pause(delay)
                    if attempt >= self.settings.max_retries:
                        return response
                    if delay > self.max_wait_s:
                        return self.error(
                            action,
                            "rate_limit_wait_exceeded",
                            f"{name} asked us to wait {delay:g} s, longer than "
                            f"{self.max_wait_s:g} s.",
                        )
                elif attempt >= self.settings.max_retries:
                    return response
                else:
                    wait = retry_after_seconds(response)
                    delay = self._backoff(attempt) if wait is None else min(wait, self.max_wait_s)
            else:
                if attempt >= self.settings.max_retries:
                    if failure == "timeout":
                        return self.error(
                            action,
                            "timeout",
                            f"{name} did not answer within "
                            f"{self.settings.timeout_s:g} s "
                            f"({attempt + 1} tries).",
                        )
                    return self.error(
                        action,
                        "network_error",
                        f"Could not reach {name} at {self.base_url} "
                        f"({failure}, {attempt + 1} tries).",
                    )
                delay = self._backoff(attempt)
            attempt += 1
            await asyncio.sleep(delay)

    def _check_api(self, action: str, response: httpx.Response) -> httpx.Response | ProviderResult:
        """Count answers that are not the API; the OFF_API_LIMIT-th in a row stops the provider."""
        body = parse_json(response)
        html = "html" in response.headers.get("content-type", "").lower()
        # an HTML page, or a 404 that is not the API's own "no such model" nor an answer its
        # manifest names (LeadMagic's "not found" is a 404), is not the API; a garbled answer
        # that says it is JSON is a fault of that call (the row retries later)
        off = html or (
            response.status_code == 404
            and error_id_of(body) != "model_not_found"
            and not self._documented_404(body)
        )
        if not off:
            self._off_api = 0
            return response
        self._off_api += 1
        if self._off_api < OFF_API_LIMIT:
            return response
        name = self.display
        what = (
            "an HTML page"
            if html
            else "something that is not JSON"
            if body is None
            else "a JSON 'not found'"
        ) + f" (HTTP {response.status_code})"
        return self.error(
            action,
            "not_the_api",
            f"{name} answered {self._off_api} calls in a row with {what} "
            f"instead of its API: check its base_url "
            f"({re.sub(r'//[^/@]*@', '//', self.base_url)}); no more "
            f"{name} calls this run.",
            stop_provider=True,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
