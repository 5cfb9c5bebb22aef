import os
import pathlib

import pytest


def scenarios_dir() -> pathlib.Path:
    env = os.environ.get("SESSHU_SCENARIOS")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[4] / "shared" / "scenarios"


def project_scenarios_dir() -> pathlib.Path:
    """The project's own edge cases beyond the shared floor."""
    return pathlib.Path(__file__).resolve().parents[3] / "tests" / "scenarios"


@pytest.fixture
def tmp_db(tmp_path):
    return str(tmp_path / "sesshu.db")



@pytest.fixture(scope="session")
def signers(tmp_path_factory) -> pathlib.Path:
    """A throwaway CA and signers made by scripts/throwaway-signer."""
    import subprocess
    directory = tmp_path_factory.mktemp("signers")
    script = pathlib.Path(__file__).resolve().parents[3] / "scripts" / "throwaway-signer"
    subprocess.run([str(script), str(directory)], check=True)
    return directory
