"""Port of Central's test/integration/api/entities.js, describes
'create new entities from submissions' and 'entity updates from submissions'
(with 'update error cases' and 'create and update in a single submission').

Central runs the entity worker (`exhaust`) after each submission; the gateway does
that work inside the request, so nothing stands in for it here.
"""

import re

from conftest import FORMS, INSTANCES

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")

EXISTING = "12345678-1234-4123-8234-123456789abc"


def assert_audit(log: dict) -> None:
    """Central's `should.be.an.Audit()` (test/assertions.js)."""
    for key in ("actorId", "action", "acteeId", "details", "loggedAt"):
        assert key in log, f"audit lacks {key}: {log}"
    assert isinstance(log["actorId"], int) and not isinstance(log["actorId"], bool), log
    assert isinstance(log["action"], str), log
    if log["acteeId"] is not None:
        assert isinstance(log["acteeId"], str) and UUID_RE.match(log["acteeId"]), log
    assert isinstance(log["loggedAt"], str) and ISO_RE.match(log["loggedAt"]), log
    for key in ("claimed", "processed", "lastFailure", "failures"):
        assert log.get(key) is None, f"audit carries {key}: {log}"


def dataset_setup(gateway) -> None:
    """Central's testDataset: the simpleEntity form published."""
    gateway.alice.publish(FORMS["simpleEntity"])


def entity_updates_setup(gateway) -> None:
    """Central's testEntityUpdates: simpleEntity, one entity made over the API, and
    updateEntity published allowing both update and create."""
    alice = gateway.alice
    alice.publish(FORMS["simpleEntity"])
    alice.post("/v1/projects/1/datasets/people/entities", json={
        "uuid": EXISTING,
        "label": "Johnny Doe",
        "data": {"first_name": "Johnny", "age": "22"},
    }).expect(200)
    alice.publish(FORMS["updateEntity"].replace('update=""', 'update="" create=""'))


def replaced(xml: str, *pairs) -> str:
    for old, new in pairs:
        assert old in xml, f"fixture lacks {old!r}"
        xml = xml.replace(old, new)
    return xml


UPDATE_ONE = INSTANCES["updateEntity"]["one"]
UPSERT = ('update="1"', 'create="1" update="1"')


# describe: create new entities from submissions

