"""The API docs work on a machine with no internet: every asset they load is served by us."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_only_local_assets(client: TestClient, page: str) -> None:
    """/docs and /redoc reference scripts and styles on this server only, and each is served."""
    html = client.get(page).text
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert assets
    for url in assets:
        assert url.startswith("/"), f"{page} loads {url} from elsewhere"
        assert client.get(url).status_code == 200
