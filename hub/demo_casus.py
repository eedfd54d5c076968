"""The thuiszitter case in `hub demo`: opened by the SWV, two actions logged, the clock, closed.

A pupil has sat at home for three weeks, waiting for care. The SWV opens the case; the school (the
regisseur) and the SWV log an action each; the clock is read as it will stand in two weeks, past
the four weeks of casusregie; the jeugdteam is refused without the parents' consent; a passend
aanbod closes the case, which then takes no more entries; the SWV's quarterly report to the
inspectie counts it, the one closed case hidden as a small cell.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.periods import kwartaal_van
from hub.demo_output import Partner, check, say, step

URL = "/v1/thuiszittercasussen"
ZAANSTAD = "GM0479"


def play_case(p: dict[str, Partner], bsn: str, first: int) -> int:
    """Play the case from step `first`; returns the next step's number."""
    swv, school = p["SWV"].client, p["school"].client
    today = date.today()
    step(
        first, p["SWV"].org.name, "de leerling zit sinds drie weken thuis (wachtlijst zorg): opent een thuiszittercasus"
    )
    case = check(
        swv.post(
            URL,
            json={
                "leerling": {"bsn": bsn},
                "school": {"brin": "12AB", "vestiging": "00"},
                "woongemeente": ZAANSTAD,
                "thuis_sinds": (today - timedelta(weeks=3)).isoformat(),
                "reden": "wachtlijst_zorg",
            },
        ),
        201,
    )
    url = f"{URL}/{case['id']}"
    regie = ", ".join(r["organisatie"] or r["rol"] for r in case["regisseurs"])
    say(f"   → casus {case['id']} · regie: {regie} · {_klok(case['klok'])}")

    step(first + 1, "De regisseurs", "leggen elk een actie vast in het logboek (de notitie wordt versleuteld bewaard)")
    for who, client, actie, notitie in (
        (p["school"], school, "gesprek_ouders", "Ouders willen graag een plek met zorg in de klas."),
        (p["SWV"], swv, "mdo", "MDO met jeugdteam en school: brugplaats tot de zorg start."),
    ):
        entry = check(
            client.post(f"{url}/logboek", json={"datum": today.isoformat(), "actie": actie, "notitie": notitie}), 201
        )
        say(f"   → regel {entry['nummer']}: {actie} door {who.org.name}")

    step(first + 2, p["SWV"].org.name, "kijkt vooruit: zo staat de klok over twee weken, als er niets verandert")
    ahead = check(swv.get(url, params={"peildatum": (today + timedelta(weeks=2)).isoformat()}), 200)
    say(f"   → peildatum {ahead['peildatum']}: {_klok(ahead['gegevens']['casus.klok'])}")
    listed = check(swv.get(URL, params={"open": "true"}), 200)
    say(
        f"   → lijst van open casussen van het SWV: {len(listed['items'])} casus(sen), vandaag gemarkeerd: "
        f"{sum(bool(i['vlag']) for i in listed['items'])}"
    )

    step(first + 3, "Jeugdteam", "vraagt de casus op zonder toestemming van de ouders")
    refused = p["jeugdteam"].client.get(url)
    say(f"   → {refused.status_code}: {refused.json()['detail']}")
    if refused.status_code != 403:
        raise RuntimeError(f"the jeugdteam read a case without consent: {refused.status_code}")

    step(first + 4, p["SWV"].org.name, "sluit de casus: er is een passend aanbod")
    closed = check(
        swv.post(f"{url}/sluiting", json={"resultaat": "passend_aanbod", "notitie": "Plaats op het SO."}), 200
    )
    late = school.post(f"{url}/logboek", json={"datum": today.isoformat(), "actie": "overig"})
    say(f"   → status {closed['status']}; een nieuwe logboekregel daarna: {late.status_code} (alleen-lezen)")

    kwartaal = kwartaal_van(today)
    step(
        first + 5, p["SWV"].org.name, f"haalt de kwartaalrapportage {kwartaal} voor de inspectie op (alleen aantallen)"
    )
    report = check(swv.get(f"/v1/swv/kwartaalrapportages/{kwartaal}"), 200)
    beeindigd = report["beeindigd"]
    say(
        f"   → nieuw: {_cel(report['nieuw']['totaal'])} · beëindigd: {_cel(beeindigd['totaal'])} · passend aanbod: "
        f"{_cel(beeindigd['per_resultaat']['aantallen']['passend_aanbod'])} · onderdrukt (1 t/m 4, of daaruit af te "
        f"leiden): {', '.join(beeindigd['per_resultaat']['onderdrukt'])}"
    )
    if beeindigd["per_resultaat"]["aantallen"]["passend_aanbod"] is not None:
        raise RuntimeError("the quarterly report showed a single closed case")
    say("   → als document: hub rapport thuiszitters --swv CODE --kwartaal " + kwartaal + " --format pdf")
    return first + 6


def _cel(value: object) -> str:
    return "x (onderdrukt)" if value is None else str(value)


def _klok(klok: dict[str, object]) -> str:
    return (
        f"{klok['weken_thuis']} weken thuis, stadium {klok['stadium']}, passend aanbod uiterlijk "
        f"{klok['aanbod_uiterlijk']}{' · GEMARKEERD' if klok['vlag'] else ''}"
    )
