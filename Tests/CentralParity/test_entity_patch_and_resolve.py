"""Port of Central's test/integration/api/entities.js, lines 1549-2119
(PATCH /datasets/:name/entities/:uuid, with 'updating data' and 'resolve conflict')
and lines 4023-4586 ('only take one entity action per submission',
'permitted entity actions' and 'increased bodyParser json request limit for bulk
entity creation')."""

import threading
from datetime import datetime, timedelta, timezone

from central_setups import extended, with_entities, with_entity_updates
from conftest import FORMS, INSTANCES

PEOPLE = "/v1/projects/1/datasets/people"
ALICE_UUID = "12345678-1234-4123-8234-123456789abc"
OTHER_UUID = "12345678-1234-4123-8234-123456789aaa"
ALICE_ENTITY = f"{PEOPLE}/entities/{ALICE_UUID}"
NONEXISTENT_ENTITY = "00000000-0000-4000-8000-000000000000"


# ---- Central's fixtures and should.js assertions, in our words ----

def create_conflict(gw):
    """Central's createConflict: entity from a submission, an API update, then a stale update from a form."""
    gw.alice.publish(FORMS["simpleEntity"])
    gw.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])
    gw.alice.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"age": "99"}}).expect(200)
    gw.alice.publish(FORMS["updateEntity"])
    gw.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"])  # all properties changed


def user_id(client) -> int:
    return client.get("/v1/users/current").expect(200).body["id"]


def edit_of(xml: str) -> str:
    """The same instance as a new version `one2` of submission `one`."""
    return xml.replace("<instanceID>one", "<deprecatedID>one</deprecatedID><instanceID>one2")


def parse_iso(value) -> datetime:
    assert isinstance(value, str), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    return parsed


def is_recent_iso(value) -> bool:
    return parse_iso(value) + timedelta(minutes=2) > datetime.now(timezone.utc)


def null_or_iso(value) -> bool:
    return value is None or parse_iso(value) is not None


def assert_entity(entity):
    assert isinstance(entity.get("uuid"), str), entity
    parse_iso(entity.get("createdAt"))
    assert "updatedAt" in entity and null_or_iso(entity["updatedAt"]), entity
    assert "deletedAt" in entity and null_or_iso(entity["deletedAt"]), entity
    assert isinstance(entity.get("creatorId"), int), entity


def assert_entity_def(version):
    assert isinstance(version.get("label"), str), version
    assert isinstance(version.get("current"), bool), version
    parse_iso(version.get("createdAt"))
    assert isinstance(version.get("creatorId"), int), version
    assert isinstance(version.get("version"), int), version
    assert "baseVersion" in version and (version["baseVersion"] is None or isinstance(version["baseVersion"], int)), version
    assert "conflictingProperties" in version and (
        version["conflictingProperties"] is None or isinstance(version["conflictingProperties"], list)), version
    if version.get("userAgent") is not None:
        assert isinstance(version["userAgent"], str), version


def actions(audits) -> list:
    return [audit["action"] for audit in audits]


def current(gw, uuid=ALICE_UUID) -> dict:
    return gw.alice.entity(uuid)["currentVersion"]


def assert_current(gw, data, label, version, uuid=ALICE_UUID):
    now = current(gw, uuid)
    assert now["data"] == data
    assert now["label"] == label
    assert now["version"] == version


# ==== describe('PATCH /datasets/:name/entities/:uuid') ====

def test_should_return_notfound_if_the_dataset_does_not_exist(gateway):
    with_entities(gateway)
    gateway.alice.patch(f"/v1/projects/1/datasets/nonexistent/entities/{NONEXISTENT_ENTITY}").expect(404)


def test_should_return_notfound_if_the_entity_does_not_exist(gateway):
    with_entities(gateway)
    gateway.alice.patch(f"{PEOPLE}/entities/{NONEXISTENT_ENTITY}").expect(404)


def test_should_reject_if_the_user_cannot_update(gateway):
    with_entities(gateway)
    gateway.chelsea.patch(f"{PEOPLE}/entities/{NONEXISTENT_ENTITY}").expect(403)


