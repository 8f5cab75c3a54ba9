"""The `gostack-kit run` command echoes its arguments and prints the model's events."""

from gostack_kit.app.cli import main


def test_run_contiguous_prints_args_events_and_summary(capsys):
    assert main(["run", "contiguous", "--frame", "1016", "--depth", "3", "--entry-used", "100"]) == 0
    out = capsys.readouterr().out
    assert "ARG frame 1016" in out and "ARG depth 3" in out
    assert "grow" in out and "2048 -> 4096" in out and "4096 -> 8192" in out
    assert "final_size: 8192" in out


def test_hot_split_command(capsys):
    assert main(["run", "hot-split", "--depth", "79", "--entry-used", "88", "-n", "50"]) == 0
    out = capsys.readouterr().out
    assert "splits: 50" in out and "ns/iteration" in out


def test_bad_arguments_are_one_line_errors(capsys):
    assert main(["run", "contiguous", "--frame", "0"]) == 2
    assert "frame" in capsys.readouterr().err
    assert main(["nope"]) == 2
