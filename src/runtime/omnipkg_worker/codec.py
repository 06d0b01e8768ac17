"""Tagged JSON encoding shared by the worker, the Python client and the Node side (codec.ts).

Traps:
- JSON has no bytes, tuples, sets, non-string keys, NaN/Infinity or integers beyond 2**53 (Node
  parses every number as a double), so those travel as {"$t": tag, "v": payload}.
- A user dict that itself has a "$t" key would be mistaken for a tag, so such dicts travel as "map".
- bool is a subclass of int: test it first.
"""
import base64
import math

TAG = "$t"
SAFE_INT = 2**53 - 1


class EncodeError(TypeError):
    pass


def encode(value):
    if value is None or value is True or value is False or isinstance(value, str):
        return value
    if isinstance(value, int):
        if -SAFE_INT <= value <= SAFE_INT:
            return int(value)
        return {TAG: "int", "v": str(int(value))}
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {TAG: "float", "v": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(item) for item in value]}
    if isinstance(value, dict):
        if TAG not in value and all(isinstance(key, str) for key in value):
            return {key: encode(item) for key, item in value.items()}
        return {TAG: "map", "v": [[encode(key), encode(item)] for key, item in value.items()]}
    if isinstance(value, frozenset):
        return {TAG: "frozenset", "v": [encode(item) for item in value]}
    if isinstance(value, set):
        return {TAG: "set", "v": [encode(item) for item in value]}
    raise EncodeError(
        "cannot send a value of type %s.%s across interpreters; use JSON values, bytes, tuples, "
        "sets or dicts" % (type(value).__module__, type(value).__qualname__)
    )


def _hashable(value):
    # A decoded list used as a dict key or set member becomes a tuple, as the only sane reading.
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    return value


def decode(value):
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {key: decode(item) for key, item in value.items()}
    payload = value.get("v")
    if tag == "bytes":
        return base64.b64decode(payload)
    if tag == "tuple":
        return tuple(decode(item) for item in payload)
    if tag == "map":
        return {_hashable(decode(key)): decode(item) for key, item in payload}
    if tag == "set":
        return {_hashable(decode(item)) for item in payload}
    if tag == "frozenset":
        return frozenset(_hashable(decode(item)) for item in payload)
    if tag == "int":
        return int(payload)
    if tag == "float":
        return float(payload)
    raise ValueError("unknown tag %r in an omnipkg message" % (tag,))