def test_should_create_entity(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("simpleEntity", INSTANCES["simpleEntity"]["three"])

    person = alice.entity("12345678-1234-4123-8234-123456789bbb")
    assert person["currentVersion"]["label"] == "John (40)"
    assert person["currentVersion"]["data"] == {"age": "40", "first_name": "John"}
    assert person["currentVersion"]["version"] == 1


def test_should_not_create_entity_if_the_label_is_missing_in_the_submission(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("simpleEntity", replaced(INSTANCES["simpleEntity"]["three"],
                                          ("<entities:label>John (40)</entities:label>", "")))

    alice.get("/v1/projects/1/datasets/people/entities/12345678-1234-4123-8234-123456789bbb").expect(404)

    logs = alice.submission_audits("simpleEntity", "three")
    assert_audit(logs[0])
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 400.2
    assert logs[0]["details"]["errorMessage"] == "Required parameter label missing."


def test_should_not_create_entity_if_the_uuid_is_missing_in_the_submission(gateway):
    dataset_setup(gateway)
    alice = gateway.alice
    alice.submit("simpleEntity", replaced(INSTANCES["simpleEntity"]["one"],
                                          ('id="uuid:12345678-1234-4123-8234-123456789abc"', 'id=""')))

    logs = alice.submission_audits("simpleEntity", "one")
    assert_audit(logs[0])
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 400.2
    assert logs[0]["details"]["errorMessage"] == "Required parameter uuid missing."


# describe: entity updates from submissions

def test_should_process_multiple_updates_in_a_row(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", UPDATE_ONE)
    alice.submit("updateEntity", replaced(UPDATE_ONE,
                                          ("<instanceID>one</instanceID>", "<instanceID>one-v2</instanceID>"),
                                          ("<age>85</age>", "<age>33</age>")))

    versions = alice.versions(EXISTING)
    assert versions[0]["data"] == {"age": "22", "first_name": "Johnny"}
    assert versions[0]["version"] == 1
    assert versions[1]["data"] == {"age": "85", "first_name": "Alicia"}
    assert versions[1]["version"] == 2
    assert versions[2]["data"] == {"age": "33", "first_name": "Alicia"}
    assert versions[2]["version"] == 3


def test_should_update_data_and_label(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", UPDATE_ONE)

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"age": "85", "first_name": "Alicia", "label": "Alicia (85)"}
    assert current["label"] == "Alicia (85)"
    assert current["data"] == {"age": "85", "first_name": "Alicia"}


def test_should_update_only_the_label(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ("<name>Alicia</name>", ""), ("<age>85</age>", "")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"label": "Alicia (85)"}
    assert current["label"] == "Alicia (85)"
    assert current["data"] == {"age": "22", "first_name": "Johnny"}


def test_should_not_update_label_if_not_included(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ("<label>Alicia (85)</label>", "")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"age": "85", "first_name": "Alicia"}
    assert current["data"] == {"age": "85", "first_name": "Alicia"}
    assert current["label"] == "Johnny Doe"


def test_should_not_update_label_if_label_is_blank(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ("<label>Alicia (85)</label>", "<label></label>")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"age": "85", "first_name": "Alicia"}
    assert current["data"] == {"age": "85", "first_name": "Alicia"}
    assert current["label"] == "Johnny Doe"


def test_should_set_field_to_blank(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ("<age>85</age>", "<age></age>")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"label": "Alicia (85)", "first_name": "Alicia", "age": ""}
    assert current["data"]["first_name"] == "Alicia"
    assert current["data"]["age"] == ""


def test_should_not_update_field_if_not_included_in_xml(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    # the entity's first_name was Johnny before this update
    alice.submit("updateEntity", replaced(UPDATE_ONE, ("<name>Alicia</name>", "")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"label": "Alicia (85)", "age": "85"}
    assert current["data"]["first_name"] == "Johnny"
    assert current["data"] == {"age": "85", "first_name": "Johnny"}
    assert current["label"] == "Alicia (85)"


# describe: entity updates from submissions / update error cases

def test_should_log_an_error_and_not_update_if_baseversion_is_missing(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ('baseVersion="1"', "")))

    # still the version made over the API, which has no base
    assert alice.entity(EXISTING)["currentVersion"]["baseVersion"] is None

    logs = alice.submission_audits("updateEntity", "one")
    assert_audit(logs[0])
    assert logs[0]["action"] == "entity.error"


def test_should_log_an_error_and_not_update_if_baseversion_in_submission_does_not_exist(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ('baseVersion="1"', 'baseVersion="2"')))

    assert alice.entity(EXISTING)["currentVersion"]["baseVersion"] is None

    logs = alice.submission_audits("updateEntity", "one")
    assert_audit(logs[0])
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 404.9
    assert logs[0]["details"]["errorMessage"] == (
        "Base version (2) does not exist for entity UUID (12345678-1234-4123-8234-123456789abc) "
        "in dataset (people).")


def test_should_log_an_error_and_if_baseversion_is_not_an_integer(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, ('baseVersion="1"', 'baseVersion="not_an_integer"')))

    assert alice.entity(EXISTING)["currentVersion"]["version"] == 1

    logs = alice.submission_audits("updateEntity", "one")
    assert_audit(logs[0])
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 400.11
    assert logs[0]["details"]["errorMessage"] == "Invalid input data type: expected (baseVersion) to be (integer)"


# describe: entity updates from submissions / create and update in a single submission

def test_should_create_an_entity_if_it_does_not_yet_exist(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT,
                                          (f'id="{EXISTING}"', 'id="12345678-1234-4123-8234-123456789aaa"')))

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.create"
    assert logs[1]["action"] == "submission.create"

    current = alice.entity("12345678-1234-4123-8234-123456789aaa")["currentVersion"]
    assert current["data"] == {"age": "85", "first_name": "Alicia"}
    assert current["label"] == "Alicia (85)"
    assert current["version"] == 1


def test_should_perform_an_upsert_with_blank_label(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    # the update works even with no label
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT, ("<label>Alicia (85)</label>", "")))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["dataReceived"] == {"age": "85", "first_name": "Alicia"}
    assert current["data"] == {"age": "85", "first_name": "Alicia"}
    assert current["label"] == "Johnny Doe"


