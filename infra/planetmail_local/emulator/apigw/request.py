"""An HTTP request and response as the gateway sees them, independent of any server library."""

from __future__ import annotations

import dataclasses

TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv")


@dataclasses.dataclass(frozen=True)
class GatewayRequest:
    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None

    @property
    def body_is_text(self) -> bool:
        content_type = (self.header("content-type") or "").lower()
        if not self.body:
            return True
        if not content_type:
            try:
                self.body.decode("utf-8")
            except UnicodeDecodeError:
                return False
            return True
        return any(marker in content_type for marker in TEXT_TYPES)


@dataclasses.dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
