"""CloudFormation intrinsic functions, resolved enough for SAM templates run locally.

Ref (parameters, pseudo parameters, resources by logical id), Fn::Sub, Fn::If, Fn::Equals, Fn::Not,
Fn::And, Fn::Or, Fn::Join, Fn::Split, Fn::Select, Fn::GetAtt and Condition. ``AWS::NoValue`` removes
the key or list item that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from planetmail_local.emulator.errors import TemplateError

NO_VALUE = object()
PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "local",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/local/local",
    "AWS::NoValue": NO_VALUE,
}
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class Resolver:
    def __init__(
        self, parameters: Mapping[str, Any], conditions: Mapping[str, Any], resources: Mapping[str, Any]
    ) -> None:
        self._names: dict[str, Any] = {**PSEUDO_PARAMETERS, **parameters}
        self._resources = resources
        self._condition_specs = conditions
        self._conditions: dict[str, bool] = {}
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": self._equals,
            "Fn::Not": lambda a: not self.resolve(a[0]),
            "Fn::And": lambda a: all(self.resolve(x) for x in a),
            "Fn::Or": lambda a: any(self.resolve(x) for x in a),
            "Condition": self.condition,
            "Fn::Join": lambda a: self.resolve(a[0]).join(str(x) for x in self.resolve(a[1])),
            "Fn::Split": lambda a: str(self.resolve(a[1])).split(self.resolve(a[0])),
            "Fn::Select": lambda a: self.resolve(a[1])[int(self.resolve(a[0]))],
            "Fn::GetAtt": self._get_att,
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key in self._functions:
                    return self._functions[key](argument)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._condition_specs:
                raise TemplateError(f"condition {name!r} is used but not defined; add it under Conditions")
            self._conditions[name] = bool(self.resolve(self._condition_specs[name]))
        return self._conditions[name]

    def _ref(self, name: str) -> Any:
        if name in self._names:
            return self._names[name]
        if name in self._resources:
            return name  # a function's or layer's name is its logical id locally
        raise TemplateError(f"!Ref {name!r} names no parameter or resource; define it or fix the name")

    def _get_att(self, argument: Any) -> str:
        logical_id, attribute = argument.split(".", 1) if isinstance(argument, str) else argument
        if logical_id not in self._resources:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute} names no resource; fix the name")
        return f"arn:aws:lambda:us-east-1:123456789012:function:{logical_id}"

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {k: self.resolve(v) for k, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return str(local[name])
            if "." in name:
                return self._get_att(name)
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _if(self, argument: list[Any]) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _equals(self, argument: list[Any]) -> bool:
        left, right = (self.resolve(x) for x in argument)
        return str(left) == str(right)
