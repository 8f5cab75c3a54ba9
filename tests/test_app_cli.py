"""`gostack-kit run` prints the model's events (its arguments as ARG lines only with -v)."""

from gostack_kit.app.cli import main


def test_run_contiguous_prints_args_events_and_summary(capsys):
    argv = ["run", "contiguous", "--frame", "1016", "--depth", "3", "--entry-used", "100"]
    assert main(argv) == 0
    quiet = capsys.readouterr().out
    assert "ARG" not in quiet and quiet.startswith("ContiguousStack(")
    assert main([*argv, "-v"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == ["ARG model contiguous", "ARG callee 200"]
    assert "ARG frame 1016" in out and "ARG depth 3" in out and "ARG verbose" not in out
    assert out.split("\n\n", 1)[1] == quiet
    assert "grow" in out and "2048 -> 4096" in out and "4096 -> 8192" in out
    assert "final_size: 8192" in out


def test_hot_split_command(capsys):
    assert main(["run", "hot-split", "--depth", "79", "--entry-used", "88", "-n", "50"]) == 0
    out = capsys.readouterr().out
    assert "splits: 50" in out and "ns/iteration" in out and "ARG" not in out


def test_grade_prints_arg_lines_only_with_verbose(capsys, tmp_path):
    (tmp_path / "none").mkdir()  # an empty folder of submissions: nothing to grade, quickly
    argv = ["grade", str(tmp_path / "none"), "-o", str(tmp_path / "out")]
    assert [main(argv), main([*argv, "-q"])] == [0, 0]
    quiet = capsys.readouterr()
    assert "ARG" not in quiet.out + quiet.err
    assert main([*argv, "-q", "-v"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [f"ARG paths {tmp_path / 'none'}", "ARG jobs 2"]


def test_bad_arguments_are_one_line_errors(capsys):
    assert main(["run", "contiguous", "--frame", "0"]) == 2
    assert "frame" in capsys.readouterr().err
    assert main(["nope"]) == 2
