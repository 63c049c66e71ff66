"""One parser a thread carries out every command line (merbench.cli.parser.parse_command_line):
no parse, refused or not, and no command changing what it was handed, may change what the
next command line is parsed into."""

from __future__ import annotations

import threading

import pytest

from merbench.cli.parser import parse_command_line


def test_a_command_adding_to_a_default_list_changes_no_later_line() -> None:
    first = parse_command_line(["list", "models"])
    first.no_plugin.append("cnn")  # what a command may do with what it was handed
    assert parse_command_line(["list", "models"]).no_plugin == []


def test_a_refused_line_leaves_nothing_for_the_next() -> None:
    with pytest.raises(SystemExit):
        parse_command_line(["run", "--model", "ststnet", "--dataset", "synthetic",
                            "--epochs", "1", "--epochs", "2"])
    args = parse_command_line(["run", "--model", "ststnet", "--dataset", "synthetic",
                               "--epochs", "2"])
    assert args.epochs == 2


def test_each_thread_parses_with_its_own_parser() -> None:
    seen: list[int] = []

    def parse() -> None:
        seen.append(parse_command_line(["run", "--model", "ststnet", "--dataset",
                                        "synthetic", "--epochs", "3"]).epochs)

    threads = [threading.Thread(target=parse) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [3, 3, 3]