def test_should_reject_if_version_or_force_flag_is_not_provided(gateway):
    with_entities(gateway)
    reply = gateway.alice.patch(ALICE_ENTITY).expect(409)
    assert reply.body["code"] == 409.15


def test_should_reject_if_version_does_not_match(gateway):
    with_entities(gateway)
    reply = gateway.alice.patch(f"{ALICE_ENTITY}?baseVersion=0").expect(409)
    assert reply.body["code"] == 409.15


def test_should_store_the_entity_update_source_and_creator_id(gateway):
    with_entities(gateway)
    alice_id, bob_id = user_id(gateway.alice), user_id(gateway.bob)
    assert alice_id != bob_id

    person = gateway.bob.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"age": "77"}},
                               headers={"User-Agent": "central/tests"}).expect(200).body
    assert person["currentVersion"]["data"]["age"] == "77"
    assert_entity(person)
    assert_entity_def(person["currentVersion"])
    assert person["currentVersion"]["creatorId"] == bob_id
    assert person["creatorId"] == alice_id  # the entity's original creator
    assert person["currentVersion"]["userAgent"] == "central/tests"
    assert is_recent_iso(person["updatedAt"])

    person = gateway.bob.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["data"]["age"] == "77"
    assert person["currentVersion"]["creatorId"] == bob_id
    assert person["creatorId"] == alice_id
    assert person["currentVersion"]["userAgent"] == "central/tests"
    assert is_recent_iso(person["updatedAt"])


def test_should_add_a_source_row_with_type_api_when_updating_an_entity_via_patch(gateway):
    with_entities(gateway)
    gateway.bob.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"age": "77"}},
                      headers={"User-Agent": "central/tests"}).expect(200)
    # Central counts non-root entity_defs by their source's type: one group, 'api', count 1.
    # Ours keeps the source on the version: an API version has no source submission.
    rows = gateway.sql(
        "SELECT source_submission_id IS NULL AS api, count(*) FROM entity_versions "
        "WHERE version > 1 GROUP BY api ORDER BY api")
    assert rows == [(1, 1)]


# ---- describe('updating data') ----

def test_should_partially_update_an_entity(gateway):
    with_entities(gateway)
    new_data = {"age": "77", "first_name": "Alan"}
    person = gateway.alice.patch(f"{ALICE_ENTITY}?baseVersion=1",
                                 json={"data": {"age": "77", "first_name": "Alan"}}).expect(200).body
    assert person["currentVersion"]["dataReceived"] == {"age": "77", "first_name": "Alan"}
    assert person["currentVersion"]["data"] == new_data
    assert person["currentVersion"]["label"] == "Alice (88)"  # label not updated

    person = gateway.alice.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["dataReceived"] == {"age": "77", "first_name": "Alan"}
    assert person["currentVersion"]["data"] == new_data
    assert person["currentVersion"]["label"] == "Alice (88)"


def test_should_return_the_latest_data_after_multiple_updates(gateway):
    with_entities(gateway)
    gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"age": "77"}}).expect(200)
    gateway.alice.patch(f"{ALICE_ENTITY}?force=true",
                        json={"data": {"age": "66", "first_name": "Arnold"}, "label": "Arnold"}).expect(200)
    gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"label": "Arnold (66)"}).expect(200)

    person = gateway.alice.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["data"] == {"age": "66", "first_name": "Arnold"}
    assert person["currentVersion"]["label"] == "Arnold (66)"
    assert person["currentVersion"]["dataReceived"] == {"label": "Arnold (66)"}


def test_should_update_the_label_of_an_entity(gateway):
    with_entities(gateway)
    person = gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"label": "New Label"}).expect(200).body
    assert person["currentVersion"]["label"] == "New Label"

    person = gateway.alice.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["label"] == "New Label"
    assert person["currentVersion"]["dataReceived"]["label"] == "New Label"
    assert person["currentVersion"]["dataReceived"] == {"label": "New Label"}


def test_should_reject_if_updating_the_label_to_be_empty(gateway):
    with_entities(gateway)
    gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"label": ""}).expect(400)


