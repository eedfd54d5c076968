"""Issue 16's attacks on involvement, consent authority and refusal logging, over signed HTTP on
both backends: each asserts the status, that nothing of the pupil leaked in the answer, and
that exactly one refusal entry with its closed reason code names the pupil in the access log."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from adapters.disclosure import RECEIPT_HEADER
from audit.refusals import Refused
from consent.policy import decide
from domain.catalogue import PURPOSES
from domain.fields import FIELDS
from domain.parties import Role
from tests.consent import factories as f
from tests.hub.attack_helpers import (
    CASE_CATEGORIES,
    GM_HOME,
    GM_OTHER,
    JEUGD_CATEGORIES,
    JEUGDTEAM,
    OTHER_SWV,
    RECEIVER,
    STRANGER,
    SWV,
    World,
    assert_no_leak,
    assert_problem,
    assert_refused,
    build_world,
    records_of,
)
from tests.hub.helpers import consent_body, enrol, inschrijving_body, melding_body, new_bsn, overdracht_body

NOT_INVOLVED = Refused.NOT_INVOLVED.value
WRONG_ROLE = Refused.WRONG_ROLE.value
NOT_FOUND = Refused.NOT_FOUND.value
ERASED = Refused.ERASED.value
RECEIPT_REFUSED = Refused.RECEIPT_REFUSED.value


@pytest.fixture
def world(hub, register) -> World:
    return build_world(hub, register)


def _tafel(bsn: str, recipients: list[str] | None = None) -> dict[str, Any]:
    return consent_body(bsn, "thuiszitterstafel", recipients or [f"leerplicht:{GM_HOME}"], CASE_CATEGORIES, [])


def _jeugd(bsn: str, recipients: list[str] | None = None) -> dict[str, Any]:
    return consent_body(bsn, "jeugdhulp-afstemming", recipients or [f"jeugdteam:{JEUGDTEAM}"], JEUGD_CATEGORIES, [])


def _warm(bsn: str, recipients: list[str] | None = None) -> dict[str, Any]:
    return consent_body(bsn, "warme-overdracht", recipients or [f"school:{RECEIVER}"], ["warme_items"], ["leren"])


def _melding(world: World, bsn: str, party: str = "school", school: str = "12AB00") -> str:
    r = world.client(party).post("/v1/verzuimmeldingen", json=melding_body(bsn, school=school, gemeente=GM_HOME))
    assert r.status_code == 201, r.text
    mid: str = r.json()["id"]
    return mid


def _overdracht(world: World, bsn: str) -> str:
    r = world.client("school").post("/v1/overdrachten", json=overdracht_body(bsn=bsn))
    assert r.status_code == 201, r.text
    oid: str = r.json()["id"]
    return oid


def _record(world: World, party: str, body: dict[str, Any]) -> dict[str, Any]:
    r = world.client(party).post("/v1/toestemmingen", json=body)
    assert r.status_code == 201, r.text
    consent: dict[str, Any] = r.json()
    return consent


def _nothing_recorded(world: World, start: int, subject: str, consents: int = 0) -> None:
    """No consent in the directory beyond the `consents` there were, and no write in the log since `start`."""
    assert len(records_of(world, subject, "toestemming")) == consents
    assert [e for e in world.entries(start) if e["action"] == "write"] == []


def _refused_consent(world: World, party: str, body: dict[str, Any], code: str) -> None:
    bsn = body["leerling"]["bsn"]
    subject = world.pseudonym(bsn)
    consents = len(records_of(world, subject, "toestemming"))
    start = world.mark()
    r = world.client(party).post("/v1/toestemmingen", json=body)
    entry = assert_refused(world, start, r, 403, code, subject, bsn, org=world.org(party))
    assert entry["purpose"] == body["doel"]
    _nothing_recorded(world, start, subject, consents)


# -- consent authority ------------------------------------------------------------------------


def test_a_school_with_no_relation_cannot_record_a_consent_and_the_jeugdteam_gets_nothing(world) -> None:
    """Issue 16's first attack: a stranger school names the jeugdteam for another school's pupil."""
    bsn = new_bsn()
    _melding(world, bsn)
    _refused_consent(world, "stranger", _jeugd(bsn), NOT_INVOLVED)
    _refused_consent(world, "stranger", _warm(bsn), NOT_INVOLVED)
    _refused_consent(world, "stranger", _tafel(bsn), NOT_INVOLVED)
    start = world.mark()
    r = world.client("jeugdteam").get("/v1/jeugdteam/signaal")
    assert_refused(world, start, r, 403, Refused.RECEIPT_MISSING.value, None, bsn)
    # The school of registration itself may: the control that the refusal was about involvement.
    assert _record(world, "school", _jeugd(bsn))["status"] == "gegeven"


def test_an_swv_that_is_not_the_pupils_cannot_record_a_thuiszitterstafel_consent(world) -> None:
    bsn = new_bsn()
    enrol(world.client("school"), bsn)
    _refused_consent(world, "other_swv", _tafel(bsn, [f"swv:{OTHER_SWV}"]), NOT_INVOLVED)
    _refused_consent(world, "other_swv", _jeugd(bsn), NOT_INVOLVED)
    # The SWV of the school of registration may (003 §4.2: it chairs the table).
    assert _record(world, "swv", _tafel(bsn, [f"swv:{SWV}"]))["status"] == "gegeven"


def test_the_swv_of_a_school_whose_inschrijving_ended_is_no_longer_involved(world) -> None:
    bsn = new_bsn()
    school = world.client("school")
    inschrijving = enrol(school, bsn)
    assert _record(world, "swv", _tafel(bsn))["status"] == "gegeven"
    ended = school.post(f"/v1/inschrijvingen/{inschrijving['id']}/beeindiging")
    assert ended.status_code == 200 and ended.json()["tot"] is not None, ended.text
    start = world.mark()
    r = world.client("swv").post("/v1/toestemmingen", json=_tafel(bsn))
    assert_refused(world, start, r, 403, NOT_INVOLVED, world.pseudonym(bsn), bsn)
    _refused_consent(world, "school", _jeugd(bsn), NOT_INVOLVED)  # nor the school itself


def test_an_swv_is_involved_only_through_a_member_school(world) -> None:
    """The stranger school is of the other SWV: a pupil registered there is not this SWV's."""
    bsn = new_bsn()
    enrol(world.client("stranger"), bsn, STRANGER)
    _refused_consent(world, "swv", _tafel(bsn), NOT_INVOLVED)
    assert _record(world, "other_swv", _tafel(bsn))["status"] == "gegeven"


