"""What crosses between the grader and a sandboxed child: one JSON object per line.

A probe's result is plain data (None, bool, int, float, str, lists, dicts
with string keys, tensors). ``encode`` turns it into JSON, a tensor as its
dtype, shape and base64 bytes. ``decode`` is the grader's side, and it
trusts nothing: the line must be short enough, the nesting shallow, the
node count small, every tensor's bytes exactly its dtype times its shape.
JSON has no shared references, so a result cannot be small on the wire and
huge when walked; it is walked with an explicit stack, never by recursion.

This file is mounted read-only into the sandbox, next to the child.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import torch

DTYPES = {str(d).removeprefix("torch."): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
)}


class WireError(ValueError):
    """A message from the child that breaks the rules; the check it answers fails."""


@dataclass(frozen=True)
class Caps:
    """The most a single message may hold."""

    line_bytes: int = 16_000_000
    depth: int = 16
    nodes: int = 200_000
    numel: int = 1_000_000


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data: tensors, tuples and dicts become tagged objects."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        name = str(tensor.dtype).removeprefix("torch.")
        if name not in DTYPES:
            return {"unsupported": f"a tensor of dtype {tensor.dtype}"}
        data = tensor.view(torch.uint8) if tensor.numel() else torch.empty(0, dtype=torch.uint8)
        return {"tensor": [name, list(tensor.shape), base64.b64encode(data.numpy().tobytes()).decode("ascii")]}
    if isinstance(value, (list, tuple)):
        items = [encode(v) for v in value]
        return {"tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {"dict": {str(k): encode(v) for k, v in value.items()}}
    return value


def decode(line: bytes, caps: Caps = Caps()) -> dict[str, Any]:
    """The message on one line, checked against ``caps``: plain fields, and a ``value`` that may be any result.

    Raises:
        WireError: for a line too long, bad JSON, too deep or too many nodes, or a malformed tensor.
    """
    if len(line) > caps.line_bytes:
        raise WireError(f"a message of {len(line)} bytes (at most {caps.line_bytes})")
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise WireError(f"a message that is not valid JSON ({type(error).__name__})") from None
    if not isinstance(raw, dict) or not all(k == "value" or v is None or isinstance(v, (bool, int, str)) for k, v in raw.items()):
        raise WireError("a message that is not a flat object")
    return {key: _rebuild(item, caps) if key == "value" else item for key, item in raw.items()}


def _rebuild(raw: Any, caps: Caps) -> Any:
    """Turn tagged JSON back into values, iteratively: (parent container, key, raw node, depth) on a stack."""
    root: list[Any] = [None]
    stack = [(root, 0, raw, 0)]
    nodes = 0
    while stack:
        parent, key, node, depth = stack.pop()
        nodes += 1
        if nodes > caps.nodes:
            raise WireError(f"a result of more than {caps.nodes} values")
        if depth > caps.depth:
            raise WireError(f"a result nested deeper than {caps.depth} levels")
        if node is None or isinstance(node, (bool, int, float, str)):
            parent[key] = node
        elif isinstance(node, list):
            parent[key] = _children(node, depth, stack, [])
        elif isinstance(node, dict) and len(node) == 1 and "tensor" in node:
            parent[key] = _tensor(node["tensor"], caps)
        elif isinstance(node, dict) and len(node) == 1 and "tuple" in node and isinstance(node["tuple"], list):
            parent[key] = _children(node["tuple"], depth, stack, _Tuple())
        elif isinstance(node, dict) and len(node) == 1 and "dict" in node and isinstance(node["dict"], dict):
            items = node["dict"]
            built: dict[str, Any] = dict.fromkeys(items)
            for name, child in items.items():
                stack.append((built, name, child, depth + 1))
            parent[key] = built
        elif isinstance(node, dict) and set(node) == {"unsupported"} and isinstance(node["unsupported"], str):
            parent[key] = {"unsupported": node["unsupported"][:200]}
        else:
            raise WireError("a result with an unknown kind of value")
    return _freeze(root[0])


class _Tuple(list):
    """A list that becomes a tuple once its items are rebuilt."""


def _children(items: list, depth: int, stack: list, built: list) -> list:
    built.extend([None] * len(items))
    for index, child in enumerate(items):
        stack.append((built, index, child, depth + 1))
    return built


def _freeze(value: Any) -> Any:
    """Turn every ``_Tuple`` into a tuple, bottom-up, without recursion."""
    order, stack = [], [value]
    while stack:
        node = stack.pop()
        order.append(node)
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    frozen: dict[int, Any] = {}
    for node in reversed(order):
        if isinstance(node, list):
            node[:] = [frozen.get(id(v), v) for v in node]
            if isinstance(node, _Tuple):
                frozen[id(node)] = tuple(node)
        elif isinstance(node, dict):
            for name, child in node.items():
                node[name] = frozen.get(id(child), child)
    return frozen.get(id(value), value)


def _tensor(spec: Any, caps: Caps) -> torch.Tensor:
    if not (isinstance(spec, list) and len(spec) == 3 and spec[0] in DTYPES and isinstance(spec[1], list) and isinstance(spec[2], str)):
        raise WireError("a malformed tensor")
    dtype, shape = DTYPES[spec[0]], spec[1]
    if len(shape) > 8 or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= caps.numel for n in shape):
        raise WireError(f"a tensor with an impossible shape {shape[:9]}")
    numel = 1
    for n in shape:
        numel *= n
    if numel > caps.numel:
        raise WireError(f"a tensor of {numel} elements (at most {caps.numel})")
    try:
        data = base64.b64decode(spec[2], validate=True)
    except ValueError:
        raise WireError("a tensor whose bytes are not base64") from None
    itemsize = torch.empty(0, dtype=dtype).element_size()
    if len(data) != numel * itemsize:
        raise WireError(f"a tensor of shape {shape} with {len(data)} bytes")
    if not data:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).view(dtype).reshape(shape).clone()


def message(**fields: Any) -> bytes:
    """One protocol message as a line of JSON."""
    return json.dumps(fields, separators=(",", ":")).encode("utf-8") + b"\n"
