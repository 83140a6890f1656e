"""The program's process defers the standard-library modules no check reads (deferred.py):
nothing runs until a name of one is read, then the real module serves everyone who bound it."""

from __future__ import annotations

from tests.conftest import ROOT, run_python


def _run(code: str) -> list[str]:
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_deferred_module_runs_only_when_a_name_of_it_is_read() -> None:
    out = _run(
        "import sys; from streamcheck import deferred; deferred.defer();"
        " import dataclasses, orjson, pathlib, urllib.parse;"
        " bound = urllib.parse.ipaddress;"
        " print('ast' in sys.modules, type(bound).__name__, 'ip_address' in vars(bound));"
        " print(bound.ip_address('::1').version, 'ip_address' in vars(bound));"
        " import ipaddress; print(ipaddress is not bound, type(ipaddress).__name__,"
        " type(bound).__name__, hasattr(bound, 'no_such_name'))"
    )
    # Bound by dataclasses and urllib.parse without running; read, the real module runs, the
    # stand-in holds its names, and later imports get the real module.
    assert out == ["False", "_Deferred", "False", "6", "True", "True", "module", "module", "False"]


def test_whoever_bound_the_stand_in_reads_the_real_functions() -> None:
    # dataclasses reads inspect.signature for a class with no docstring: its doc is the
    # signature, as without the stand-in, and the function is the real module's.
    out = _run(
        "import sys; from streamcheck import deferred; deferred.defer();"
        " import dataclasses; before = 'ast' in sys.modules;"
        " Point = dataclasses.dataclass(type('Point', (), {'__annotations__': {'x': 'int'}}));"
        " import inspect;"
        " print(before, Point.__doc__.replace(' ', ''),"
        " dataclasses.inspect.signature is inspect.signature,"
        " dataclasses.inspect.__file__ == inspect.__file__ != None)"
    )
    assert out == ["False", "Point(x:'int')", "True", "True"]


def test_a_module_already_imported_is_left_as_it_is() -> None:
    out = _run(
        "import sys, inspect; real = inspect; from streamcheck import deferred;"
        " deferred.defer(); print(sys.modules['inspect'] is real)"
    )
    assert out == ["True"]


def test_the_program_defers_them_and_a_library_caller_does_not() -> None:
    from tests.test_check_imports import imported

    fixture = str(ROOT / "fixtures" / "openai" / "text-answer.sse")
    assert not {"inspect", "ipaddress"} & imported("check", fixture)
    # The library in a process of its own: its imports are its caller's to decide.
    library = imported(python=("-c", f"import streamcheck; streamcheck.check_paths([{fixture!r}])"))
    assert "inspect" in library


def test_threads_that_read_a_stand_in_first_together_load_one_module() -> None:
    # Eight threads released at once read a fresh stand-in, with a thread switch allowed at
    # nearly every instruction: every one gets the real module's class, and the module in
    # sys.modules is the one whose names the stand-in holds (no second copy loaded). Without
    # the lock, a few of 400 such rounds went wrong.
    out = _run(
        "import sys, threading\n"
        "from streamcheck import deferred\n"
        "sys.setswitchinterval(1e-7)\n"
        "wrong = 0\n"
        "for _ in range(400):\n"
        "    sys.modules.pop('ipaddress', None)\n"
        "    deferred.defer(('ipaddress',))\n"
        "    stand_in = sys.modules['ipaddress']\n"
        "    barrier = threading.Barrier(8)\n"
        "    seen = []\n"
        "    def read():\n"
        "        barrier.wait()\n"
        "        try:\n"
        "            seen.append(stand_in.IPv4Address)\n"
        "        except Exception as exc:\n"
        "            seen.append(exc)\n"
        "    threads = [threading.Thread(target=read) for _ in range(8)]\n"
        "    for thread in threads:\n"
        "        thread.start()\n"
        "    for thread in threads:\n"
        "        thread.join()\n"
        "    real = sys.modules['ipaddress'].IPv4Address\n"
        "    wrong += any(s is not real for s in seen) or stand_in.IPv4Address is not real\n"
        "print(wrong)\n"
    )
    assert out == ["0"]
