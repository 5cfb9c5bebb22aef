import os
import pathlib

import pytest


def scenarios_dir() -> pathlib.Path:
    env = os.environ.get("SESSHU_SCENARIOS")
    if env:
        return pathlib.Path(env)
    return pathlib.Path(__file__).resolve().parents[4] / "shared" / "scenarios"


@pytest.fixture
def tmp_db(tmp_path):
    return str(tmp_path / "sesshu.db")