def test_should_update_an_entity_with_additional_properties(gateway):
    with_entities(gateway)
    second = FORMS["simpleEntity"].replace("simpleEntity", "simpleEntity2", 1).replace("first_name", "city", 1)
    gateway.alice.post("/v1/projects/1/forms?publish=true", data=second.encode(),
                       headers={"Content-Type": "text/xml"}).expect(200)
    new_data = {"age": "88", "first_name": "Alice", "city": "Toronto"}

    person = gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"city": "Toronto"}}).expect(200).body
    assert person["currentVersion"]["data"] == new_data

    person = gateway.alice.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["data"] == new_data
    assert person["currentVersion"]["dataReceived"] == {"city": "Toronto"}


def test_should_let_a_propery_be_set_to_empty_string(gateway):
    with_entities(gateway)
    new_data = {"age": "88", "first_name": ""}
    person = gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"first_name": ""}}).expect(200).body
    assert person["currentVersion"]["data"] == new_data

    person = gateway.alice.get(ALICE_ENTITY).expect(200).body
    assert person["currentVersion"]["data"] == new_data
    assert person["currentVersion"]["dataReceived"] == {"first_name": ""}


def test_should_not_accept_null_property(gateway):
    with_entities(gateway)
    reply = gateway.alice.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"first_name": None}}).expect(400)
    assert reply.body["code"] == 400.11
    assert reply.body["message"] == "Invalid input data type: expected (first_name) to be (string)"


def test_should_reject_if_updating_property_not_in_dataset(gateway):
    with_entities(gateway)
    reply = gateway.alice.patch(f"{ALICE_ENTITY}?force=true",
                                json={"data": {"favorite_candy": "chocolate"}}).expect(400)
    assert reply.body["code"] == 400.28
    assert reply.body["message"] == (
        "The entity is invalid. You specified the dataset property [favorite_candy] which does not exist.")


# ---- back in describe('PATCH /datasets/:name/entities/:uuid') ----

def test_should_log_the_entity_update_event_in_the_audit_log(gateway):
    with_entities(gateway)
    bob_id = user_id(gateway.bob)
    gateway.bob.patch(f"{ALICE_ENTITY}?force=true", json={"data": {"age": "77"}}).expect(200)

    audits = gateway.alice.get("/v1/audits?action=entity.update.version").expect(200).body
    assert audits, "no entity.update.version audit"
    latest = audits[0]
    assert latest["action"] == "entity.update.version"
    assert latest["actorId"] == bob_id
    assert latest["details"]["entity"]["uuid"] == ALICE_UUID
    assert latest["details"]["entity"]["dataset"] == "people"


# ---- describe('resolve conflict') ----

def test_should_resolve_the_conflict_without_updating_data(gateway):
    create_conflict(gateway)
    last_updated_at = gateway.alice.get(ALICE_ENTITY).expect(200).body["updatedAt"]

    body = gateway.alice.patch(f"{ALICE_ENTITY}?resolve=true&baseVersion=3").expect(200).body
    assert body["updatedAt"] != last_updated_at
    assert body["conflict"] is None

    person = extended(gateway.alice).get(ALICE_ENTITY).expect(200).body
    assert person["conflict"] is None


def test_should_resolve_the_conflict_with_updating_data(gateway):
    create_conflict(gateway)
    gateway.bob.patch(f"{ALICE_ENTITY}?resolve=true&baseVersion=3",
                      json={"data": {"first_name": "John", "age": "10"}}).expect(200)

    person = extended(gateway.alice).get(ALICE_ENTITY).expect(200).body
    assert person["conflict"] is None
    assert person["currentVersion"]["data"]["age"] == "10"
    assert person["currentVersion"]["data"]["first_name"] == "John"

    audits = gateway.alice.get(f"{ALICE_ENTITY}/audits").expect(200).body
    assert audits[0]["action"] == "entity.update.resolve"
    assert audits[0]["actor"]["displayName"] == "Bob"


def test_should_not_resolve_without_the_flag(gateway):
    create_conflict(gateway)
    gateway.bob.patch(f"{ALICE_ENTITY}?baseVersion=3",
                      json={"data": {"first_name": "John", "age": "10"}}).expect(200)

    person = extended(gateway.alice).get(ALICE_ENTITY).expect(200).body
    assert person["conflict"] is not None
    assert person["currentVersion"]["data"]["age"] == "10"
    assert person["currentVersion"]["data"]["first_name"] == "John"