def test_should_have_create_error_if_failed_to_update_non_existent_entity_but_still_had_error_with_create_e_g_blank_label(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT,
                                          (f'id="{EXISTING}"', 'id="12345678-1234-4123-8234-123456789aaa"'),
                                          ("<label>Alicia (85)</label>", "")))

    alice.get("/v1/projects/1/datasets/people/entities/12345678-1234-4123-8234-123456789aaa").expect(404)

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 400.2
    assert logs[0]["details"]["errorMessage"] == "Required parameter label missing."
    assert logs[1]["action"] == "submission.create"


def test_should_update_an_entity_if_it_does_exist(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT))

    current = alice.entity(EXISTING)["currentVersion"]
    assert current["data"] == {"age": "85", "first_name": "Alicia"}
    assert current["label"] == "Alicia (85)"
    assert current["version"] == 2

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.update.version"
    assert logs[1]["action"] == "submission.create"


def test_should_fail_both_update_and_create_if_uuid_exists_and_base_version_is_wrong(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT, ('baseVersion="1"', 'baseVersion="99"')))

    current = alice.entity(EXISTING)["currentVersion"]
    # not updated
    assert current["version"] == 1
    assert current["data"] == {"age": "22", "first_name": "Johnny"}
    assert current["label"] == "Johnny Doe"

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["errorMessage"] == (
        "Base version (99) does not exist for entity UUID (12345678-1234-4123-8234-123456789abc) "
        "in dataset (people).")
    assert logs[1]["action"] == "submission.create"


def test_should_fail_both_update_and_create_on_error_like_invalid_uuid(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT, (f'id="{EXISTING}"', 'id="not_a_valid_uuid"')))

    current = alice.entity(EXISTING)["currentVersion"]
    # not updated
    assert current["version"] == 1
    assert current["data"] == {"age": "22", "first_name": "Johnny"}
    assert current["label"] == "Johnny Doe"

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.error"
    assert logs[1]["action"] == "submission.create"


def test_should_create_entity_when_both_create_and_update_are_true_but_baseversion_is_empty(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    alice.submit("updateEntity", replaced(UPDATE_ONE,
                                          (f'id="{EXISTING}"', 'id="12345678-1234-4123-8234-123456789ddd"'),
                                          UPSERT,
                                          ('baseVersion="1"', 'baseVersion=""')))

    # the existing entity and the new one
    assert len(alice.entities()) == 2


def test_should_log_error_when_both_create_and_update_are_true_baseversion_is_empty_but_entity_uuid_exists(gateway):
    entity_updates_setup(gateway)
    alice = gateway.alice
    # An existing uuid, create and update both allowed, no baseVersion: the update
    # finds no base version to read and the create then finds the uuid taken.
    alice.submit("updateEntity", replaced(UPDATE_ONE, UPSERT, ('baseVersion="1"', 'baseVersion=""')))

    logs = alice.submission_audits("updateEntity", "one")
    assert logs[0]["action"] == "entity.error"
    assert logs[0]["details"]["problem"]["problemCode"] == 409.3
    assert logs[0]["details"]["errorMessage"] == (
        "A resource already exists with uuid value(s) of 12345678-1234-4123-8234-123456789abc.")
    assert logs[1]["action"] == "submission.create"
