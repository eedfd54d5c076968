"""`hub demo`: the whole chain against a fresh local hub, through signed HTTP as real partners would.

Two schools, an SWV, leerplicht of two gemeenten, a jeugdteam and an auditor register;
every step prints who asked, what came back and the afweging, in Dutch, for a school
administrator. The hub runs in this process on a free port, on SQLite in a temp dir.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import typer
import uvicorn
from nacl.signing import SigningKey

from adapters.disclosure import RECEIPT_HEADER
from audit.verify import verify_log
from domain.identifiers import generate_test_bsn
from domain.parties import Organisation, Role, organisation_id
from hub.app import create_app
from hub.client import SignatureAuth
from hub.container import Hub, build_hub
from hub.demo_casus import play_case
from hub.demo_output import Partner, afweging, check, say, step
from infra.pgcluster import free_port
from infra.settings import Settings

PUPIL_NAME = "Noor de Vries (testleerling)"
ZAANSTAD, AMSTERDAM = "GM0479", "GM0363"
PARTIES = (
    ("school", Role.SCHOOL, "12AB00", "Basisschool De Regenboog", None),
    ("ontvangende school", Role.SCHOOL, "34CD01", "Het Baken (voortgezet onderwijs)", None),
    ("SWV", Role.SWV, "PO2801", "Samenwerkingsverband Zaanstreek", None),
    ("leerplicht Zaanstad", Role.LEERPLICHT, ZAANSTAD, "Leerplicht Zaanstad", ZAANSTAD),
    ("leerplicht Amsterdam", Role.LEERPLICHT, AMSTERDAM, "Leerplicht Amsterdam", AMSTERDAM),
    ("jeugdteam", Role.JEUGDTEAM, "JT-zaanstad", "Jeugdteam Zaanstad-Noord", ZAANSTAD),
    ("auditor", Role.AUDITOR, "AP-toezicht", "Interne auditor", None),
)


@contextmanager
def _serving(hub: Hub) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _register(hub: Hub, base_url: str) -> dict[str, Partner]:
    partners: dict[str, Partner] = {}
    for label, role, code, name, gemeente in PARTIES:
        org = Organisation(organisation_id(role, code), role, name, code, gemeente)
        hub.orgs.add(org)
        seed = os.urandom(32)
        key_id = f"{org.org_id}#1"
        hub.orgs.add_key(org.org_id, key_id, SigningKey(seed).verify_key.encode())
        client = httpx.Client(base_url=base_url, auth=SignatureAuth(key_id, seed), timeout=30)
        partners[label] = Partner(label, org, client)
    hub.orgs.join_swv("school:12AB00", "swv:PO2801")
    return partners


def _consent(
    bsn: str, purpose: str, recipients: list[str], categories: list[str], items: list[str]
) -> dict[str, object]:
    start = datetime.now(UTC) - timedelta(minutes=1)
    return {
        "leerling": {"bsn": bsn, "geboortedatum": "2013-05-01"},
        "doel": purpose,
        "ontvangers": recipients,
        "categorieen": categories,
        "items": items,
        "geldig_van": start.isoformat(),
        "geldig_tot": (start + timedelta(days=300)).isoformat(),
        "gegeven_door": "ouder",
        "naam_gever": "ouder van de testleerling",
        "gegeven_op": start.date().isoformat(),
        "wijze": "ondertekend_formulier",
        "formulier_kenmerk": "DEMO-001",
    }


def run(var: Path) -> int:
    """Play the scenario; returns the exit code (0 when every step answered as expected)."""
    settings = Settings(
        database_url=f"sqlite:///{var}/hub.sqlite",
        var_dir=var,
        master_key_file=var / "master.key",
        pepper_file=var / "pepper.key",
        signing_key_file=var / "hub-signing.key",
        log_level="WARNING",
        _env_file=None,
    )
    hub = build_hub(settings)
    try:
        with _serving(hub) as url:
            return _scenario(hub, _register(hub, url))
    finally:
        hub.close()


def _scenario(hub: Hub, p: dict[str, Partner]) -> int:
    bsn = generate_test_bsn(random.Random())
    monday = date.today() - timedelta(days=date.today().weekday() + 7)
    say(f"Ketenhub-demo · testleerling met BSN {bsn} (testnummer) · woont in Zaanstad ({ZAANSTAD})", bold=True)
    say("Geregistreerd: " + ", ".join(f"{x.org.name} ({x.org.org_id})" for x in p.values()))

    step(1, p["school"].org.name, "meldt 16 uur ongeoorloofd verzuim (verzuimmelding)")
    push = p["school"].client.post
    melding = check(
        push(
            "/v1/verzuimmeldingen",
            headers={"Idempotency-Key": "demo-melding-1"},
            json={
                "leerling": {"bsn": bsn, "naam": PUPIL_NAME, "geboortedatum": "2013-05-01", "woongemeente": ZAANSTAD},
                "school": {"brin": "12AB", "vestiging": "00"},
                "soort": "ongeoorloofd_16_uur",
                "periode": {"begin": monday.isoformat(), "eind": (monday + timedelta(days=4)).isoformat()},
                "uren": 16,
                "acties": ["gesprek_ouders", "verzuimcoordinator"],
                "toelichting": "Ouders gebeld; afspraak gemaakt.",
            },
        ),
        201,
    )
    say(f"   → melding {melding['id']} · status {melding['status']} · gerouteerd naar {melding['ontvanger']}")

    step(2, p["school"].org.name, "stuurt een warme overdracht naar Het Baken, met twee warme items")
    overdracht = check(
        p["school"].client.post(
            "/v1/overdrachten",
            json={
                "leerling": {"bsn": bsn, "naam": PUPIL_NAME, "geboortedatum": "2013-05-01"},
                "school": {"brin": "12AB", "vestiging": "00"},
                "ontvangende_school": {"brin": "34CD", "vestiging": "01"},
                "rapport": {
                    "verzuim_samenvatting": "Aanwezigheid 88%; één 16-uursmelding dit jaar.",
                    "schooladvies": "havo",
                    "leerresultaten": "Rekenen boven gemiddeld.",
                    "ondersteuningsbehoefte": "Structuur bij taken.",
                    "opp_aanwezig": False,
                },
                "warme_items": [
                    {"sleutel": "leren", "tekst": "Leest traag; dyslexieonderzoek loopt."},
                    {"sleutel": "overig", "tekst": "Ouders gaan uit elkaar."},
                ],
                "versturen": True,
            },
        ),
        201,
    )
    say(f"   → overdracht {overdracht['id']} · status {overdracht['status']}")

    step(3, p["school"].org.name, "legt toestemming van ouders vast (alleen 'leren'; en voor het jeugdteam)")
    warm = check(
        p["school"].client.post(
            "/v1/toestemmingen",
            json=_consent(bsn, "warme-overdracht", ["school:34CD01"], ["warme_items"], ["leren"]),
        ),
        201,
    )
    jeugd = check(
        p["school"].client.post(
            "/v1/toestemmingen",
            json=_consent(bsn, "jeugdhulp-afstemming", ["jeugdteam:JT-zaanstad"], ["signaal", "verzuim"], []),
        ),
        201,
    )
    say(f"   → toestemmingen {warm['id']} en {jeugd['id']}, elk met een door de hub ondertekend bewijs (JWS)")

    step(4, "Leerplicht Zaanstad", "haalt de meldingen van de gemeente op")
    feed = check(p["leerplicht Zaanstad"].client.get(f"/v1/leerplicht/{ZAANSTAD}/meldingen"), 200)
    item = feed["items"][0]
    say(f"   → {len(feed['items'])} melding(en); velden: {', '.join(item['gegevens'])}")
    afweging(item["afweging"])

    step(5, "Leerplicht Zaanstad", "legt een HALT-afdoening vast; de school ziet de status")
    check(
        p["leerplicht Zaanstad"].client.post(
            f"/v1/verzuimmeldingen/{melding['id']}/acties", json={"route": "halt", "toelichting": "HALT-afdoening"}
        ),
        201,
    )
    status = check(p["school"].client.get(f"/v1/verzuimmeldingen/{melding['id']}"), 200)
    say(
        f"   → school ziet: status {status['status']}, acties leerplicht: "
        f"{[a['route'] for a in status['acties_leerplicht']]}"
    )

    step(6, "Leerplicht Amsterdam", "kijkt in de eigen feed en probeert die van Zaanstad")
    other = check(p["leerplicht Amsterdam"].client.get(f"/v1/leerplicht/{AMSTERDAM}/meldingen"), 200)
    refused = p["leerplicht Amsterdam"].client.get(f"/v1/leerplicht/{ZAANSTAD}/meldingen")
    say(
        f"   → eigen feed: {len(other['items'])} meldingen; feed van Zaanstad: {refused.status_code} "
        f"({refused.json()['detail']})"
    )

    step(7, "Het Baken", "haalt de overdracht op, met het toestemmingsbewijs van de ouders")
    got = check(
        p["ontvangende school"].client.get(
            f"/v1/overdrachten/{overdracht['id']}", headers={RECEIPT_HEADER: warm["bewijs"]}
        ),
        200,
    )
    say(
        f"   → rapport: schooladvies {got['gegevens']['rapport.schooladvies']}; warme items: "
        f"{list(got['warme_items'])}; achtergehouden: {got['warme_items_achtergehouden']}"
    )
    afweging(got["afweging"])
    check(p["ontvangende school"].client.post(f"/v1/overdrachten/{overdracht['id']}/ontvangst"), 200)

    step(8, "Jeugdteam", "vraagt met toestemming een signaal op")
    signal = check(p["jeugdteam"].client.get("/v1/jeugdteam/signaal", headers={RECEIPT_HEADER: jeugd["bewijs"]}), 200)
    say(f"   → {signal['gegevens']}")
    afweging(signal["afweging"])

    step(9, "De ouders", "trekken de toestemming voor de warme overdracht in; Het Baken vraagt opnieuw")
    check(p["school"].client.post(f"/v1/toestemmingen/{warm['id']}/intrekking", json={"reden": "ouders"}), 200)
    again = p["ontvangende school"].client.get(
        f"/v1/overdrachten/{overdracht['id']}", headers={RECEIPT_HEADER: warm["bewijs"]}
    )
    say(f"   → {again.status_code}: {again.json()['detail']}")
    if again.status_code != 403:
        return 1

    step(10, "SWV Zaanstreek", "vraagt de monitoring op (alleen aantallen)")
    mon = check(p["SWV"].client.get("/v1/swv/monitoring"), 200)
    say(
        f"   → meldingen per soort: {mon['verzuimmeldingen']['per_soort']['aantallen']} "
        f"(onderdrukt: {mon['verzuimmeldingen']['per_soort']['onderdrukt']}; kleine aantallen worden niet getoond)"
    )

    n = play_case(p, bsn, 11)

    step(n, "De auditor", "controleert het toegangslog en maakt het inzage-overzicht voor de ouders")
    hub.persistence.access_log.sign_head(hub.signing_key, hub.signing_key_id)
    report = verify_log(
        hub.persistence.access_log.entries(),
        hub.persistence.access_log.heads(),
        {hub.signing_key_id: hub.signing_key.verify_key},
    )
    say(f"   → log intact: {report.ok} ({report.entries_checked} regels, {report.heads_checked} ondertekende boomkop)")
    subject = hub.persistence.pseudonym("bsn", bsn)
    say("   → inzage (AVG art. 15): wie zag gegevens van deze leerling?")
    names = {x.org.org_id: x.org.name for x in p.values()}
    for e in hub.persistence.access_log.entries_of(subject):
        body = json.loads(e.body)
        if body["action"] == "disclose":
            say(
                f"     {body['at'][:19]} {names.get(body['org_id'], body['org_id'])}: "
                f"{', '.join(body['fields'])} · doel {body['purpose']} · grondslag {body['legal_basis']}"
            )
    return 0 if report.ok else 1


def main(var: Path | None = None) -> None:
    """Entry point of `hub demo`."""
    if var is not None:
        var.mkdir(parents=True, exist_ok=True)
        raise typer.Exit(run(var))
    with tempfile.TemporaryDirectory(prefix="ketenhub-demo-") as tmp:
        raise typer.Exit(run(Path(tmp)))
