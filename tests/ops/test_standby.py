"""docs/scaling.md: auditors' commands read a hot standby, so a long verify never competes with pushes."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from domain.parties import Role
from hub.app import create_app
from hub.container import build_hub
from infra.pgcluster import Cluster, Standby
from tests.conftest import make_settings
from tests.hub.helpers import melding_body, new_bsn
from tests.ops.helpers import hub_cli, signed_client

GEMEENTE = "GM0479"


@pytest.mark.postgres
def test_verify_inzage_and_replay_run_on_a_hot_standby(pg_cluster: Cluster, tmp_path: Path) -> None:
    """pg_cluster only skips this where PostgreSQL is not installed: the primary is a cluster of its own."""
    primary, standby = Cluster().start(), None
    try:
        url = primary.new_database()
        settings = make_settings(url, tmp_path / "var")
        hub = build_hub(settings)
        try:
            app = create_app(hub)
            school = signed_client(hub, app, Role.SCHOOL, "12AB00")
            leerplicht = signed_client(hub, app, Role.LEERPLICHT, GEMEENTE, GEMEENTE)
            bsn = new_bsn()
            for pupil in (bsn, new_bsn(), new_bsn()):
                pushed = school.post("/v1/verzuimmeldingen", json=melding_body(pupil, gemeente=GEMEENTE))
                assert pushed.status_code == 201
            assert len(leerplicht.get(f"/v1/leerplicht/{GEMEENTE}/meldingen").json()["items"]) == 3
            hub_cli(settings, "audit", "sign-head")
            size = hub.persistence.access_log.size()
        finally:
            hub.close()

        standby = Standby(primary).start()
        standby.wait_until_caught_up()
        replica = make_settings(standby.admin_url(url.rsplit("/", 1)[1]), settings.var_dir)
        with psycopg.connect(replica.database_url) as conn, pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM hub_access_log")  # a real standby: it takes no writes

        verified = json.loads(hub_cli(replica, "audit", "verify", "--json", HUB_CREATE_TABLES="false").output)
        assert verified["ok"] and verified["entries_checked"] == size == 6  # 3 writes, 3 disclosures
        assert verified["heads_checked"] >= 1
        inzage = json.loads(
            hub_cli(replica, "audit", "inzage", "--pupil", bsn, "--json", HUB_CREATE_TABLES="false").output
        )
        assert len(inzage["regels"]) == 2  # the school's write and leerplicht's disclosure
        hub_cli(replica, "audit", "replay", HUB_CREATE_TABLES="false")
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()
