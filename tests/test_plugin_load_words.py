"""A third-party plugin that cannot load, said in merbench's words on the one warning line:
a malformed entry point, a hook that takes an argument no hook gives, and a module that
calls ``sys.exit`` as it is imported (which ended every command, silently)."""

from __future__ import annotations

from collections.abc import Callable

FIX = " — fix or reinstall the package, or skip it with --no-plugin tp"


def _warning(err: str) -> str:
    lines = [line for line in err.splitlines() if "plugin 'tp'" in line]
    assert len(lines) == 1, err
    assert "Error" not in lines[0] and "pluggy" not in lines[0].lower(), lines[0]
    return lines[0]


def test_a_malformed_entry_point(make_dist: Callable[..., None], cli) -> None:
    """``tp = this is not valid``: importlib's "'NoneType' object has no attribute
    'group'"."""
    make_dist("tp-bad", "tp", "this is not valid", "")
    code, _, err = cli("list", "models")
    assert code == 0
    assert _warning(err) == ("merbench: warning: plugin 'tp' (package tp-bad 1.0) failed to "
                             "load: its entry point 'this is not valid' is not "
                             "module:attribute" + FIX)


def test_a_hook_taking_an_argument_no_hook_gives(make_dist: Callable[..., None], cli) -> None:
    """pluggy's first line named the hook, not the reason (the argument ``extra``)."""
    make_dist("tp-sig", "tp", "tp_sig", """
        def merbench_register_models(registry, extra):
            pass
    """)
    code, _, err = cli("list", "models")
    assert code == 0
    assert _warning(err) == ("merbench: warning: plugin 'tp' (package tp-sig 1.0) failed to "
                             "load: its hook merbench_register_models takes arguments the "
                             "hook does not give (extra); it gives registry" + FIX)


def test_a_plugin_that_exits_as_it_is_imported(make_dist: Callable[..., None], cli) -> None:
    """``sys.exit(3)`` in a plugin's module ended every merbench command with status 3 and
    no word; now it is that plugin's failure, and the command goes on."""
    make_dist("tp-exit", "tp", "tp_exit", """
        import sys
        sys.exit(3)
    """)
    code, out, err = cli("list", "models")
    assert code == 0 and "ststnet" in out
    assert _warning(err) == ("merbench: warning: plugin 'tp' (package tp-exit 1.0) failed to "
                             "load: it exited the process while it was imported (sys.exit(3)); "
                             "it is left out" + FIX)
