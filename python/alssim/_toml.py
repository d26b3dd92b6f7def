"""A small TOML writer for scenario dictionaries (the standard library reads TOML but does
not write it). Tables come after the plain keys of their parent, lists of tables become
arrays of tables, and anything nested inside a list is written inline."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: Any) -> str:
    if not isinstance(k, str):
        raise TypeError(f"scenario keys must be strings, not {type(k).__name__} ({k!r})")
    return k if _BARE_KEY.match(k) else json.dumps(k)


def _inline(v: Any, where: str) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, Mapping):
        items = ", ".join(f"{_key(k)} = {_inline(x, f'{where}.{k}')}" for k, x in v.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_inline(x, f"{where}[{i}]") for i, x in enumerate(v)) + "]"
    if hasattr(v, "item") and callable(v.item):  # a NumPy scalar
        return _inline(v.item(), where)
    raise TypeError(
        f"{where}: a {type(v).__name__} cannot be written to a scenario "
        "(accepted: str, int, float, bool, lists and dicts of them)"
    )


def _is_table_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


def _table(d: Mapping[str, Any], prefix: str, out: list[str]) -> None:
    for k, v in d.items():
        if not isinstance(v, Mapping) and not _is_table_list(v):
            out.append(f"{_key(k)} = {_inline(v, prefix + str(k))}")
    for k, v in d.items():
        name = f"{prefix}{_key(k)}"
        if isinstance(v, Mapping):
            out.append("")
            out.append(f"[{name}]")
            _table(v, name + ".", out)
        elif _is_table_list(v):
            for item in v:
                out.append("")
                out.append(f"[[{name}]]")
                _table(item, name + ".", out)


def dumps(d: Mapping[str, Any]) -> str:
    """The TOML text of a dictionary of scenario tables."""
    if not isinstance(d, Mapping):
        raise TypeError(f"a scenario dictionary is expected, not {type(d).__name__}")
    out: list[str] = []
    _table(d, "", out)
    return "\n".join(out).lstrip("\n") + "\n"