def test_leerplicht_records_a_thuiszitterstafel_consent_only_for_its_woongemeente(world) -> None:
    bsn = new_bsn()
    _refused_consent(world, "leerplicht", _tafel(bsn), NOT_INVOLVED)  # before any melding
    _melding(world, bsn)
    _refused_consent(world, "other_leerplicht", _tafel(bsn, [f"leerplicht:{GM_OTHER}"]), NOT_INVOLVED)
    assert _record(world, "leerplicht", _tafel(bsn))["status"] == "gegeven"


@pytest.mark.parametrize(
    ("party", "body"),
    [
        ("leerplicht", _warm),  # warme-overdracht: the school tells the parents what it will share
        ("leerplicht", _jeugd),  # jeugdhulp-afstemming: the school or SWV that asks the team in
        ("jeugdteam", _tafel),
        ("jeugdteam", _jeugd),
        ("auditor", _tafel),
        ("swv", _warm),
    ],
)
def test_a_role_the_purpose_does_not_let_record_is_refused(world, party: str, body: Callable[..., Any]) -> None:
    bsn = new_bsn()
    _melding(world, bsn)  # the school, its SWV and leerplicht of the woongemeente are involved
    _refused_consent(world, party, body(bsn), WRONG_ROLE)


@pytest.mark.parametrize(
    ("body", "fits", "recipient"),
    [
        (_warm, f"school:{RECEIVER}", "school:99ZZ00"),  # not registered
        (_warm, f"school:{RECEIVER}", f"leerplicht:{GM_HOME}"),  # receives nothing under warme-overdracht
        (_jeugd, f"jeugdteam:{JEUGDTEAM}", f"swv:{SWV}"),  # jeugdhulp-afstemming goes to the jeugdteam only
        (_jeugd, f"jeugdteam:{JEUGDTEAM}", f"school:{RECEIVER}"),
        (_tafel, f"leerplicht:{GM_HOME}", "auditor:ADT01"),
        (_tafel, f"leerplicht:{GM_HOME}", "jeugdteam:JT9999"),  # not registered
    ],
)
def test_recipients_must_be_registered_and_fit_the_purpose(
    world, body: Callable[..., Any], fits: str, recipient: str
) -> None:
    bsn = new_bsn()
    enrol(world.client("school"), bsn)
    start = world.mark()
    r = world.client("school").post("/v1/toestemmingen", json=body(bsn, [fits, recipient]))
    problem = assert_problem(r, 422)
    assert problem["fouten"][0]["veld"] == "ontvangers[1]"
    assert_no_leak(r, bsn)
    assert records_of(world, world.pseudonym(bsn), "toestemming") == []
    assert world.entries(start) == []  # bad input is no refusal of data, and nothing was written


