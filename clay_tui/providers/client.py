"""One HTTP client per provider: limits, retries and throttling in one place.

Adapters only build a request and map the final answer; everything about *when*
a call may go out (rate limits, concurrency, a provider-wide pause after a
throttle) and *whether to try again* lives here, so every adapter behaves the
same way under load and under faults.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from typing import TYPE_CHECKING, Any

from clay_tui.config import ProviderSettings
from clay_tui.providers.base import Outcome, ProviderResult, error_result

if TYPE_CHECKING:
    import httpx

# How each provider wants its key: (header, value template).
AUTH_HEADERS = {
    "hunter": ("X-API-KEY", "{key}"),
    "prospeo": ("X-KEY", "{key}"),
    "openai": ("Authorization", "Bearer {key}"),
}
DISPLAY_NAMES = {"hunter": "Hunter", "prospeo": "Prospeo", "openai": "OpenAI"}
# Error ids meaning "the account has no quota left": stop, do not retry.
QUOTA_IDS = {"usage_limit", "insufficient_quota", "INSUFFICIENT_CREDITS"}


def display_name(provider: str) -> str:
    return DISPLAY_NAMES.get(provider, provider.capitalize())


def parse_json(response: httpx.Response) -> Any | None:
    """The decoded JSON body, or None if the body is not JSON (never raises)."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def error_id_of(body: Any) -> str | None:
    """The provider's own error id from any of the three error shapes."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")  # Hunter: {"errors": [{"id", "code", "details"}]}
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("id") or errors[0].get("code") or "") or None
    err = body.get("error")
    if isinstance(err, dict):  # OpenAI: {"error": {"message", "type", "code"}}
        return str(err.get("code") or err.get("type") or "") or None
    if err is True:  # Prospeo: {"error": true, "message" | "error_code": ...}
        return str(body.get("error_code") or body.get("message") or "") or None
    return None


def error_detail_of(body: Any) -> str:
    """A human-readable detail from an error body ('' if none)."""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("details") or "")
    err = body.get("error")
    if isinstance(err, dict):
        return str(err.get("message") or "")
    return str(body.get("details") or "")


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds the provider asked us to wait (Retry-After, retry-after-ms), if any."""
    ms = response.headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def rate_window_reset(response: httpx.Response) -> float | None:
    """Prospeo-style window headers: when a window has no requests left, wait for its reset."""
    for window in ("second", "minute", "daily"):
        left = response.headers.get(f"x-{window}-request-left")
        reset = response.headers.get(f"x-{window}-reset-seconds")
        if left is not None and reset is not None and left.strip() == "0":
            try:
                return max(0.0, float(reset))
            except ValueError:
                return None
    return None


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
        default_headers = {"User-Agent": "clay-tui/0.1", "Accept": "application/json"}
        if api_key and self.name in AUTH_HEADERS:
            header, template = AUTH_HEADERS[self.name]
            default_headers[header] = template.format(key=api_key)
        default_headers.update(headers or {})  # extra headers win (tests send a wrong key)
        conc = max(1, settings.concurrency)
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=default_headers,
            timeout=httpx.Timeout(settings.timeout_s),
            limits=httpx.Limits(max_connections=conc, max_keepalive_connections=conc),
            transport=transport,
        )
        self._sem = asyncio.Semaphore(conc)
        rps, rpm = settings.rate_per_second, settings.rate_per_minute
        # Capacity 1 at 1/rps: a smooth rate, so any window of a second holds at most ~rps calls.
        self._per_second = AsyncLimiter(1, 1.0 / rps) if rps > 0 else None
        self._per_minute = AsyncLimiter(rpm, 60.0) if rpm > 0 else None
        self._resume_at = 0.0  # loop time before which nobody may call (provider throttled)
        self.stopped: ProviderResult | None = None  # set once the key is bad or quota is used up
        self.calls = 0  # HTTP requests actually sent (retries included)
        self.throttled = 0  # throttling answers seen

    # ------------------------------------------------------------ results

    def result(self, outcome: Outcome, action: str, data: dict[str, Any] | None = None,
               **fields: Any) -> ProviderResult:
        """A result stamped with this provider's name and sandbox flag."""
        res = ProviderResult(outcome=outcome, provider=self.name, action=action,
                             data=data or {}, sandbox=self.sandbox, **fields)
        if res.stop_provider and self.stopped is None:
            self.stopped = res
        return res

    def error(self, action: str, error_id: str, message: str, **fields: Any) -> ProviderResult:
        res = error_result(self.name, action, error_id, message, sandbox=self.sandbox, **fields)
        if res.stop_provider and self.stopped is None:
            self.stopped = res
        return res

    def bad_key(self, action: str, error_id: str, raw: Any = None) -> ProviderResult:
        """401: stop calling this provider; say which env var to set, never the key."""
        env = self.settings.api_key_env or f"{self.name.upper()}_API_KEY"
        where = "The sandbox" if self.sandbox else display_name(self.name)
        # raw is dropped: some providers echo a masked form of the key in their 401 message.
        return self.error(action, error_id,
                          f"{where} rejected the API key: set {env} to a valid "
                          f"{display_name(self.name)} key.",
                          stop_provider=True)

    def out_of_quota(self, action: str, error_id: str, raw: Any = None) -> ProviderResult:
        return self.error(action, error_id,
                          f"The {display_name(self.name)} account has no quota left; "
                          f"no more {display_name(self.name)} calls this run.",
                          stop_provider=True, raw=raw if isinstance(raw, dict) else None)

    def malformed(self, action: str) -> ProviderResult:
        return self.error(action, "malformed_json",
                          f"{display_name(self.name)} answered with something that is not "
                          f"valid JSON.")

    def http_error(self, action: str, response: httpx.Response, body: Any) -> ProviderResult:
        """Any non-success answer the adapter has no special meaning for."""
        status = response.status_code
        eid = error_id_of(body) or f"http_{status}"
        if status == 401:
            return self.bad_key(action, eid, body)
        if eid in QUOTA_IDS:
            return self.out_of_quota(action, eid, body)
        detail = error_detail_of(body)
        name = display_name(self.name)
        if status == 429 or (status == 403 and self.name == "hunter"):
            msg = f"{name} kept throttling the calls (HTTP {status}) after all retries."
        elif status >= 500:
            msg = f"{name} had a server error (HTTP {status}) after all retries."
        else:
            msg = f"{name} refused the call (HTTP {status}, {eid})" + (
                f": {detail.rstrip('.')}." if detail else ".")
        return self.error(action, eid, msg, raw=body if isinstance(body, dict) else None)

    # ------------------------------------------------------------ calling

    def _retry_kind(self, response: httpx.Response) -> str | None:
        status = response.status_code
        if status >= 500:
            return "server"
        if status == 429:
            return None if error_id_of(parse_json(response)) in QUOTA_IDS else "throttle"
        if status == 403 and self.name == "hunter":  # Hunter's "rate limit reached"
            return "throttle"
        return None

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_s, self.backoff_s * (2 ** attempt))
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
    ) -> httpx.Response | ProviderResult:
        """Send one logical call; a final httpx.Response for the adapter to map, or an ERROR.

        Retries network errors, 5xx and throttling with exponential backoff + jitter
        (honouring Retry-After); other 4xx come straight back. A paid POST whose
        answer never arrived is an unknown outcome: not retried, not charged.
        """
        import httpx  # imported when first needed: start-up (loaded by __init__ already)

        if self.stopped is not None:
            return self.error(action, self.stopped.error_id or "stopped",
                              self.stopped.message, stop_provider=True)
        if not self._has_key:
            env = self.settings.api_key_env or f"{self.name.upper()}_API_KEY"
            return self.error(action, "missing_api_key",
                              f"Set {env} to your {display_name(self.name)} API key "
                              f"(or set providers.{self.name}.mode = \"sandbox\").",
                              stop_provider=True)
        name = display_name(self.name)
        attempt = 0
        while True:
            if await self._wait_resume() > 0:
                return self.error(action, "rate_limit_wait_exceeded",
                                  f"{name} asked us to wait longer than {self.max_wait_s:g} s.")
            async with self._sem:
                if await self._wait_resume() > 0:
                    return self.error(action, "rate_limit_wait_exceeded",
                                      f"{name} asked us to wait longer than {self.max_wait_s:g} s.")
                if self._per_minute is not None:
                    await self._per_minute.acquire()
                if self._per_second is not None:
                    await self._per_second.acquire()
                if self.stopped is not None:  # another caller found a bad key meanwhile
                    return self.error(action, self.stopped.error_id or "stopped",
                                      self.stopped.message, stop_provider=True)
                self.calls += 1
                failure: str | None = None
                try:
                    response = await self._http.request(method, path, params=params, json=json,
                                                        headers=headers)
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                    failure = f"network: {type(exc).__name__}"  # never sent: safe to retry
                    response = None
                except httpx.TimeoutException:
                    if paid_post:
                        return self.error(action, "timeout",
                                          f"{name} did not answer within "
                                          f"{self.settings.timeout_s:g} s; the call may have "
                                          f"been charged on their side, so it is not retried.",
                                          unknown_outcome=True)
                    failure = "timeout"
                    response = None
                except httpx.TransportError as exc:
                    if paid_post:
                        return self.error(action, "network_error",
                                          f"The connection to {name} broke after the call was "
                                          f"sent ({type(exc).__name__}); not retried.",
                                          unknown_outcome=True)
                    failure = f"network: {type(exc).__name__}"
                    response = None
            delay: float
            if response is not None:
                kind = self._retry_kind(response)
                if kind is None:
                    return response
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
                        return self.error(action, "rate_limit_wait_exceeded",
                                          f"{name} asked us to wait {delay:g} s, longer than "
                                          f"{self.max_wait_s:g} s.")
                elif attempt >= self.settings.max_retries:
                    return response
                else:
                    wait = retry_after_seconds(response)
                    delay = self._backoff(attempt) if wait is None else min(wait, self.max_wait_s)
            else:
                if attempt >= self.settings.max_retries:
                    if failure == "timeout":
                        return self.error(action, "timeout",
                                          f"{name} did not answer within "
                                          f"{self.settings.timeout_s:g} s "
                                          f"({attempt + 1} tries).")
                    return self.error(action, "network_error",
                                      f"Could not reach {name} at {self.base_url} "
                                      f"({failure}, {attempt + 1} tries).")
                delay = self._backoff(attempt)
            attempt += 1
            await asyncio.sleep(delay)

    async def aclose(self) -> None:
        await self._http.aclose()
