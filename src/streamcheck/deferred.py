"""Standard-library modules that the libraries import at start-up and a check never reads,
loaded only when something first reads them (issue 22).

orjson's init imports `dataclasses`, which imports `inspect` (and with it ast, dis, tokenize
and linecache) for one call, made only for a dataclass without a docstring; `pathlib` imports
`urllib.parse`, which imports `ipaddress` for bracketed hosts in URLs. Together they are about
7 ms of a 75 ms `streamcheck check` on a small file, for modules nothing on its path touches.

`defer()` puts a stand-in module in `sys.modules` for each. `import inspect` then binds the
stand-in without running anything; the first attribute read of it imports the real module,
copies its names into the stand-in (so whoever bound it reads the real functions from then
on) and gives the real one to every later import. Only the program's own process asks for
this (`cli.program`): a library caller's process keeps its imports as they are.

The stand-in's `__spec__` is None until it loads (the import statement reads `__spec__` of a
module it finds in `sys.modules`, so a lazy one would load at once): `importlib.util.find_spec`
of a deferred name raises ValueError until then, as it does for `__main__`.
"""

from __future__ import annotations

import _thread
import sys
import types

__all__ = ["DEFERRED", "defer"]

DEFERRED = ("inspect", "ipaddress")
# One stand-in loads at a time: two threads reading one first must not both take it out of
# `sys.modules` (the second would take out the real module the first put there, and load a
# second copy whose classes are not the first's).
_LOADING = _thread.RLock()


class _Deferred(types.ModuleType):
    """A module imported on its first attribute read."""

    def __getattr__(self, name: str) -> object:
        # Only names the stand-in lacks come here, and only until it is loaded: it then holds
        # the real module's names and becomes a plain module, so a name neither has is an
        # AttributeError (nothing copied again, nothing set on it overwritten).
        with _LOADING:
            if type(self) is _Deferred:  # not loaded by another thread while this one waited
                module = self.__name__
                if sys.modules.get(module) is self:
                    del sys.modules[module]
                __import__(module)
                self.__dict__.update(sys.modules[module].__dict__)
                self.__class__ = types.ModuleType  # type: ignore[assignment]
        return getattr(self, name)


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """A stand-in for each of `names` not imported yet."""
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = _Deferred(name)
