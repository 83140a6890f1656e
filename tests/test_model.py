"""model.py's dataclasses get `__eq__`, `__repr__` and `__hash__` from `_by_value`, not from
dataclass's compiled code (start-up, issue 22): each class answers exactly as the dataclass it
would otherwise be, built here from the same fields with dataclass's own defaults."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from streamcheck import model
from streamcheck.model import Exchange, Finding, Location, Severity

CLASSES = [
    value
    for value in vars(model).values()
    if isinstance(value, type)
    and dataclasses.is_dataclass(value)
    and value.__module__ == model.__name__
]


def twin(cls: type) -> type:
    """What `@dataclass(frozen=..., slots=True)` makes of the same fields."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    declared = [
        (
            f.name,
            f.type,
            dataclasses.field(
                default=f.default,
                default_factory=f.default_factory,
                repr=f.repr,
                hash=f.hash,
                compare=f.compare,
            ),
        )
        for f in dataclasses.fields(cls)
    ]
    made: type = dataclasses.make_dataclass(
        cls.__name__, declared, frozen=params.frozen, slots=True
    )
    made.__qualname__ = cls.__qualname__
    return made


def values(cls: type, tag: str = "") -> dict[str, Any]:
    """A distinct, hashable value for every field."""
    return {f.name: f"{f.name}{tag}" for f in dataclasses.fields(cls)}


def test_every_dataclass_of_the_module_takes_its_methods_from_by_value() -> None:
    # A plain @dataclass here would compile its __eq__ and __repr__ at every start-up.
    names = {cls.__name__ for cls in CLASSES}
    assert {"Exchange", "Frame", "Finding", "Location", "ExchangeResult", "Report"} <= names
    assert [cls.__name__ for cls in CLASSES if cls.__dataclass_params__.eq] == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_each_class_answers_as_its_dataclass(cls: type) -> None:
    other = twin(cls)
    given = values(cls)
    ours, theirs = cls(**given), other(**given)
    assert repr(ours) == repr(theirs)
    assert ours == cls(**given) and (ours != cls(**given)) is False
    assert ours.__eq__(theirs) is NotImplemented and ours.__eq__(given) is NotImplemented
    # Only the very same class compares by value, not a subclass (dataclass's rule).
    sub, other_sub = (
        type("Sub", (cls,), {"__slots__": ()}),
        type("Sub", (other,), {"__slots__": ()}),
    )
    assert (ours == sub(**given)) is (theirs == other_sub(**given)) is False
    for f in dataclasses.fields(cls):  # each compared field decides equality, as in the twin
        changed = {**given, f.name: "changed"}
        assert (ours == cls(**changed)) is (theirs == other(**changed))
    if cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        assert hash(ours) == hash(theirs)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(ours, dataclasses.fields(cls)[0].name, "x")
    else:
        assert cls.__hash__ is None and other.__hash__ is None
    assert str(inspect.signature(cls)) == str(inspect.signature(other))
    assert cls.__match_args__ == other.__match_args__  # type: ignore[attr-defined]
    assert cls.__slots__ == other.__slots__  # type: ignore[attr-defined]
    assert pickle.loads(pickle.dumps(ours)) == ours
    # Pickled as the class and every field, rebuilt by __init__ (a --jobs run's results).
    assert ours.__reduce__() == (cls, tuple(given.values()))
    assert copy.copy(ours) == ours and copy.deepcopy(ours) == ours
    assert dataclasses.replace(ours, **values(cls, "2")) == cls(**values(cls, "2"))
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_defaults_and_nested_values_read_the_same(cls: type) -> None:
    other = twin(cls)
    required = {
        f.name: f"{f.name}"
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert repr(cls(**required)) == repr(other(**required))
    assert cls(**required) == cls(**required)


def test_a_finding_compares_and_hashes_by_value() -> None:
    here = Location(source="a.sse", frame=3)
    finding = Finding("SC301", "missing-terminator", Severity.ERROR, "cut", here)
    same = Finding("SC301", "missing-terminator", Severity.ERROR, "cut", Location("a.sse", None, 3))
    assert finding == same and hash(finding) == hash(same) and len({finding, same}) == 1
    assert finding != dataclasses.replace(finding, hint="retry")
    assert repr(here) == (
        "Location(source='a.sse', exchange=None, frame=3, offset=None, line=None, path=None)"
    )


def test_a_secret_stays_out_of_an_exchanges_repr_but_counts_for_equality() -> None:
    common: dict[str, Any] = {
        "source": "a",
        "index": 0,
        "request": model.Request(),
        "status": 200,
        "headers": {},
        "chunks": [],
    }
    exchange = Exchange(**common, secrets=frozenset({"sk-hidden"}))
    assert "sk-hidden" not in repr(exchange) and "secrets" not in repr(exchange)
    assert exchange != Exchange(**common)
    with pytest.raises(TypeError):
        hash(exchange)


def test_a_repr_that_reaches_itself_says_so() -> None:
    ours, theirs = model.Report(), twin(model.Report)()
    ours.results.append(ours)  # type: ignore[arg-type]
    theirs.results.append(theirs)
    assert repr(ours) == repr(theirs) and "results=[...]" in repr(ours)