def test_only_the_recorder_withdraws_and_another_partys_attempt_is_logged(world) -> None:
    bsn = new_bsn()
    enrol(world.client("school"), bsn)
    enrol(world.client("receiver"), bsn, RECEIVER)  # involved too, but did not record it
    consent = _record(world, "school", _tafel(bsn))
    subject = world.pseudonym(bsn)
    for party in ("receiver", "stranger"):
        start = world.mark()
        r = world.client(party).post(f"/v1/toestemmingen/{consent['id']}/intrekking", json={"reden": "x"})
        entry = assert_refused(world, start, r, 404, NOT_FOUND, subject, bsn, org=world.org(party))
        assert entry["record_id"] == consent["id"]
    still = world.client("school").get(f"/v1/toestemmingen/{consent['id']}")
    assert still.json()["status"] == "gegeven"


# -- refusals on the record: wrong role, wrong gemeente, wrong school ---------------------------


def test_wrong_role_wrong_school_and_wrong_gemeente_are_logged_with_the_pupil(world) -> None:
    bsn = new_bsn()
    subject = world.pseudonym(bsn)
    mid = _melding(world, bsn)
    oid = _overdracht(world, bsn)
    iid = enrol(world.client("school"), bsn)["id"]
    attempts: list[tuple[str, str, str, dict[str, Any] | None, str, str | None]] = [
        ("leerplicht", "POST", "/v1/verzuimmeldingen", melding_body(bsn, gemeente=GM_HOME), WRONG_ROLE, subject),
        ("leerplicht", "POST", "/v1/inschrijvingen", inschrijving_body(bsn), WRONG_ROLE, subject),
        ("swv", "POST", "/v1/overdrachten", overdracht_body(bsn=bsn), WRONG_ROLE, subject),
        ("leerplicht", "GET", f"/v1/overdrachten/{oid}", None, WRONG_ROLE, subject),
        ("jeugdteam", "GET", f"/v1/verzuimmeldingen/{mid}", None, WRONG_ROLE, subject),
        ("swv", "GET", f"/v1/inschrijvingen/{iid}", None, WRONG_ROLE, subject),
        ("school", "POST", f"/v1/verzuimmeldingen/{mid}/acties", {"route": "halt"}, WRONG_ROLE, subject),
        ("school", "GET", f"/v1/leerplicht/{GM_HOME}/meldingen", None, WRONG_ROLE, None),
        ("school", "GET", "/v1/jeugdteam/signaal", None, WRONG_ROLE, None),
        ("other_leerplicht", "GET", f"/v1/leerplicht/{GM_HOME}/meldingen", None, Refused.WRONG_GEMEENTE.value, None),
        (
            "stranger",
            "POST",
            "/v1/verzuimmeldingen",
            melding_body(bsn, gemeente=GM_HOME),  # the body names 12AB00, signed by 56EF00
            Refused.WRONG_SCHOOL.value,
            subject,
        ),
        ("stranger", "POST", "/v1/inschrijvingen", inschrijving_body(bsn), Refused.WRONG_SCHOOL.value, subject),
    ]
    for party, method, path, body, code, named in attempts:
        start = world.mark()
        r = world.client(party).request(method, path, json=body)
        assert_refused(world, start, r, 403, code, named, bsn, org=world.org(party))