def test_should_resolve_the_conflict_and_forcefully_update_the_entity(gateway):
    create_conflict(gateway)
    gateway.alice.patch(f"{ALICE_ENTITY}?resolve=true&force=true",
                        json={"data": {"first_name": "John", "age": "10"}}).expect(200)

    person = extended(gateway.alice).get(ALICE_ENTITY).expect(200).body
    assert person["conflict"] is None
    assert person["currentVersion"]["data"]["age"] == "10"
    assert person["currentVersion"]["data"]["first_name"] == "John"


def test_should_throw_error_if_there_is_no_conflict(gateway):
    with_entities(gateway)
    reply = gateway.alice.patch(f"{ALICE_ENTITY}?resolve=true").expect(400)
    assert reply.body["code"] == 400.32


def test_resolve_conflict_should_reject_if_version_does_not_match(gateway):
    # Central's it('should reject if version does not match') inside describe('resolve conflict');
    # prefixed so that it does not clash with the PATCH test of the same name.
    create_conflict(gateway)
    reply = gateway.alice.patch(f"{ALICE_ENTITY}?resolve=true&baseVersion=0").expect(409)
    assert reply.body["code"] == 409.15


def test_should_forcefully_resolve_the_conflict(gateway):
    create_conflict(gateway)
    body = gateway.alice.patch(f"{ALICE_ENTITY}?resolve=true&force=true").expect(200).body
    assert body["conflict"] is None


# ---- back in describe('PATCH /datasets/:name/entities/:uuid') ----

