import pytest
from fastapi.testclient import TestClient

from rag.api import create_app
from rag.config import Settings


@pytest.fixture(scope="session")
def client(settings, engine):
    app = create_app(settings, engine)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="session")
def admin_client(index_dir, engine, tmp_path_factory):
    """A second app over the same engine, with an admin key set."""
    admin_settings = Settings(index_dir=index_dir, ui=False, admin_key="geheim-test-sleutel")
    app = create_app(admin_settings, engine)
    with TestClient(app) as c:
        yield c