def test_a_case_asked_by_the_wrong_role_or_gemeente_names_the_pupil_of_the_melding(world) -> None:
    """GET /v1/leerplicht/{gm}/meldingen/{id}/casus names a record: a refusal must name its pupil,
    or the parent's inzage (which selects by pupil) never shows the attempt."""
    bsn = new_bsn()
    mid = _melding(world, bsn)
    subject = world.pseudonym(bsn)
    for party, gemeente, code in (
        ("other_leerplicht", GM_HOME, Refused.WRONG_GEMEENTE.value),
        ("school", GM_HOME, WRONG_ROLE),
    ):
        start = world.mark()
        r = world.client(party).get(f"/v1/leerplicht/{gemeente}/meldingen/{mid}/casus")
        assert_refused(world, start, r, 403, code, subject, bsn)


# -- 404 on another party's record, 410 on an erased one ----------------------------------------


def test_another_partys_record_is_404_and_the_attempt_names_the_pupil(world) -> None:
    bsn = new_bsn()
    subject = world.pseudonym(bsn)
    mid = _melding(world, bsn)
    oid = _overdracht(world, bsn)
    iid = enrol(world.client("school"), bsn)["id"]
    cid = _record(world, "school", _tafel(bsn))["id"]
    attempts: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("stranger", "GET", f"/v1/verzuimmeldingen/{mid}", None),
        ("receiver", "POST", f"/v1/verzuimmeldingen/{mid}/correcties", {"uren": 20, "reden": "x"}),
        ("stranger", "POST", f"/v1/verzuimmeldingen/{mid}/intrekking", {"reden": "x"}),
        ("stranger", "GET", f"/v1/overdrachten/{oid}", None),
        ("stranger", "POST", f"/v1/overdrachten/{oid}/ontvangst", None),
        ("receiver", "POST", f"/v1/overdrachten/{oid}/sluiting", {"reden": "x"}),
        ("receiver", "GET", f"/v1/toestemmingen/{cid}", None),
        ("swv", "GET", f"/v1/toestemmingen/{cid}", None),
        ("stranger", "GET", f"/v1/inschrijvingen/{iid}", None),
        ("receiver", "POST", f"/v1/inschrijvingen/{iid}/beeindiging", None),
        ("other_leerplicht", "GET", f"/v1/leerplicht/{GM_OTHER}/meldingen/{mid}/casus", None),
        ("other_leerplicht", "POST", f"/v1/verzuimmeldingen/{mid}/acties", {"route": "halt"}),
    ]
    for party, method, path, body in attempts:
        start = world.mark()
        r = world.client(party).request(method, path, json=body)
        entry = assert_refused(world, start, r, 404, NOT_FOUND, subject, bsn, org=world.org(party))
        assert entry["record_id"] in (mid, oid, iid, cid), entry
    # None of them changed anything: the inschrijving is open, the consent given, the melding as filed.
    assert world.client("school").get(f"/v1/inschrijvingen/{iid}").json()["tot"] is None
    assert world.client("school").get(f"/v1/toestemmingen/{cid}").json()["status"] == "gegeven"
    assert world.client("school").get(f"/v1/verzuimmeldingen/{mid}").json()["versie"] == 1


def test_an_unknown_id_is_404_and_logged_without_a_pupil(world) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for party, path in (
        ("school", f"/v1/verzuimmeldingen/{unknown}"),
        ("school", f"/v1/overdrachten/{unknown}"),
        ("school", f"/v1/toestemmingen/{unknown}"),
        ("school", f"/v1/inschrijvingen/{unknown}"),
        ("leerplicht", f"/v1/leerplicht/{GM_HOME}/meldingen/{unknown}/casus"),
    ):
        start = world.mark()
        r = world.client(party).get(path)
        assert_refused(world, start, r, 404, NOT_FOUND, None, "-no-pupil-")


