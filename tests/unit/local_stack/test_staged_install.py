"""StagedInstall with a real subprocess standing in for Maven / npm: ``sh -c`` writing into the staging
folder it is given."""

from pathlib import Path

import pytest

from planetmail_local.stack.errors import StackError
from planetmail_local.stack.staged import STAMP, StagedInstall


def install(tmp_path: Path) -> StagedInstall:
    source = tmp_path / "lock.json"
    if not source.exists():
        source.write_text("v1")
    return StagedInstall(tmp_path / "cache" / "pkgs", source, tmp_path / "logs" / "install.log",
                         complete=lambda folder: (folder / "package").is_file())


def writes(content: str, exit_code: int = 0):
    script = f"echo {content} > {{}}/package; echo installing; exit {exit_code}"
    return lambda staging: ["sh", "-c", script.format(staging)]


def test_a_successful_install_lands_whole_and_stamped(tmp_path):
    target = install(tmp_path).run(writes("one"), "cause; fix")
    assert (target / "package").read_text() == "one\n"
    assert (target / STAMP).is_file()
    assert "installing" in (tmp_path / "logs" / "install.log").read_text()
    assert [p.name for p in target.parent.iterdir()] == ["pkgs"], "a staging folder was left behind"


def test_an_installed_folder_is_not_installed_again(tmp_path):
    install(tmp_path).run(writes("one"), "cause; fix")
    install(tmp_path).run(writes("two"), "cause; fix")
    assert (tmp_path / "cache" / "pkgs" / "package").read_text() == "one\n"


def test_a_changed_source_installs_again(tmp_path):
    install(tmp_path).run(writes("one"), "cause; fix")
    (tmp_path / "lock.json").write_text("v2")
    assert not install(tmp_path).installed()
    install(tmp_path).run(writes("two"), "cause; fix")
    assert (tmp_path / "cache" / "pkgs" / "package").read_text() == "two\n"


@pytest.mark.parametrize("command", [writes("one", exit_code=3),
                                     lambda staging: ["sh", "-c", "exit 0"]],
                         ids=["tool failed", "tool left it incomplete"])
def test_a_failed_install_keeps_the_previous_folder_and_names_the_log(tmp_path, command):
    install(tmp_path).run(writes("one"), "cause; fix")
    (tmp_path / "lock.json").write_text("v2")
    with pytest.raises(StackError, match=r"^cause; fix; log: .*install\.log$"):
        install(tmp_path).run(command, "cause; fix")
    assert (tmp_path / "cache" / "pkgs" / "package").read_text() == "one\n"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["pkgs"], "a staging folder was left behind"
