"""The wheel carries migrations/ and exports/: installed in a fresh virtualenv, run elsewhere."""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_runs_the_demo_from_another_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("cjcase-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The wheel goes in alone; its dependencies come from this test environment, so the
    # check needs no network.
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", site, str(wheel)],
        check=True,
        capture_output=True,
    )
    Path(site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {
        **os.environ,
        "CJCASE_TODAY": "2026-11-20",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "home" / "data"),
    }
    environment.pop("CJCASE_DB", None)
    result = subprocess.run(
        [
            str(python),
            "-c",
            "import cjcase, sys; print(cjcase.__file__); from cjcase.launch import main; "
            "sys.argv=['cjcase','demo','--no-open','--clients','20']; main()",
        ],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert str(env_dir) in result.stdout.splitlines()[0]  # the installed copy, not the checkout
    assert "Demo caseload written" in result.stdout
    shipped = subprocess.run(
        [
            str(python),
            "-c",
            "from cjcase.store.resources import resource_dir; "
            "print(resource_dir('migrations')); print(resource_dir('exports'))",
        ],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert all(str(env_dir) in line for line in shipped.splitlines())