def test_an_erased_record_is_410_and_the_attempt_names_the_pupil(world) -> None:
    bsn = new_bsn()
    subject = world.pseudonym(bsn)
    mid = _melding(world, bsn)
    oid = _overdracht(world, bsn)
    enrol(world.client("school"), bsn)
    cid = _record(world, "school", _jeugd(bsn))["id"]
    for purpose in ("verzuimmelding", "warme-overdracht", "jeugdhulp-afstemming"):
        world.hub.store.keys.shred(purpose, subject, "test")
    for party, path in (
        ("school", f"/v1/verzuimmeldingen/{mid}"),
        ("leerplicht", f"/v1/leerplicht/{GM_HOME}/meldingen/{mid}/casus"),
        ("receiver", f"/v1/overdrachten/{oid}"),
        ("school", f"/v1/overdrachten/{oid}"),
        ("school", f"/v1/toestemmingen/{cid}"),
    ):
        start = world.mark()
        r = world.client(party).get(path)
        entry = assert_refused(world, start, r, 410, ERASED, subject, bsn, org=world.org(party))
        assert entry["record_id"] in (mid, oid, cid)


# -- receipts ---------------------------------------------------------------------------------


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return claims


def _non_ascii_payload(token: str) -> bytes:
    """Issue 16: a payload segment with a non-ASCII character must be refused like any bad receipt."""
    header, payload, signature = token.split(".")
    return f"{header}.{payload[:-1]}é.{signature}".encode()


def test_missing_and_bad_receipts_are_logged_with_their_reason(world) -> None:
    bsn, other = new_bsn(), new_bsn()
    subject = world.pseudonym(bsn)
    mid = _melding(world, bsn)
    oid = _overdracht(world, bsn)
    case = f"/v1/leerplicht/{GM_HOME}/meldingen/{mid}/casus"
    tafel = _record(world, "school", _tafel(bsn))
    _melding(world, other)
    other_tafel = _record(world, "school", _tafel(other))
    warm = _record(world, "school", _warm(bsn))
    world.client("school").post(f"/v1/toestemmingen/{tafel['id']}/intrekking", json={"reden": "ingetrokken"})
    attempts = [
        ("leerplicht", case, "not.a.jws", "malformed"),
        ("leerplicht", case, _non_ascii_payload(warm["bewijs"]), "malformed"),
        ("leerplicht", case, tafel["bewijs"], "withdrawn"),
        ("leerplicht", case, other_tafel["bewijs"], "wrong_pupil"),
        ("leerplicht", case, warm["bewijs"], "wrong_purpose"),
        ("receiver", f"/v1/overdrachten/{oid}", other_tafel["bewijs"], "wrong_purpose"),
        ("receiver", f"/v1/overdrachten/{oid}", warm["bewijs"][:-4] + "AAAA", "bad_signature"),
    ]
    for party, path, token, reason in attempts:
        start = world.mark()
        r = world.client(party).get(path, headers={RECEIPT_HEADER: token})
        assert_refused(world, start, r, 403, RECEIPT_REFUSED, subject, bsn, receipt=reason)
        assert r.json().get("reden") == reason
    start = world.mark()
    r = world.client("jeugdteam").get("/v1/jeugdteam/signaal", headers={RECEIPT_HEADER: "x.y.z"})
    assert_refused(world, start, r, 403, RECEIPT_REFUSED, None, bsn, receipt="malformed")


@pytest.mark.parametrize("case", ["withdrawn", "wrong_recipient"])
def test_a_refused_receipt_at_the_jeugdteam_names_the_pupil_it_is_about(world, register, case: str) -> None:
    bsn = new_bsn()
    _melding(world, bsn)
    consent = _record(world, "school", _jeugd(bsn))
    if case == "withdrawn":
        world.client("school").post(f"/v1/toestemmingen/{consent['id']}/intrekking", json={"reden": "ingetrokken"})
        team = world.client("jeugdteam")
    else:  # a receipt of one team, presented by another
        team = register(Role.JEUGDTEAM, "JT0363", gemeente=GM_OTHER).client
    start = world.mark()
    r = team.get("/v1/jeugdteam/signaal", headers={RECEIPT_HEADER: consent["bewijs"]})
    assert_refused(world, start, r, 403, RECEIPT_REFUSED, world.pseudonym(bsn), bsn, receipt=case)