def test_should_not_allow_parallel_updates_to_the_same_entity_slow(gateway):
    # Central drives two database transactions by hand (the second blocks on the first's
    # entity lock, then builds on version 2). Ours: the same race over HTTP, two updates of
    # the same entity sent at once; which one wins the lock is not ours to choose, so the
    # order of Jane and Robert is asserted as either, and each must build on the one before.
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])

    barrier = threading.Barrier(2)
    replies = {}

    def update(name):
        client = gateway.alice.with_headers()
        barrier.wait()
        replies[name] = client.patch(f"{ALICE_ENTITY}?force=true",
                                     json={"label": name, "data": {"first_name": name}})

    threads = [threading.Thread(target=update, args=(name,)) for name in ("Jane", "Robert")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in ("Jane", "Robert"):
        replies[name].expect(200)

    versions = gateway.alice.versions(ALICE_UUID)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[0]["data"]["first_name"] == "Alice"
    assert sorted([versions[1]["data"]["first_name"], versions[2]["data"]["first_name"]]) == ["Jane", "Robert"]
    # The second writer saw version 2, not the version 1 both started from.
    assert versions[2]["baseVersion"] == 2
    assert versions[2]["data"]["first_name"] == versions[2]["label"]


# ==== describe('only take one entity action per submission') (Central issue #517) ====

def test_should_create_an_entity_from_submission_edited_to_have_create_flag(gateway):
    # Example 1
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"].replace('create="1"', 'create="0"'))
    gateway.alice.get(ALICE_ENTITY).expect(404)

    gateway.alice.put("/v1/projects/1/forms/simpleEntity/submissions/one",
                      data=edit_of(INSTANCES["simpleEntity"]["one"]).encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("simpleEntity", "one")
    assert actions(logs)[:3] == ["entity.create", "submission.update.version", "submission.create"]
    assert_current(gateway, {"age": "88", "first_name": "Alice"}, "Alice (88)", 1)


def test_should_create_an_entity_from_approved_submission_edited_to_have_create_flag(gateway):
    # Example 2
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.patch(PEOPLE, json={"approvalRequired": True}).expect(200)
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"].replace('create="1"', 'create="0"'))
    gateway.alice.review("simpleEntity", "one", "approved")
    gateway.alice.get(ALICE_ENTITY).expect(404)

    gateway.alice.put("/v1/projects/1/forms/simpleEntity/submissions/one",
                      data=edit_of(INSTANCES["simpleEntity"]["one"]).encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)
    gateway.alice.review("simpleEntity", "one", "approved")

    logs = gateway.alice.submission_audits("simpleEntity", "one")
    assert actions(logs)[:5] == ["entity.create", "submission.update", "submission.update.version",
                                 "submission.update", "submission.create"]
    assert_current(gateway, {"age": "88", "first_name": "Alice"}, "Alice (88)", 1)


def test_should_not_create_second_entity_with_new_uuid_from_edited_submission(gateway):
    # Example 3
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])
    gateway.alice.get(ALICE_ENTITY).expect(200)

    edited = edit_of(INSTANCES["simpleEntity"]["one"]).replace(
        f'id="uuid:{ALICE_UUID}"', f'id="uuid:{OTHER_UUID}"')
    gateway.alice.put("/v1/projects/1/forms/simpleEntity/submissions/one", data=edited.encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    gateway.alice.get(f"{PEOPLE}/entities/{OTHER_UUID}").expect(404)
    logs = gateway.alice.submission_audits("simpleEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.create", "submission.create"]
    assert_current(gateway, {"age": "88", "first_name": "Alice"}, "Alice (88)", 1)


def test_should_not_update_a_entity_from_edited_sub_if_sub_already_created_entity(gateway):
    # Example 4: the update is not well formed (no baseVersion), but it does not run at all.
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])
    gateway.alice.get(ALICE_ENTITY).expect(200)

    edited = edit_of(INSTANCES["simpleEntity"]["one"].replace('create="1"', 'update="1"')).replace(
        f'id="uuid:{ALICE_UUID}"', f'id="uuid:{OTHER_UUID}"')
    gateway.alice.put("/v1/projects/1/forms/simpleEntity/submissions/one", data=edited.encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("simpleEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.create", "submission.create"]
    assert_current(gateway, {"age": "88", "first_name": "Alice"}, "Alice (88)", 1)


def test_should_not_update_same_entity_from_edited_sub_if_sub_already_created_entity(gateway):
    # Example 5
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])
    gateway.alice.get(ALICE_ENTITY).expect(200)

    edited = edit_of(INSTANCES["simpleEntity"]["one"].replace('create="1"', 'update="1"'))
    gateway.alice.put("/v1/projects/1/forms/simpleEntity/submissions/one", data=edited.encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("simpleEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.create", "submission.create"]
    assert_current(gateway, {"age": "88", "first_name": "Alice"}, "Alice (88)", 1)


def test_should_update_entity_when_submission_is_edited_to_set_update_to_true(gateway):
    # Example 6
    with_entity_updates(gateway)
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"].replace('update="1"', 'update="0"'))
    assert_current(gateway, {"age": "22", "first_name": "Johnny"}, "Johnny Doe", 1)

    gateway.alice.put("/v1/projects/1/forms/updateEntity/submissions/one",
                      data=edit_of(INSTANCES["updateEntity"]["one"]).encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(logs)[:3] == ["entity.update.version", "submission.update.version", "submission.create"]
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)


def test_should_not_update_different_entity_when_submission_previously_updated_an_entity(gateway):
    # Example 7
    with_entity_updates(gateway)
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"])
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)

    edited = edit_of(INSTANCES["updateEntity"]["one"].replace(f'id="{ALICE_UUID}"', f'id="{OTHER_UUID}"'))
    gateway.alice.put("/v1/projects/1/forms/updateEntity/submissions/one", data=edited.encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.update.version", "submission.create"]
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)


def test_should_not_re_update_entity_when_submission_previously_updated_an_entity(gateway):
    # Example 8
    with_entity_updates(gateway)
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"])
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)

    gateway.alice.put("/v1/projects/1/forms/updateEntity/submissions/one",
                      data=edit_of(INSTANCES["updateEntity"]["one"]).encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.update.version", "submission.create"]
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)


