"""Optional speedups."""

try:
    import orjson as json_impl
except ImportError as e:
    print("orjson unavailable, using json:", e)
    import json as json_impl

DUMPS = json_impl.dumps
