"""The one way streamcheck reads YAML (cassettes, protocol files, YAML schema files, files a
`$ref` names): a safe loader (C when built), and the alias measure before anything is built.

A "billion laughs" (each anchor nine aliases of the one before) is a few hundred bytes of YAML
that PyYAML builds as shared lists, cheaply; it is every later step (walking the document,
compiling it as a schema, re-encoding a body) that would walk a billion nodes: a 20-line
protocol file reached 1.5 GB in a minute, a schema file killed the process. So the node graph
is measured first, each node once (aliases are the same node object), without recursion, and a
document whose aliases expand it past ALIAS_GROWTH times the file is refused, as is one that
refers to itself. Anchors used for shared data stay far under the limit.

Nesting is bounded by the C parser (libyaml refuses flow nesting past 1000 levels); the pure
Python one, used when PyYAML was built without libyaml, runs out of recursion sooner, and that
is the same one-line refusal.
"""

from __future__ import annotations

from typing import Any

ALIAS_GROWTH = 8  # an alias may repeat shared data; past 8x the file (+1 MB) it is a bomb


class YAMLRefused(ValueError):
    """Not YAML this reader takes: `problem` says why, `line` (1-based) where when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem if line is None else f"{problem} at line {line}")
        self.problem = problem
        self.line = line


def safe_loader() -> Any:
    """PyYAML's safe loader class, the C one when PyYAML was built with libyaml."""
    import yaml  # lazy: only runs that meet a YAML file pay for the import

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(data: str | bytes, loader: Any = None) -> tuple[Any, Any]:
    """(the single document's root node or None, the loader that composed it), measured.
    The caller constructs with `construct(loader, node)` (or reads the nodes' marks)."""
    import yaml

    instance = (loader or safe_loader())(data)
    try:
        node = instance.get_single_node()
        if node is not None and _has_alias(data):
            measure(node, len(data))
    except yaml.MarkedYAMLError as exc:
        instance.dispose()
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YAMLRefused(exc.problem or exc.context or "malformed", line) from None
    except yaml.YAMLError as exc:
        instance.dispose()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise YAMLRefused(first) from None
    except RecursionError:
        instance.dispose()
        raise YAMLRefused("nested too deep") from None
    except YAMLRefused:
        instance.dispose()
        raise
    return node, instance


def construct(instance: Any, node: Any) -> Any:
    """The document of a node `compose` measured; the loader is disposed of."""
    import yaml

    try:
        return instance.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        raise YAMLRefused(problem, mark.line + 1 if mark is not None else None) from None
    except RecursionError:
        raise YAMLRefused("nested too deep") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # A tagged value its constructor cannot build: int() past Python's 4,300-digit limit,
        # `!!timestamp` of a text that is no date (PyYAML: AttributeError), a date out of range.
        if "integer string conversion" in str(exc):
            problem = "a number of more than 4,300 digits"
        elif isinstance(exc, ValueError) and str(exc).strip():
            problem = str(exc).strip().splitlines()[0]
        else:
            problem = "a value that is not what its tag says (a !!timestamp of no date?)"
        raise YAMLRefused(problem) from None
    finally:
        instance.dispose()


def load(data: str | bytes, loader: Any = None) -> Any:
    """The single document of `data`, measured before it is built. YAMLRefused otherwise."""
    node, instance = compose(data, loader)
    return construct(instance, node)


def _has_alias(data: str | bytes) -> bool:
    return (b"*" in data) if isinstance(data, bytes) else ("*" in data)


def measure(root: Any, size: int) -> None:
    """Refuse a node graph whose aliases expand it past ALIAS_GROWTH times `size` (the file's
    bytes) plus 1 MB of nodes and scalar characters, or that refers to itself."""
    limit = ALIAS_GROWTH * size + 1_000_000
    sizes: dict[int, int] = {}  # id(node) -> its weight expanded: nodes plus scalar characters
    open_nodes: set[int] = set()  # nodes whose children are still being measured
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        value = node.value
        if isinstance(value, str):  # a scalar
            sizes[key] = 1 + len(value)
            continue
        children = (
            [part for pair in value for part in pair]
            if value and isinstance(value[0], tuple)
            else value
        )
        if children_done:
            open_nodes.discard(key)
            total = sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if total > limit:
                raise YAMLRefused(
                    f"its aliases expand it past {limit:,} nodes and characters from "
                    f"{size:,} bytes (an alias bomb); refused"
                )
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise YAMLRefused("an alias refers to itself")
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