def test_should_update_entity_after_editing_submission_to_reference_valid_entity(gateway):
    # Example 9: the first version names an entity that does not exist (an entity.error).
    with_entity_updates(gateway)
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"].replace(
        f'id="{ALICE_UUID}"', f'id="{OTHER_UUID}"'))
    assert_current(gateway, {"age": "22", "first_name": "Johnny"}, "Johnny Doe", 1)

    gateway.alice.put("/v1/projects/1/forms/updateEntity/submissions/one",
                      data=edit_of(INSTANCES["updateEntity"]["one"]).encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(logs)[:4] == ["entity.update.version", "submission.update.version", "entity.error",
                                 "submission.create"]
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)


def test_should_not_create_entity_after_sub_updates_an_entity(gateway):
    # Example 10
    with_entity_updates(gateway)
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"])
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)

    edited = edit_of(INSTANCES["updateEntity"]["one"].replace('update="1"', 'create="1"')
                     .replace(f'id="{ALICE_UUID}"', f'id="{OTHER_UUID}"'))
    gateway.alice.put("/v1/projects/1/forms/updateEntity/submissions/one", data=edited.encode(),
                      headers={"Content-Type": "text/xml"}).expect(200)

    logs = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(logs)[:3] == ["submission.update.version", "entity.update.version", "submission.create"]
    assert_current(gateway, {"age": "85", "first_name": "Alicia"}, "Alicia (85)", 2)


# ==== describe('permitted entity actions') ====

def test_should_result_in_an_error_for_an_update_from_a_create_form(gateway):
    gateway.alice.publish(FORMS["simpleEntity"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"])
    gateway.alice.submit("simpleEntity", INSTANCES["simpleEntity"]["one"]
                         .replace("<instanceID>one</instanceID>", "<instanceID>another</instanceID>")
                         .replace('create="1"', 'update="1"'))

    audits = gateway.alice.submission_audits("simpleEntity", "another")
    assert actions(audits) == ["entity.error", "submission.create"]
    details = audits[0]["details"]
    assert details["problem"] == {
        "problemCode": 403.2,
        "problemDetails": {"action": "update", "permitted": ["create"]},
    }
    assert details["errorMessage"] == (
        "The submission attempts an entity update, but the form does not permit that action. "
        "The form permits the following actions: create.")


def test_should_result_in_an_error_for_a_create_from_an_update_form(gateway):
    gateway.alice.publish(FORMS["updateEntity"])
    gateway.alice.submit("updateEntity", INSTANCES["updateEntity"]["one"].replace('update="1"', 'create="1"'))

    audits = gateway.alice.submission_audits("updateEntity", "one")
    assert actions(audits) == ["entity.error", "submission.create"]
    details = audits[0]["details"]
    assert details["problem"] == {
        "problemCode": 403.2,
        "problemDetails": {"action": "create", "permitted": ["update"]},
    }
    assert details["errorMessage"] == (
        "The submission attempts an entity create, but the form does not permit that action. "
        "The form permits the following actions: update.")


# ==== describe('increased bodyParser json request limit for bulk entity creation') ====

def test_should_reject_250kb_requests_to_non_entity_endpoint(gateway):
    # Central's it('should reject >250kb requests to non-entity endpoint'); 250kb = 256000 bytes.
    gateway.alice.publish(FORMS["simpleEntity"])
    reply = gateway.alice.post("/v1/projects/1/datasets", json={"name": "x" * 256001}).expect(400)
    assert reply.body == {"code": 400.36, "message": "Request body too large."}


def test_should_allow_250kb_requests_to_bulk_entity_endpoint(gateway):
    # Central's it('should allow >250kb requests to bulk entity endpoint').
    gateway.alice.publish(FORMS["simpleEntity"])
    reply = gateway.alice.post(f"{PEOPLE}/entities", json={
        "source": {"name": "file.csv"}, "entities": [{"label": "x" * 256001}]}).expect(200)
    assert reply.body["success"] is True


def test_should_allow_250kb_requests_to_bulk_entity_endpoint_with_query_parameters(gateway):
    # Central's it('should allow >250kb requests to bulk entity endpoint with query parameters');
    # query parameters are not used by this endpoint.
    gateway.alice.publish(FORMS["simpleEntity"])
    reply = gateway.alice.post(f"{PEOPLE}/entities?foo=bar", json={
        "source": {"name": "file.csv"}, "entities": [{"label": "x" * 256001}]}).expect(200)
    assert reply.body["success"] is True