# -- unauthenticated --------------------------------------------------------------------------


def test_an_unsigned_request_is_401_and_not_in_the_access_log(world, anonymous) -> None:
    bsn = new_bsn()
    mid = _melding(world, bsn)
    start = world.mark()
    for method, path, body in (
        ("GET", f"/v1/verzuimmeldingen/{mid}", None),
        ("POST", "/v1/toestemmingen", _tafel(bsn)),
        ("GET", f"/v1/leerplicht/{GM_HOME}/meldingen/{mid}/casus", None),
        ("GET", "/v1/jeugdteam/signaal", None),
    ):
        r = anonymous.request(method, path, json=body)
        assert_problem(r, 401)
        assert_no_leak(r, bsn)
    assert world.mark() == start


# -- the SWV and the BSN ----------------------------------------------------------------------


def test_the_catalogue_lets_no_purpose_give_the_swv_the_bsn() -> None:
    for purpose in PURPOSES.values():
        recipient = purpose.recipient(Role.SWV)
        if recipient is not None:
            assert "leerling.id" not in recipient.fields, purpose.name
            assert not recipient.bsn, purpose.name


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
@pytest.mark.parametrize("recorded_by", [f.SCHOOL, None])
def test_the_policy_never_releases_the_bsn_to_the_swv(purpose: str, recorded_by: str | None) -> None:
    """Every field of the catalogue, with a consent that names the SWV and covers everything."""
    state = f.consent_state(
        purpose,
        recipients=(f.SWV_CODE, f.GEMEENTE),
        categories=tuple(sorted({spec.category.value for spec in FIELDS.values()})),
        items=("leren", "overig"),
    )
    decision = decide(
        f.request(
            f.SWV,
            purpose,
            set(FIELDS),
            consent=state,
            receipt=f.receipt_for(state),
            context=f.context(recorded_by=recorded_by),
        )
    )
    assert "leerling.id" not in decision.released
    assert "leerling.id" in decision.withheld


def test_no_route_gives_the_swv_a_pupils_data(world) -> None:
    """The SWV is refused on every pupil route, even with a consent naming it."""
    bsn = new_bsn()
    mid = _melding(world, bsn)
    oid = _overdracht(world, bsn)
    consent = _record(world, "swv", _tafel(bsn, [f"swv:{SWV}", f"leerplicht:{GM_HOME}"]))
    for path in (
        f"/v1/overdrachten/{oid}",
        f"/v1/verzuimmeldingen/{mid}",
        f"/v1/leerplicht/{GM_HOME}/meldingen/{mid}/casus",
        f"/v1/leerplicht/{GM_HOME}/meldingen",
        "/v1/jeugdteam/signaal",
    ):
        r = world.client("swv").get(path, headers={RECEIPT_HEADER: consent["bewijs"]})
        assert_problem(r, 403)
        assert_no_leak(r, bsn)
    mine = world.client("swv").get(f"/v1/toestemmingen/{consent['id']}")
    assert mine.status_code == 200 and bsn not in mine.text and "Testkind" not in mine.text


# -- a school that makes itself involved ---------------------------------------------------------


def test_a_school_cannot_make_itself_involved_to_hand_another_schools_melding_to_the_jeugdteam(world) -> None:
    bsn = new_bsn()
    _melding(world, bsn)  # 12AB00's melding: name, date of birth, toelichting
    stranger = world.client("stranger")
    enrolled = stranger.post("/v1/inschrijvingen", json=inschrijving_body(bsn, STRANGER))
    assert enrolled.status_code == 201, enrolled.text
    r = stranger.post("/v1/toestemmingen", json=_jeugd(bsn))
    token = r.json().get("bewijs") if r.status_code == 201 else None
    pulled = world.client("jeugdteam").get("/v1/jeugdteam/signaal", headers={RECEIPT_HEADER: token or "none"})
    assert_no_leak(pulled, bsn)
