"""Match a request path against the template's routes: ``{name}`` parameters and greedy ``{proxy+}``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from planetmail_local.emulator.model import HttpRoute

_PARAMETER = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")


@dataclasses.dataclass(frozen=True)
class RouteMatch:
    route: HttpRoute
    path_parameters: dict[str, str]


class RouteTable:
    def __init__(self, routes: Sequence[HttpRoute]) -> None:
        # Most literal characters first, so /files/readme wins over /files/{proxy+}.
        ordered = sorted(routes, key=lambda r: (-len(_PARAMETER.sub("", r.path)), r.method == "ANY"))
        self._routes = [(route, _pattern(route.path)) for route in ordered]

    def match(self, method: str, path: str) -> RouteMatch | None:
        """The route for ``path``; as on API Gateway, ``/a/b/`` is routed like ``/a/b`` (the handler
        still sees the path with its slash)."""
        found = self._match(method, path)
        if found is None and len(path) > 1 and path.endswith("/"):
            return self._match(method, path.rstrip("/") or "/")
        return found

    def _match(self, method: str, path: str) -> RouteMatch | None:
        for route, pattern in self._routes:
            found = pattern.fullmatch(path)
            if found and route.method in ("ANY", method.upper()):
                return RouteMatch(route, {_name(k): v for k, v in found.groupdict().items()})
        return None


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for found in _PARAMETER.finditer(template):
        parts.append(re.escape(template[position : found.start()]))
        group = _group(found.group(1))
        parts.append(f"(?P<{group}>.+)" if found.group(2) else f"(?P<{group}>[^/]+)")
        position = found.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts))


def _group(name: str) -> str:
    return "p_" + name.encode().hex()


def _name(group: str) -> str:
    return bytes.fromhex(group.removeprefix("p_")).decode()
